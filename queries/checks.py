"""What a SPARQL request is, decided on its parsed form (rdflib's SPARQL 1.1 parser), never on its text.

The parser expands ``\\u`` escapes and skips comments and strings the way the engines do, so a
``SERVICE`` inside a comment is no SERVICE, and one written ``SERV\\u0049CE`` is. Verdicts are
cached by the query's SHA-256, in a cache bounded in bytes (parsing a large query takes seconds).
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from dataclasses import dataclass

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
NETWORK = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}


class Refused(Exception):
    """A request that would make the server fetch from the network (403)."""


class Invalid(Exception):
    """A request that does not parse, or contradicts itself (400)."""


@dataclass(frozen=True)
class QueryInfo:
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    names_dataset: bool  # the query has FROM or FROM NAMED


@dataclass(frozen=True)
class UpdateInfo:
    names_dataset: bool  # some operation has USING, USING NAMED or WITH


class ByteBoundedCache:
    """A least-recently-used map whose keys and values together stay under ``limit`` bytes."""

    def __init__(self, limit: int = 4_000_000):
        self.limit, self.size = limit, 0
        self._items: OrderedDict = OrderedDict()

    @staticmethod
    def _cost(key, value) -> int:
        return sys.getsizeof(key) + sys.getsizeof(value) + 64

    def get(self, key):
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key, value) -> None:
        cost = self._cost(key, value)
        if cost > self.limit:
            return
        if key in self._items:
            self.size -= self._cost(key, self._items.pop(key))
        self._items[key] = value
        self.size += cost
        while self.size > self.limit:
            old_key, old_value = self._items.popitem(last=False)
            self.size -= self._cost(old_key, old_value)

    def __len__(self) -> int:
        return len(self._items)


_verdicts = ByteBoundedCache()


def _walk(node):
    """Every node of a parse result: CompValues (dicts), ParseResults and lists."""
    from pyparsing import ParseResults

    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, ParseResults)):
            stack.extend(n)


def _refuse_network(parsed) -> None:
    for node in _walk(parsed):
        what = NETWORK.get(getattr(node, "name", None))
        if what:
            raise Refused(f"{what} would make the server fetch from the network; it is refused")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__


def _cached(kind: str, text: str, compute):
    key = hashlib.sha256(kind.encode() + b"\0" + text.encode("utf-8", "surrogatepass")).digest()
    verdict = _verdicts.get(key)
    if verdict is None:
        try:
            verdict = compute()
        except (Refused, Invalid) as exc:
            verdict = exc
        _verdicts.put(key, verdict)
    if isinstance(verdict, Exception):
        raise type(verdict)(str(verdict))
    return verdict


def parse_query(text: str):
    """rdflib's parse tree of a query, fresh on every call: rdflib's algebra translation edits the tree
    it is given, so a tree kept for reuse would answer a later call with the first call's bindings."""
    from rdflib.plugins.sparql import parser

    try:
        return parser.parseQuery(text)
    except Exception as exc:
        raise Invalid(f"query syntax error: {_first_line(exc)}") from None


def inspect_query(text: str) -> QueryInfo:
    """The query's form and whether it names its dataset; ``Refused`` for SERVICE, ``Invalid`` for bad syntax."""
    def compute() -> QueryInfo:
        parsed = parse_query(text)
        _refuse_network(parsed)
        body = parsed[1]
        if body.name not in FORMS:
            raise Invalid("not a query")
        return QueryInfo(FORMS[body.name], "datasetClause" in body)  # CompValue.get answers a default

    return _cached("query", text, compute)


def inspect_update(text: str) -> UpdateInfo:
    """Whether the update names its dataset; ``Refused`` for LOAD or SERVICE, ``Invalid`` for bad syntax."""
    def compute() -> UpdateInfo:
        from rdflib.plugins.sparql import parser

        try:
            parsed = parser.parseUpdate(text)
        except Exception as exc:
            raise Invalid(f"update syntax error: {_first_line(exc)}") from None
        _refuse_network(parsed)
        names = any(getattr(op, "name", None) == "Modify" and ("using" in op or "withClause" in op)
                    for op in parsed["request"])
        return UpdateInfo(names)

    return _cached("update", text, compute)
