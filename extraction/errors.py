"""The one error type extraction raises for input it cannot use."""


class PlanError(Exception):
    """Input that is not a usable plan text; the message is one line naming the problem."""
