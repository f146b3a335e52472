"""using-graph-uri / using-named-graph-uri for SPARQL Update on the embedded store.

pyoxigraph's ``Store.update`` takes no dataset, and the protocol's dataset must not be pasted into
the update's text; until the engine takes it, such a request is refused (501), never applied
with the dataset silently ignored.
"""

from __future__ import annotations

from .jobs import JobError


def apply(store, update: str, using, base: str | None) -> None:
    raise JobError(501, "Not Implemented", "using-graph-uri and using-named-graph-uri are not supported by the "
                   "embedded store; write USING / USING NAMED in the update itself")
