"""The consistency audit: SHACL shapes and arithmetic rules over each plan graph, one report.

Structural rules are SHACL Core shapes (ontology/shapes.ttl) validated with pyshacl; the
arithmetic cross-checks are Python rules (graph/rules.py), because SPARQL 1.1 has no
exponent or logarithm for growth rates and no decimal rounding to a printed precision.
Both report :class:`~plankg.graph.rules.Finding` objects, and both appear in the SHACL
validation report graph (``--format ttl``) as ``sh:ValidationResult``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyshacl import validate
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef

from plankg.extraction import lexicon

from . import facts
from .build import VOCABULARY_GRAPH
from .rules import INFO, RULES, VIOLATION, WARNING, Finding, run_rules

SH = Namespace("http://www.w3.org/ns/shacl#")
RULE_NS = Namespace("https://w3id.org/plankg/rule/")
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
    shapes = shapes if shapes is not None else shapes_graph()
    vocab = ds.graph(VOCABULARY_GRAPH)
    result = AuditResult()
    result.report.bind("sh", SH)
    for graph in ds.graphs():
        if graph.identifier == VOCABULARY_GRAPH or not len(graph):
            continue
        data = Graph()
        data += graph
        data += vocab
        plan = next(data.subjects(RDF.type, URIRef(lexicon.PKG + "Plan")), None)
        if plan is None:
            continue
        result.plans[str(plan)] = _source_name(data, plan)
        found = _shacl(data, shapes, result.report) + run_rules(data)
        for f in found:
            f.plan = str(plan)
        result.findings.extend(found)
    for f in result.findings:
        if not f.rule.startswith("shacl:"):
            _report_rule_finding(result.report, f)
    result.findings.sort(key=lambda f: (RANK[f.severity], f.plan, f.rule, _first_line(f), f.entity))
    return result


def _source_name(g: Graph, plan) -> str:
    for src in g.objects(plan, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")):
        for title in g.objects(src, URIRef("http://purl.org/dc/terms/title")):
            return str(title)
    return ""


def _first_line(f: Finding) -> int:
    return next((s.line for s in f.spans if s.line is not None), 0)


def _shacl(data: Graph, shapes: Graph, report: Graph) -> list[Finding]:
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
        out.append(Finding(f"shacl:{name}", severity, str(focus), _label(data, focus), message, values,
                           [_span_of(data, focus)]))
    return out


def _label(g: Graph, node) -> str:
    for p in (RDFS.label, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")):
        for o in g.objects(node, p):
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
