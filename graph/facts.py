"""Read the facts the audit checks out of a plan graph (SPARQL), into plain Python objects.

The audit works on the graph alone: a graph built by ``plankg build`` today, or one loaded
from a file or a store, gives the same facts. ``g`` is a :class:`FactGraph` (the plan in an
in-memory Oxigraph store: the audit's fast path) or an rdflib graph (the reference): both answer
``g.query(sparql)`` with rows whose fields are rdflib terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDF, Graph, Namespace, URIRef

PREFIXES = """
PREFIX pkg: <https://w3id.org/plankg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""

PKG = Namespace("https://w3id.org/plankg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")


@dataclass
class Span:
    line: int | None
    start: int | None
    end: int | None
    text: str

    def as_json(self) -> dict:
        return {"line": self.line, "start": self.start, "end": self.end, "text": self.text}


@dataclass
class Value:
    iri: URIRef
    role: str  # baseline, target, growth, actual, actual_growth, value
    text: str
    value: Decimal | None
    qualifier: str
    cumulative: bool
    year: int | None
    multiplier: int
    unit: str | None
    span: Span


@dataclass
class Indicator:
    iri: URIRef
    label: str
    attribute: str | None
    table_kind: str
    unit: str | None
    multiplier: int
    span: Span
    values: dict[str, Value] = field(default_factory=dict)


@dataclass
class Statement:
    iri: URIRef
    subject: str
    kind: str
    indicator: URIRef
    value: Value
    span: Span


class FactGraph:
    """A plan's graph and the vocabulary in an in-memory Oxigraph store, read by SPARQL."""

    def __init__(self, quads: list, graphs: list[str]):
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store()
        self.store.extend(quads)
        self.graphs = [ox.NamedNode(g) for g in graphs]
        self._spans: dict | None = None

    def query(self, sparql: str) -> list["Row"]:
        res = self.store.query(sparql, default_graph=self.graphs)
        names = [v.value for v in res.variables]
        return [Row(names, [to_rdflib(sol[n]) for n in names]) for sol in res]

    def span(self, node) -> Span:
        if self._spans is None:  # every entity's evidence in one query, read without rdflib terms
            self._spans = {}
            q = PREFIXES + """
            SELECT ?x ?line ?start ?end ?text WHERE {
              ?x pkg:evidence ?ev .
              OPTIONAL { ?ev pkg:line ?line }
              OPTIONAL { ?ev oa:hasSelector ?p . ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
              OPTIONAL { ?ev oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?text }
            }"""

            def num(term):
                return int(term.value) if term is not None else None

            for sol in self.store.query(q, default_graph=self.graphs):
                x, text = sol["x"].value, sol["text"]
                if x not in self._spans:
                    self._spans[x] = Span(num(sol["line"]), num(sol["start"]), num(sol["end"]),
                                          text.value if text is not None else "")
        return self._spans.get(str(node)) or Span(None, None, None, "")


class Row:
    """One solution, its variables as attributes (as rdflib's result rows)."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: list[str], values: list):
        self._names, self._values = names, values

    def __getattr__(self, name: str):
        try:
            return self._values[self._names.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __iter__(self):
        return iter(self._values)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term it stands for (None stays None)."""
    from rdflib import BNode, Literal

    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return URIRef(term.value)
    if kind == "Literal":
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt == _XSD_STRING else URIRef(dt))
    return BNode(term.value)


def span_of(g, node) -> Span:
    """The evidence of ``node``: line, offsets and quoted text (direct lookups: SPARQL
    OPTIONALs over every evidence node are slow in rdflib)."""
    if isinstance(g, FactGraph):
        return g.span(node)
    ev = g.value(node, PKG.evidence)
    if ev is None:
        return Span(None, None, None, "")
    line = g.value(ev, PKG.line)
    start = end = None
    text = ""
    for sel in g.objects(ev, OA.hasSelector):
        if (sel, RDF.type, OA.TextPositionSelector) in g:
            start, end = g.value(sel, OA.start), g.value(sel, OA.end)
        elif (sel, RDF.type, OA.TextQuoteSelector) in g:
            text = str(g.value(sel, OA.exact) or "")
    return Span(int(line) if line is not None else None, int(start) if start is not None else None,
                int(end) if end is not None else None, text)


def _int(x, default=1) -> int:
    return int(x) if x is not None else default


def indicators(g: Graph) -> dict[URIRef, Indicator]:
    out: dict[URIRef, Indicator] = {}
    q = PREFIXES + """
    SELECT ?x ?label ?attr ?kind ?unit ?mult  WHERE {
      ?x a pkg:Indicator ; rdfs:label ?label ; pkg:table/pkg:tableKind ?kind .
      OPTIONAL { ?x pkg:attribute/skos:notation ?attrn }
      OPTIONAL { ?x pkg:attribute ?attr }
      OPTIONAL { ?x pkg:unitText ?unit ; pkg:unitMultiplier ?mult }
    }"""
    for r in g.query(q):
        attr = {"Binding": "binding", "Expected": "expected"}.get(str(r.attr).rsplit("#", 1)[-1]) if r.attr else None
        out[r.x] = Indicator(r.x, str(r.label), attr, str(r.kind), str(r.unit) if r.unit else None,
                             _int(r.mult), span_of(g, r.x))
    q = PREFIXES + """
    SELECT ?i ?x ?role ?text ?v ?qual ?cum ?year ?mult ?unit  WHERE {
      ?x pkg:indicator ?i ; pkg:role/skos:notation ?role ; pkg:printedText ?text ;
         pkg:qualifier/skos:notation ?qual ; pkg:cumulative ?cum .
      OPTIONAL { ?x pkg:value ?v }
      OPTIONAL { ?x sdmx-dimension:refPeriod ?year }
      OPTIONAL { ?x pkg:unitMultiplier ?mult ; pkg:unitText ?unit }
    }"""
    for r in g.query(q):
        if r.i in out:
            out[r.i].values[str(r.role)] = _value(g, r)
    return out


def _value(g: Graph, r) -> Value:
    return Value(r.x, str(r.role) if hasattr(r, "role") and r.role else "", str(r.text),
                 Decimal(str(r.v)) if r.v is not None else None, str(r.qual), bool(r.cum.toPython()),
                 int(str(r.year)) if r.year is not None else None, _int(r.mult),
                 str(r.unit) if r.unit is not None else None, span_of(g, r.x))


def statements(g: Graph) -> list[Statement]:
    out = []
    q = PREFIXES + """
    SELECT ?t ?subject ?kind ?i ?x ?text ?v ?qual ?cum ?year ?mult ?unit 
           WHERE {
      ?t a pkg:NarrativeTarget ; pkg:restates ?i ; pkg:subjectText ?subject ; pkg:targetKind ?kind ;
         <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?x .
      ?x pkg:printedText ?text ; pkg:qualifier/skos:notation ?qual ; pkg:cumulative ?cum .
      OPTIONAL { ?x pkg:value ?v }
      OPTIONAL { ?x sdmx-dimension:refPeriod ?year }
      OPTIONAL { ?x pkg:unitMultiplier ?mult ; pkg:unitText ?unit }
    }"""
    for r in g.query(q):
        out.append(Statement(r.t, str(r.subject), str(r.kind), r.i, _value(g, r), span_of(g, r.t)))
    return out


@dataclass
class Project:
    iri: URIRef
    label: str
    span: Span
    investment: Decimal | None = None
    investment_unit: str | None = None
    investment_mult: int = 1
    investment_text: str = ""
    declared: int | None = None
    components: list["Project"] = field(default_factory=list)
    component_count: int | None = None


def projects(g: Graph) -> dict[URIRef, Project]:
    out: dict[URIRef, Project] = {}
    # Projects with a total, a count or parts (or part of one). Flat queries joined here: nested
    # OPTIONALs and a FILTER EXISTS per project are slow in both engines.
    parts = [(r.p, r.c) for r in g.query(PREFIXES + "SELECT ?p ?c WHERE { ?p dct:hasPart ?c }")]
    in_parts = {p for p, _ in parts} | {c for _, c in parts}
    investment = {r.x: r for r in g.query(PREFIXES + """
    SELECT ?x ?inv ?invtext ?unit ?mult WHERE {
      ?x a pkg:Project ; pkg:investment ?i . ?i pkg:value ?inv ; pkg:printedText ?invtext .
      OPTIONAL { ?i pkg:unitText ?unit ; pkg:unitMultiplier ?mult }
    }""")}
    declared = {r.x: r.n for r in g.query(PREFIXES + "SELECT ?x ?n WHERE { ?x a pkg:Project ; pkg:declaredComponentCount ?n }")}
    ncomp = {r.x: r.n for r in g.query(PREFIXES + "SELECT ?x ?n WHERE { ?x a pkg:Project ; pkg:componentCount ?n }")}
    for r in g.query(PREFIXES + "SELECT ?x ?label WHERE { ?x a pkg:Project ; rdfs:label ?label }"):
        if r.x not in investment and r.x not in declared and r.x not in ncomp and r.x not in in_parts:
            continue
        inv = investment.get(r.x)
        out[r.x] = Project(r.x, str(r.label), span_of(g, r.x),
                           Decimal(str(inv.inv)) if inv is not None else None,
                           str(inv.unit) if inv is not None and inv.unit else None,
                           _int(inv.mult if inv is not None else None), str(inv.invtext) if inv is not None else "",
                           _int(declared.get(r.x), None), [], _int(ncomp.get(r.x), None))
    for r in g.query(PREFIXES + "SELECT ?p ?c WHERE { ?p a pkg:Project ; dct:hasPart ?c . ?c a pkg:Project . } ORDER BY ?c"):
        if r.p in out and r.c in out:
            out[r.p].components.append(out[r.c])
    return out


@dataclass
class Category:
    iri: URIRef
    label: str
    declared: int
    listed: int
    span: Span


def categories(g: Graph) -> list[Category]:
    q = PREFIXES + """
    SELECT ?x ?label ?declared ?listed  WHERE {
      ?x a pkg:IndicatorCategory ; rdfs:label ?label ; pkg:declaredItemCount ?declared ; pkg:listedItemCount ?listed .
    }"""
    return [Category(r.x, str(r.label), int(r.declared), int(r.listed), span_of(g, r.x)) for r in g.query(q)]
