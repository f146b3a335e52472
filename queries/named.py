"""Named queries: the ``.rq`` files beside this module, their headers, and safe parameter binding.

A header is the leading comment block::

    # title: 发展目标 / Goals of a plan
    # description: …
    # param plan: iri — the plan (default: every plan)
    # param code: gbt2260 required — the GB/T 2260 code
    # scope: plan

``scope: plan`` says the query reads nothing but the graph of the plan bound to ``?plan`` (and the
vocabulary): a store may then give its engine that dataset alone (Oxigraph reads one plan's graph, not
all of them). The answer is the same; tests/test_queries.py checks it for every such query.

Binding never edits the query's text: each value is parsed into an RDF term of the declared
type, and the store gives the terms to its engine (Oxigraph's ``substitutions``, rdflib's
``initBindings``; for a remote endpoint, which has no such parameter, a VALUES join added to
the parsed algebra, see :func:`inline_values`). An optional parameter left unset stays unbound.
"""

from __future__ import annotations

import re
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
    scope: str = ""  # "plan": reads only the bound plan's graph and the vocabulary

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [p.__dict__ for p in self.params], "sparql": self.text}

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
        return BoundQuery(self.text, bindings, plan_scoped=self.scope == "plan" and "plan" in bindings)


@dataclass(frozen=True)
class BoundQuery:
    """A query's text, untouched, and the RDF terms its variables are bound to."""

    text: str
    bindings: dict = field(default_factory=dict)
    plan_scoped: bool = False  # its answer lies in the graph of the plan bound to ?plan (header "scope: plan")


# Operators with one operand that the bound variables' VALUES may go under: solution modifiers,
# aggregation, and the FILTERs and BINDs that should see a bound parameter.
_SINGLE = {"SelectQuery", "AskQuery", "ConstructQuery", "DescribeQuery", "Project", "Slice", "Distinct",
           "Reduced", "OrderBy", "AggregateJoin", "Group", "Extend", "Filter"}


def inline_values(text: str, bindings: dict) -> str:
    """The query with a VALUES join of ``bindings`` at the root of its WHERE pattern, generated from
    rdflib's algebra (for remote endpoints, which take no bindings). Refuses what the algebra
    cannot be written back from, rather than send a different query."""
    from rdflib import Variable
    from rdflib.plugins.sparql import algebra
    from rdflib.plugins.sparql.algebra import Join, ToMultiSet
    from rdflib.plugins.sparql.parserutils import CompValue

    from .checks import parse_query

    # rdflib writes some algebra back wrongly (BINDs in a UNION): send nothing that does not come back the same.
    try:
        plain = algebra.translateQuery(parse_query(text))
        again = algebra.translateQuery(parse_query(algebra.translateAlgebra(plain)))
    except Exception as exc:
        raise QueryError(f"this query cannot be sent to a remote endpoint with parameters ({type(exc).__name__})") from None
    if again.algebra != plain.algebra:
        raise QueryError("this query cannot be sent to a remote endpoint with parameters: rdflib cannot write it back")
    query = algebra.translateQuery(parse_query(text))
    node = query.algebra
    while getattr(node.p, "name", None) in _SINGLE:
        node = node.p
    values = CompValue("values", res=[{Variable(k): v for k, v in bindings.items()}])
    node["p"] = Join(ToMultiSet(values), node.p)
    try:
        return algebra.translateAlgebra(query)
    except Exception as exc:
        raise QueryError(f"this query cannot be sent to a remote endpoint with parameters "
                         f"({type(exc).__name__}); run it without them") from None


def to_term(raw: str, type_: str, name: str = "value"):
    """Parse a parameter value into an RDF term of its declared type."""
    from rdflib import XSD, Literal, URIRef  # here: listing the queries needs no rdflib

    if type_ == "iri":
        # A plan by its id alone (654200-fyp13), as `plankg build` and the web pages name plans.
        iri = ID + raw if name == "plan" and re.fullmatch(r"[\w-]+", raw) else _expand(raw)
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*", iri):
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
        elif m := re.match(r"#\s*scope:\s*(\S+)", line):
            if m.group(1) != "plan":
                raise QueryError(f"{name}: unknown scope {m.group(1)} (the one scope is: plan)")
            q.scope = m.group(1)
        elif m := _PARAM.match(line):
            pname, ptype, required, default, desc = m.groups()
            if ptype not in TYPES:
                raise QueryError(f"{name}: parameter {pname} has unknown type {ptype}")
            q.params.append(Param(pname, ptype, bool(required), default, desc.strip()))
    return q


@lru_cache(maxsize=None)
def catalogue() -> dict[str, NamedQuery]:
    folder = files("plankg.queries")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse(name, entry.read_text(encoding="utf-8"))
    return out


def get(name_or_file: str) -> NamedQuery:
    """A named query by name, or any ``.rq`` file by path."""
    if name_or_file.endswith(".rq") and Path(name_or_file).exists():
        path = Path(name_or_file)
        try:
            return parse(path.stem, path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise QueryError(f"{path}: not UTF-8 text") from None
    cat = catalogue()
    if name_or_file not in cat:
        raise QueryError(f"no named query {name_or_file!r}; `plankg queries` lists them: {', '.join(cat)}")
    return cat[name_or_file]
