"""The audit's fast paths against their references: pyshacl on the triples shape_data keeps against
pyshacl on the whole graph, the fast mapper's literals against rdflib's, the stored report against
the Turtle report it used to be parsed from. Speed is measured in benchmarks/run.py, never here."""

from decimal import Decimal

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from plankg.extraction.pipeline import read
from plankg.graph import audit as audit_module
from plankg.graph.audit import PKG_REPORT_JSON, PROV_DERIVED, SH, audit_dataset, report_quads, shape_data, shapes_graph
from plankg.graph.build import OA, GraphBuilder, _OxPlanMapper, _OxTerms
from plankg.graph.report import turtle

from support import shared_plan
from test_audit import PKG, PlanGraph, v

SHAPES_READING_TYPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix pkg: <https://w3id.org/plankg/ontology#> .
<urn:x:TwoTypes> a sh:NodeShape ; sh:targetClass pkg:Project ;
    sh:property [ sh:path <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ; sh:minCount 2 ] .
"""


def results(data: Graph, shapes: Graph) -> list:
    """pyshacl's results as comparable rows: focus, shape's constraint, path, value, severity, message."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False)
    return sorted(tuple(str(report.value(r, p)) for p in (SH.focusNode, SH.sourceConstraintComponent, SH.resultPath,
                                                           SH.value, SH.resultSeverity, SH.resultMessage))
                  for r in report.subjects(RDF.type, SH.ValidationResult))


def whole(quads: list) -> Graph:
    g = Graph()
    for q in quads:
        g.add(tuple(audit_module.facts.to_rdflib(t) for t in (q.subject, q.predicate, q.object)))
    return g


def quads_of(g: Graph) -> list:
    return list(ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))


def projects_graph() -> Graph:
    """Two projects outside any chapter: one a pkg:Project, one only of a subclass of it; a mention
    whose place is a division only through a subclass; evidence nodes typed as the builder types them."""
    g = Graph()
    sub, division_kind = URIRef("urn:x:BigProject"), URIRef("urn:x:County")
    g.add((sub, RDFS.subClassOf, PKG.Project))
    g.add((division_kind, RDFS.subClassOf, PKG.Division))
    place = URIRef("urn:x:place")
    g.add((place, RDF.type, division_kind))
    for name, cls in (("p1", PKG.Project), ("p2", sub)):
        p = URIRef(f"urn:x:{name}")
        g.add((p, RDF.type, cls))
        g.add((p, PKG.locatedIn, place))
        ev = URIRef(f"urn:x:{name}/evidence")
        g.add((p, PKG.evidence, ev))
        g.add((ev, RDF.type, OA.SpecificResource))
        g.add((ev, PKG.line, Literal(3)))
    return g


def test_shape_data_keeps_the_classes_shapes_reach_through_subclasses():
    quads = quads_of(projects_graph())
    shapes = shapes_graph()
    pruned = shape_data(quads, shapes)
    # The evidence node's type is read by no shape: not handed to pyshacl.
    assert (URIRef("urn:x:p1/evidence"), RDF.type, OA.SpecificResource) not in pruned
    found = results(pruned, shapes)
    assert found == results(whole(quads), shapes)
    # Both projects lack a chapter (p2 is a project through its class's subClassOf); the place is a division.
    missing_chapter = [(f[0], f[2]) for f in found if f[1].endswith("MinCountConstraintComponent")]
    assert missing_chapter == [("urn:x:p1", str(PKG.inChapter)), ("urn:x:p2", str(PKG.inChapter))]
    assert not [f for f in found if f[1].endswith("ClassConstraintComponent")]


def test_shape_data_keeps_every_type_when_a_shape_reads_rdf_type():
    g = projects_graph()
    g.add((URIRef("urn:x:p1"), RDF.type, OA.SpecificResource))  # a second type no shape names
    quads = quads_of(g)
    shapes = Graph().parse(data=SHAPES_READING_TYPES, format="turtle")
    found = results(shape_data(quads, shapes), shapes)
    assert found == results(whole(quads), shapes)
    assert [f[0] for f in found] == ["urn:x:p2"]  # p1 has two types, p2 one


def test_shape_data_on_synthetic_broken_plan_matches_the_whole_graph():
    p = PlanGraph()
    p.indicator("耕地保有量", {"baseline": v("100", Decimal(100), year=2015)}, attribute=PKG.Binding)
    p.indicator("无属性指标", {"target": v("5", Decimal(5), year=2020)}, attribute=None)
    quads = quads_of(p.g) + quads_of(p.ds.graph(audit_module.VOCABULARY_GRAPH))
    shapes = shapes_graph()
    found = results(shape_data(quads, shapes), shapes)
    assert found == results(whole(quads), shapes)
    assert {f[0].rsplit("/", 1)[-1] for f in found} >= {"耕地保有量", "无属性指标"}


@pytest.mark.parametrize("name", ["national-14th.md", "yunnan-10th.txt"])
def test_shape_data_on_real_plans_matches_the_whole_graph(name):
    builder = GraphBuilder()
    plan = builder.plan(read(shared_plan(name)))
    quads = plan.quads + builder.new_vocabulary()
    shapes = shapes_graph()
    data = shape_data(quads, shapes)
    assert len(data) < len(quads) / 3
    assert results(data, shapes) == results(whole(quads), shapes)


@pytest.mark.parametrize("value", [True, False, 0, -3, 2015, 12345678901234567890, "文本", "", 'a "quote"\nand a line',
                                   Decimal("0.50"), Decimal("95")])
def test_fast_mapper_literals_are_the_terms_rdflib_literals_become(value):
    terms, mapper = _OxTerms(), _OxPlanMapper.__new__(_OxPlanMapper)
    assert terms.term(mapper.lit(value)) == terms.term(Literal(value))
    if isinstance(value, str):
        assert terms.term(mapper.zh(value)) == terms.term(Literal(value, lang="zh"))
        assert terms.term(mapper.lit("2015", datatype=XSD.gYear)) == terms.term(Literal("2015", datatype=XSD.gYear))
    if isinstance(value, Decimal):
        assert terms.term(mapper.decimal(value)) == ox.Literal(format(value, "f"), datatype=ox.NamedNode(str(XSD.decimal)))


def test_stored_report_is_the_turtle_report_with_its_provenance_and_json():
    p = PlanGraph()
    p.indicator("耕地保有量", {"baseline": v("100", Decimal(100), year=2015)}, attribute=PKG.Binding)
    p.indicator("地区生产总值", {"baseline": v("100", Decimal(100), year=2015), "target": v("150", Decimal(150), year=2020),
                           "growth": v("12", Decimal(12))})
    result = audit_dataset(p.ds)
    assert {f.rule for f in result.findings} >= {"growth-rate", "shacl:BindingTargetShape"}
    graph = "https://w3id.org/plankg/graph/test"
    stored = Graph()
    for q in report_quads(result, graph):
        assert q.graph_name.value == graph + "/audit"
        stored.add(tuple(audit_module.facts.to_rdflib(t) for t in (q.subject, q.predicate, q.object)))
    expected = Graph().parse(data=turtle(result), format="turtle")
    report = next(expected.subjects(RDF.type, SH.ValidationReport))
    expected.add((report, PROV_DERIVED, URIRef("https://w3id.org/plankg/id/test")))
    expected.add((report, PKG_REPORT_JSON, next(stored.objects(None, PKG_REPORT_JSON))))
    assert isomorphic(stored, expected)
