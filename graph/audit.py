"""The consistency audit: SHACL shapes and arithmetic rules over each plan graph, one report.

Structural rules are SHACL Core shapes (ontology/shapes.ttl) validated with pyshacl; the
arithmetic cross-checks are Python rules (graph/rules.py), because SPARQL 1.1 has no
exponent or logarithm for growth rates and no decimal rounding to a printed precision.
Both report :class:`~plankg.graph.rules.Finding` objects, and both appear in the SHACL
validation report graph (``--format ttl``) as ``sh:ValidationResult``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pyshacl import validate
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef

from plankg.extraction import lexicon

from . import facts
from .names import VOCABULARY_GRAPH, PlanGraph, audit_graph_iri, is_plan_graph
from .rules import INFO, RULES, VIOLATION, WARNING, Finding, run_rules

SH = Namespace("http://www.w3.org/ns/shacl#")
RULE_NS = Namespace("https://w3id.org/plankg/rule/")
PKG_REPORT_JSON = URIRef(lexicon.PKG + "reportJSON")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
SEVERITY = {SH.Violation: VIOLATION, SH.Warning: WARNING, SH.Info: INFO}
SH_SEVERITY = {v: k for k, v in SEVERITY.items()}
RANK = {VIOLATION: 0, WARNING: 1, INFO: 2}


class ShapesError(Exception):
    """The shapes themselves are broken: not a finding about the data."""


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    plans: dict[str, str] = field(default_factory=dict)  # plan IRI -> source file name
    report: Graph = field(default_factory=Graph)  # the SHACL validation report, rule findings included

    def merge(self, other: "AuditResult") -> None:
        self.findings.extend(other.findings)
        self.findings.sort(key=_order)
        self.plans.update(other.plans)
        self.report += other.report

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, fail_on: str) -> bool:
        return any(RANK[f.severity] <= RANK[fail_on] for f in self.findings)


def shapes_graph(path: str | None = None) -> Graph:
    g = Graph()
    try:
        g.parse(path or lexicon.ontology_file("shapes.ttl"), format="turtle")
    except Exception as exc:  # a syntax error in the shapes file
        raise ShapesError(f"shapes file does not parse: {exc}") from None
    return g


def audit_dataset(ds: Dataset, shapes: Graph | None = None) -> AuditResult:
    """Audit every plan graph of an rdflib dataset (a graph file, a store's CONSTRUCT)."""
    from .stores import _ox_quads

    vocab = _ox_quads(ds.graph(VOCABULARY_GRAPH), VOCABULARY_GRAPH)
    plans = (PlanGraph("", str(g.identifier), "", _ox_quads(g)) for g in ds.graphs()
             if len(g) and is_plan_graph(str(g.identifier)))
    return audit_plans(plans, vocab, shapes)


def audit_plans(plans, vocab: list, shapes: Graph | None = None) -> AuditResult:
    """Audit plans (:class:`PlanGraph`, streamed one at a time) against the vocabulary quads."""
    shapes = shapes if shapes is not None else shapes_graph()
    result = AuditResult()
    result.report.bind("sh", SH)
    for plan in plans:
        result.merge(audit_plan(plan, vocab, shapes))
    return result


def audit_plan(plan: PlanGraph, vocab: list, shapes: Graph) -> AuditResult:
    """One plan's audit, on its own graph and the vocabulary: no other plan is read or copied."""
    result = AuditResult()
    result.report.bind("sh", SH)
    g = facts.FactGraph(plan.quads + vocab, [plan.graph, str(VOCABULARY_GRAPH)])
    rows = g.query(facts.PREFIXES + "SELECT ?p WHERE { ?p a pkg:Plan }")
    if not rows:
        return result
    plan_iri = rows[0].p
    result.plans[str(plan_iri)] = _source_name(g, plan_iri)
    found = _shacl(g, shape_data(plan.quads + vocab, shapes), shapes, result.report) + run_rules(g)
    for f in found:
        f.plan = str(plan_iri)
        if not f.rule.startswith("shacl:"):
            _report_rule_finding(result.report, f)
    result.findings = sorted(found, key=_order)
    return result


def _order(f: Finding):
    return (RANK[f.severity], f.plan, f.rule, _first_line(f), f.entity)


def report_quads(result: AuditResult, plan_graph: str) -> list:
    """One plan's audit as stored beside its graph, in ``<plan graph>/audit`` (docs/model.md):
    the SHACL validation report of ``plankg audit --format ttl``, and the JSON report on it."""
    from .report import as_json, report_graph
    from .stores import _ox_quads

    g = Graph()
    g += report_graph(result)  # a copy: the result's own report stays as the formats print it
    report = next(g.subjects(RDF.type, SH.ValidationReport), None)
    if report is None:
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(True)))
    for plan in result.plans:
        g.add((report, PROV_DERIVED, URIRef(plan)))
    g.add((report, PKG_REPORT_JSON, Literal(as_json(result), datatype=RDF.JSON)))
    return _ox_quads(g, audit_graph_iri(plan_graph))


def stored_findings(rows: list[dict]) -> dict | None:
    """The service's audit answer from the reports stored beside the plans (rows of ?plan, one per
    plan, and ?json, one per stored report); None unless every plan has its report."""
    plans = {r["plan"]["value"] for r in rows if "plan" in r}
    reports = [json.loads(r["json"]["value"]) for r in rows if "json" in r]
    if not plans or {p["plan"] for rep in reports for p in rep["plans"]} != plans:
        return None
    findings = sorted((f for rep in reports for f in rep["findings"]),
                      key=lambda f: (RANK[f["severity"]], f["plan"], f["rule"],
                                     next((s["line"] for s in f["spans"] if s["line"] is not None), 0), f["entity"]))
    return {"summary": {s: sum(rep["summary"][s] for rep in reports) for s in (VIOLATION, WARNING, INFO)},
            "findings": findings}


def _source_name(g, plan) -> str:
    rows = g.query(f"SELECT ?t WHERE {{ <{plan}> <http://www.w3.org/ns/prov#wasDerivedFrom> ?s . "
                   "?s <http://purl.org/dc/terms/title> ?t }")
    return str(rows[0].t) if rows else ""


def _first_line(f: Finding) -> int:
    return next((s.line for s in f.spans if s.line is not None), 0)


def _shape_predicates(shapes: Graph) -> frozenset | None:
    """The predicates SHACL Core shapes can read: every IRI the shapes name, and rdf:type and
    rdfs:subClassOf (targets, sh:class). None when a shape may read any predicate (sh:closed,
    SPARQL-based constraints and targets): then the whole graph is validated."""
    if any(True for p in (SH.closed, SH.sparql, SH.target, SH.js) for _ in shapes.triples((None, p, None))):
        return None
    named = {str(t) for triple in shapes for t in triple if isinstance(t, URIRef)}
    return frozenset(named | {str(RDF.type), str(RDFS.subClassOf)})


def shape_data(quads: list, shapes: Graph) -> Graph:
    """The rdflib graph pyshacl validates: only the triples the shapes can reach, not the plan's
    texts and selectors (the same results, a fifth of the triples to index).

    A class is read only by sh:class and sh:targetClass (when no shape reads rdf:type as a path or
    a value): an rdf:type triple is kept if its class is one the shapes name, or may be a subclass
    of one (it has an rdfs:subClassOf); the types of evidence nodes, selectors and links are not."""
    keep = _shape_predicates(shapes)
    data = Graph()
    term = _RdflibTerms()
    if keep is None:
        for q in quads:
            data.add((term(q.subject), term(q.predicate), term(q.object)))
        return data
    rdf_type = str(RDF.type)
    classes = keep | {q.subject.value for q in quads if q.predicate.value == _SUBCLASS_OF}
    prune_types = (None, None, RDF.type) not in shapes
    add = data.add
    for q in quads:
        p = q.predicate.value
        if p in keep and not (prune_types and p == rdf_type and q.object.value not in classes):
            add((term(q.subject), term(q.predicate), term(q.object)))
    return data


_SUBCLASS_OF = str(RDFS.subClassOf)


class _SetBackedList(list):
    """A list whose ``in`` is a set look-up: pyshacl tests every predicate of a shape against its list of
    constraint parameters, ten thousand shapes a plan (a fifth of the validation). Same items, same order."""

    def __init__(self, items):
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._members


def _fast_parameter_lookup() -> None:
    """Give pyshacl's shape module its parameter list as a :class:`_SetBackedList` (it caches the pair on
    the module, under this name, on first use); a pyshacl without that cache is left as it is."""
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    cached = getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None)
    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and not isinstance(cached and cached[0], _SetBackedList):
        pyshacl.shape.CONSTRAINT_PARAMS = (_SetBackedList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


def _shacl(g, data: Graph, shapes: Graph, report: Graph) -> list[Finding]:
    """SHACL findings on ``data``; labels and spans read from ``g`` (the whole plan graph)."""
    _fast_parameter_lookup()
    try:
        conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                        advanced=False, abort_on_first=False)
    except (ValidationFailure, ReportableRuntimeError) as exc:
        raise ShapesError(f"the shapes cannot be applied: {exc}") from None
    report += results
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        shape = results.value(r, SH.sourceShape)
        severity = SEVERITY.get(results.value(r, SH.resultSeverity), VIOLATION)
        message = str(results.value(r, SH.resultMessage) or "")
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        # A blank-node property shape: name the rule by its node shape.
        node_shape = next(shapes.subjects(SH.property, shape), shape) if isinstance(shape, BNode) else shape
        name = str(node_shape).rsplit("#", 1)[-1] if not isinstance(node_shape, BNode) else "shape"
        values = {}
        if path is not None:
            values["path"] = data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else str(path)
        if value is not None:
            values["value"] = str(value)
        out.append(Finding(f"shacl:{name}", severity, str(focus), _label(g, focus), message, values,
                           [_span_of(g, focus)]))
    return out


class _RdflibTerms:
    """pyoxigraph terms to rdflib terms, each made once (a plan repeats its IRIs, counts and years)."""

    def __init__(self):
        self.terms: dict = {}

    def __call__(self, t):
        term = self.terms.get(t)
        if term is None:
            term = self.terms[t] = facts.to_rdflib(t)
        return term


def _label(g, node) -> str:
    if isinstance(g, facts.FactGraph):
        rows = g.query(f"SELECT ?l ?k WHERE {{ {{ <{node}> <{RDFS.label}> ?l BIND(0 AS ?k) }} UNION "
                       f"{{ <{node}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l BIND(1 AS ?k) }} }}")
        labels = [r.l for r in sorted(rows, key=lambda r: int(r.k))]
    else:
        labels = [o for p in (RDFS.label, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
                  for o in g.objects(node, p)]
    for o in labels:
        if isinstance(o, Literal) and (o.language or "zh").startswith("zh"):
            return str(o)
    return str(node).rsplit("/", 1)[-1]


def _span_of(g: Graph, node) -> facts.Span:
    return facts.span_of(g, node)


def _report_rule_finding(report: Graph, f: Finding) -> None:
    """A rule finding as an sh:ValidationResult, so the report graph holds every finding."""
    r = BNode()
    report.add((r, RDF.type, SH.ValidationResult))
    report.add((r, SH.focusNode, URIRef(f.entity)))
    report.add((r, SH.resultSeverity, SH_SEVERITY[f.severity]))
    report.add((r, SH.sourceConstraintComponent, RULE_NS[f.rule]))
    report.add((r, SH.resultMessage, Literal(f.message, lang="zh")))
    for k, v in f.values.items():
        report.add((r, RULE_NS["value"], Literal(f"{k}: {v}")))


def rule_titles(rule: str) -> tuple[str, str, str]:
    if rule in RULES:
        return RULES[rule]
    name = rule.removeprefix("shacl:")
    return (name, name, "A SHACL shape of ontology/shapes.ttl.")
