"""Named queries: the ``.rq`` files beside this module, their headers, and safe parameter binding.

A header is the leading comment block::

    # title: 发展目标 / Goals of a plan
    # description: …
    # param plan: iri — the plan (default: every plan)
    # param code: gbt2260 required — the GB/T 2260 code
    # scope: plan

``scope: plan`` says the query reads nothing but the graph of the plan bound to ``?plan`` (and the
vocabulary): a store may then give its engine that dataset alone (Oxigraph reads one plan's graph, not
all of them). ``scope: plan of goal`` says the same of the plan graphs where the IRI bound to ``?goal``
(a required iri parameter) is a subject: the query finds its rows there. The answer is the same;
tests/test_queries.py checks it for every such query.

``rows: by plan`` says more of a query that takes an optional ``plan``: each row belongs to the plan in
``?plan``, found in that plan's graph, and rows are ordered by ``?plan`` first. Across every plan, its
answer is then the plans' answers one after another, and a page of it can be read plan by plan
(:mod:`plankg.queries.pages`) rather than by ordering every row of every plan. ``rows: by P, listed by
Q`` says the same of another optional parameter P, whose values the named query Q lists in the order
of ``?P`` (indicator-across-plans is read key by key: the keys come from indicator-keys).

``text index: paragraph contains needle`` says that the rows' ``?paragraph`` are subjects whose
``pkg:text`` contains the ``needle`` parameter, and that the query itself filters by it: a store with a
text index (graph/text_index.py) may narrow ``?paragraph`` to its candidates, a ``VALUES`` block written
on the parse tree (:func:`values_text`), with the same answer.

Binding never edits the query's text: each value is parsed into an RDF term of the declared
type, and the store gives the terms to its engine (Oxigraph's ``substitutions``, rdflib's
``initBindings``). A remote endpoint has no such parameter: :func:`bound_text` substitutes the terms
in rdflib's parse tree and writes the tree back (:mod:`plankg.queries.writer`), sending the text only
if it parses to the same algebra (docs/queries.md). An optional parameter left unset stays unbound.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

GBT2260 = "https://w3id.org/plankg/ontology#GBT2260"
ID = "https://w3id.org/plankg/id/"
PREFIXES = {"pkg": "https://w3id.org/plankg/ontology#", "sector": "https://w3id.org/plankg/sector/",
            "place": "https://w3id.org/plankg/place/", "unit": "https://w3id.org/plankg/unit/"}
TYPES = ("iri", "string", "zh", "gbt2260", "integer", "decimal")
_PARAM = re.compile(r"^#\s*param\s+(\w+)\s*:\s*(\w+)(\s+required)?\s*(?:=\s*(\S+))?\s*(?:—|-{1,2})?\s*(.*)$")


class QueryError(ValueError):
    """A named query that does not exist, or a parameter that is missing or malformed."""


@dataclass
class Param:
    name: str
    type: str
    required: bool
    default: str | None
    description: str


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    params: list[Param] = field(default_factory=list)
    text: str = ""
    scope: str = ""  # "plan", or "plan of P": reads only that plan's graph and the vocabulary
    rows_by: str = ""  # header "rows: by P": the whole answer is the answers for each value of ?P in turn
    rows_listed_by: str = ""  # "…, listed by Q": the named query that lists the values of ?P (for P other than plan)
    text_index: tuple[str, str] | None = None  # "text index: V contains P": ?V's pkg:text contains parameter P

    @property
    def rows_by_plan(self) -> bool:
        return self.rows_by == "plan"

    @property
    def scope_param(self) -> str:
        """The parameter that finds the plan: P of ``scope: plan of P``, else ``plan`` itself."""
        return self.scope.removeprefix("plan of ") or "plan"

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [p.__dict__ for p in self.params], "scope": self.scope or None,
                "rows_by_plan": self.rows_by_plan, "rows_by": self.rows_by or None,
                "rows_listed_by": self.rows_listed_by or None, "sparql": self.text}

    def bind(self, values: dict[str, str] | None = None) -> BoundQuery:
        """The query with its parameters as RDF terms, for a store to bind."""
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter {', '.join(sorted(unknown))}; "
                             f"it takes {', '.join(p.name for p in self.params) or 'none'}")
        bindings = {}
        for p in self.params:
            raw = values.get(p.name, p.default)
            if raw is None or raw == "":
                if p.required:
                    raise QueryError(f"{self.name}: parameter {p.name} is required ({p.description})")
            else:
                bindings[p.name] = to_term(raw, p.type, p.name)
        # Rows of one plan lie in its graph: bound to a plan, a query of rows by plan reads that plan alone.
        scoped = bool(self.scope) or self.rows_by_plan
        indexed = self.text_index if self.text_index and self.text_index[1] in bindings else None
        return BoundQuery(self.text, bindings, plan_scoped=scoped and self.scope_param in bindings,
                          scope=self.scope_param, text_index=indexed)


@dataclass(frozen=True)
class BoundQuery:
    """A query's text, untouched, and the RDF terms its variables are bound to."""

    text: str
    bindings: dict = field(default_factory=dict)
    plan_scoped: bool = False  # its answer lies in one plan's graph (header "scope"), found from ?scope
    scope: str = "plan"  # the parameter that finds the plan: the plan itself, or an IRI its graph states
    text_index: tuple[str, str] | None = None  # (V, P): ?V's text contains the bound parameter P (header "text index")


def bound_text(text: str, bindings: dict) -> str:
    """The query with ``bindings`` substituted, as text, for a remote endpoint (no protocol carries bindings).

    On rdflib's parse tree, never the text: each bound variable in the WHERE pattern is replaced by
    its term (Oxigraph's ``substitutions`` semantics, SEP-0007: FILTERs, OPTIONALs, EXISTS and nested
    groups all see the value), a ``VALUES`` for each starts the WHERE group so the results still carry
    it, and :mod:`plankg.queries.writer` writes the tree out. The text is sent only if parsing it
    again gives the algebra of the substituted tree; anything else is refused, never sent changed.
    """
    refuse = "this query cannot be sent to a remote endpoint with parameters"
    return _checked_write(_bound_tree(text, bindings, refuse), refuse)


def _bound_tree(text: str, bindings: dict, refuse: str):
    """The parse tree of ``text`` with ``bindings`` substituted and a VALUES for each first in its WHERE."""
    from rdflib import Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    tree = _parse(text)
    if getattr(tree[1], "name", None) not in ("SelectQuery", "AskQuery"):
        raise QueryError(f"{refuse}: only SELECT and ASK queries take them")
    where = tree[1]["where"]
    if where.name != "GroupGraphPatternSub":
        raise QueryError(f"{refuse}: its WHERE is a bare sub-query")
    terms = {Variable(k): v for k, v in bindings.items()}
    _canonical_blank_nodes(tree)
    _substitute(where, terms, refuse)
    values = [CompValue("InlineData", var=[var], value=[terms[var]]) for var in sorted(terms)]
    where["part"] = values + list(where["part"] if "part" in where else [])
    return tree


def _checked_write(tree, refuse: str) -> str:
    """The tree written out, if its text parses back to the tree's algebra (the tree is spent: rdflib's
    translation edits it)."""
    from rdflib.plugins.sparql import algebra

    from .writer import Unwritable, write

    try:
        sent = write(tree)
    except Unwritable as exc:
        raise QueryError(f"{refuse} ({exc})") from None
    try:
        expected = algebra.translateQuery(tree).algebra  # after writing: the translation edits the tree
        again = algebra.translateQuery(_parse(sent)).algebra
    except Exception as exc:  # rdflib's algebra, or the written text, fails: send nothing
        raise QueryError(f"{refuse} ({type(exc).__name__}: {str(exc)[:200]})") from None
    if _flat_triples(again) != _flat_triples(expected):
        raise QueryError(f"{refuse}: its text, written back, does not parse to the same query")
    return sent


def values_text(text: str, var: str, iris: list[str]) -> str | None:
    """The query with ``VALUES ?var { <iri> … }`` first in its WHERE group: its rows narrowed to those
    subjects (a text index's candidates, graph/text_index.py); its parameters are still to be bound.
    None where the block cannot be written (as :func:`bound_text` refuses), or an IRI is not one.

    The tree is built and checked once per query, with one IRI in the block (checking 400 IRIs would
    take rdflib ~80 ms); each call writes that tree with its own IRIs, which changes the block's rows
    and nothing else."""
    from rdflib import URIRef

    from .writer import write

    template = _values_template(text, var)
    if template is None or not all(_IRI.fullmatch(i) for i in iris):
        return None
    tree, block = template
    with _TEMPLATE_LOCK:  # the tree is shared: one writer at a time sets the block's rows
        block["value"] = [URIRef(i) for i in iris]
        try:
            return write(tree)
        finally:
            block["value"] = [URIRef(_SAMPLE_IRI)]


_IRI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_SAMPLE_IRI = "urn:plankg:a-subject"
_TEMPLATE_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _values_template(text: str, var: str):
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    from .writer import write

    refuse = "this query cannot take a VALUES block"

    def build():
        tree = _bound_tree(text, {}, refuse)
        block = CompValue("InlineData", var=[Variable(var)], value=[URIRef(_SAMPLE_IRI)])
        tree[1]["where"]["part"] = [block] + tree[1]["where"]["part"]
        return tree, block

    try:
        checked = _checked_write(build()[0], refuse)
        tree, block = build()
    except QueryError:
        return None
    return (tree, block) if write(tree) == checked else None


def inline_text(text: str, bindings: dict) -> str | None:
    """The query with its parameters written in as constants (:func:`bound_text`), or None where that is
    refused. Oxigraph plans a query before it substitutes variables, so a parameter given as
    ``substitutions`` cannot choose where the evaluation starts; a constant in a pattern can (a goal's
    projects on 100 plans: tens of milliseconds, not seconds). Cached: writing and checking the text takes
    rdflib tens of milliseconds."""
    return _inline_text(text, tuple(sorted(bindings.items())))


@lru_cache(maxsize=1024)
def _inline_text(text: str, bindings: tuple) -> str | None:
    try:
        return bound_text(text, dict(bindings))
    except QueryError:
        return None


def _parse(text: str):
    from .checks import Invalid, parse_query

    try:
        return parse_query(text)
    except Invalid as exc:
        raise QueryError(str(exc)) from None


def _children(node):
    """(container, key) of every child of a parse node: dict entries and list items."""
    from pyparsing import ParseResults

    if isinstance(node, dict):
        return [(node, k) for k in list(node.keys())]
    if isinstance(node, (list, ParseResults)):
        return [(node, i) for i in range(len(node))]
    return []


def _raw(container, key):
    """A child as stored (a CompValue's ``[]`` would evaluate it)."""
    return OrderedDict.__getitem__(container, key) if isinstance(container, OrderedDict) else container[key]


def _canonical_blank_nodes(tree) -> None:
    """Name blank nodes b0, b1, … in order: ``[ … ]`` parses to a new random one each time."""
    from rdflib import BNode

    names: dict = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        for container, key in reversed(_children(node)):
            child = _raw(container, key)
            if isinstance(child, BNode):
                container[key] = names.setdefault(child, BNode(f"b{len(names)}"))
            else:
                stack.append(child)


def _substitute(node, terms: dict, refuse: str) -> None:
    """Replace the bound variables by their terms below ``node``, refusing where a term cannot stand."""
    from rdflib import URIRef, Variable

    name = getattr(node, "name", None) if isinstance(node, dict) else None
    if name == "SubSelect" and _mentions(node, terms):
        raise QueryError(f"{refuse}: a parameter is used inside a sub-query")
    if name in ("Bind", "InlineData", "Builtin_BOUND") and _mentions(
            {k: _raw(node, k) for k in node if k in ("var", "arg")}, terms):
        raise QueryError(f"{refuse}: a parameter is assigned by BIND or VALUES, or tested with BOUND()")
    graph = _raw(node, "term") if name == "GraphGraphPattern" else None
    if isinstance(graph, Variable) and graph in terms and not isinstance(terms[graph], URIRef):
        raise QueryError(f"{refuse}: GRAPH takes an IRI")
    if name == "TriplesBlock":
        for flat in _raw(node, "triples"):
            for verb in flat[1::3]:
                if isinstance(verb, Variable) and verb in terms and not isinstance(terms[verb], URIRef):
                    raise QueryError(f"{refuse}: a predicate takes an IRI")
    for container, key in _children(node):
        child = _raw(container, key)
        if isinstance(child, Variable):
            if child in terms:
                container[key] = terms[child]
        else:
            _substitute(child, terms, refuse)


def _mentions(node, terms: dict) -> bool:
    from rdflib import Variable

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Variable):
            if n in terms:
                return True
        else:
            stack.extend(_raw(c, k) for c, k in _children(n))
    return False


def _flat_triples(node):
    """A copy of an algebra in which each block of parsed triples is one flat list of triples: how
    a block's triples are grouped by subject (``;``) means nothing, and is left to the writer."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        copy = CompValue(node.name)
        for key in node:
            value = _raw(node, key)
            if node.name == "TriplesBlock" and key == "triples":
                flat = [t for part in value for t in part]
                value = [tuple(flat[i:i + 3]) for i in range(0, len(flat), 3)]
            copy[key] = _flat_triples(value)
        return copy
    if isinstance(node, (list, ParseResults)):
        return [_flat_triples(x) for x in node]
    if isinstance(node, tuple):
        return tuple(_flat_triples(x) for x in node)
    return node


def to_term(raw: str, type_: str, name: str = "value"):
    """Parse a parameter value into an RDF term of its declared type."""
    from rdflib import XSD, Literal, URIRef  # here: listing the queries needs no rdflib

    if type_ == "iri":
        # A plan by its id alone (654200-fyp13), as `plankg build` and the web pages name plans.
        iri = ID + raw if name == "plan" and re.fullmatch(r"[\w-]+", raw) else _expand(raw)
        if not _IRI.fullmatch(iri):
            raise QueryError(f"parameter {name}: not an IRI: {raw!r}")
        return URIRef(iri)
    if type_ == "string":
        return Literal(raw)
    if type_ == "zh":
        return Literal(raw, lang="zh")
    if type_ == "gbt2260":
        if not re.fullmatch(r"\d{6}|[a-z]+(?:-\d+)?", raw):
            raise QueryError(f"parameter {name}: not a GB/T 2260 code: {raw!r}")
        return Literal(raw, datatype=URIRef(GBT2260))
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise QueryError(f"parameter {name}: not an integer: {raw!r}")
        return Literal(int(raw))
    if type_ == "decimal":
        try:
            return Literal(str(Decimal(raw)), datatype=XSD.decimal)
        except InvalidOperation:
            raise QueryError(f"parameter {name}: not a decimal: {raw!r}") from None
    raise QueryError(f"parameter {name}: unknown type {type_}")


def _expand(raw: str) -> str:
    prefix, sep, rest = raw.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return raw


def parse(name: str, text: str) -> NamedQuery:
    q = NamedQuery(name=name, title=name, description="", text=text)
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := re.match(r"#\s*title:\s*(.*)", line):
            q.title = m.group(1).strip()
        elif m := re.match(r"#\s*description:\s*(.*)", line):
            q.description = m.group(1).strip()
        elif m := re.match(r"#\s*scope:\s*(.*)", line):
            q.scope = m.group(1).strip()
            if q.scope != "plan" and not re.fullmatch(r"plan of \w+", q.scope):
                raise QueryError(f"{name}: unknown scope {q.scope!r} (known: plan; plan of PARAM)")
        elif m := re.match(r"#\s*rows:\s*(.*)", line):
            rows = re.fullmatch(r"by (\w+)(?:,\s*listed by ([\w-]+))?", m.group(1).strip())
            if not rows or (rows.group(1) == "plan") == bool(rows.group(2)):
                raise QueryError(f"{name}: unknown rows header {m.group(1).strip()!r} "
                                 "(known: by plan; by PARAM, listed by QUERY)")
            q.rows_by, q.rows_listed_by = rows.group(1), rows.group(2) or ""
        elif m := re.match(r"#\s*text index:\s*(.*)", line):
            index = re.fullmatch(r"(\w+) contains (\w+)", m.group(1).strip())
            if not index:
                raise QueryError(f"{name}: unknown text index header {m.group(1).strip()!r} (known: VAR contains PARAM)")
            q.text_index = (index.group(1), index.group(2))
        elif m := _PARAM.match(line):
            pname, ptype, required, default, desc = m.groups()
            if ptype not in TYPES:
                raise QueryError(f"{name}: parameter {pname} has unknown type {ptype}")
            q.params.append(Param(pname, ptype, bool(required), default, desc.strip()))
    if q.scope.startswith("plan of "):
        if q.scope_param == "plan" or q.rows_by_plan:
            raise QueryError(f"{name}: scope {q.scope}: a query found by its plan (rows by plan too) says scope: plan")
        if not any(p.name == q.scope_param and p.type == "iri" and p.required for p in q.params):
            raise QueryError(f"{name}: scope {q.scope} needs a required parameter {q.scope_param} of type iri")
    if q.rows_by_plan and not any(p.name == "plan" and p.type == "iri" and not p.required for p in q.params):
        raise QueryError(f"{name}: rows by plan needs an optional parameter plan of type iri")
    if q.text_index and not any(p.name == q.text_index[1] and p.type == "string" for p in q.params):
        raise QueryError(f"{name}: text index: {q.text_index[1]} is not a parameter of type string")
    if q.text_index and not re.search(rf"CONTAINS\s*\(.*\?{q.text_index[1]}\b", text):
        raise QueryError(f"{name}: text index: the query must filter by CONTAINS(…, ?{q.text_index[1]}) itself")
    if q.rows_by and not any(p.name == q.rows_by and not p.required for p in q.params):
        raise QueryError(f"{name}: rows by {q.rows_by} needs an optional parameter {q.rows_by}")
    return q


@lru_cache(maxsize=None)
def catalogue() -> dict[str, NamedQuery]:
    folder = files("plankg.queries")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse(name, entry.read_text(encoding="utf-8"))
    for q in out.values():
        _check_listing(q, out)
    return out


def _check_listing(q: NamedQuery, cat: dict) -> None:
    """A query of rows by a parameter names a listing query that gives that parameter's values."""
    if not q.rows_listed_by:
        return
    listing = cat.get(q.rows_listed_by)
    if listing is None:
        raise QueryError(f"{q.name}: rows listed by {q.rows_listed_by}: no such named query")
    # Read from the text, as the header is: both must order by the parameter first, or pages would
    # not join into the whole answer.
    for each in (q, listing):
        if not re.search(rf"ORDER BY \?{q.rows_by}\b", each.text):
            raise QueryError(f"{q.name}: rows listed by {q.rows_listed_by}: {each.name} must order by ?{q.rows_by} first")


def get(name_or_file: str) -> NamedQuery:
    """A named query by name, or any ``.rq`` file by path."""
    if name_or_file.endswith(".rq") and Path(name_or_file).exists():
        path = Path(name_or_file)
        try:
            q = parse(path.stem, path.read_text(encoding="utf-8"))
            _check_listing(q, catalogue())
            return q
        except UnicodeDecodeError:
            raise QueryError(f"{path}: not UTF-8 text") from None
    cat = catalogue()
    if name_or_file not in cat:
        raise QueryError(f"no named query {name_or_file!r}; `plankg queries` lists them: {', '.join(cat)}")
    return cat[name_or_file]
