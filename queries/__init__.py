"""plankg.queries."""
