"""The fast paths of ``plankg audit`` and ``plankg load`` give what the reference paths give: Turtle read
by pyoxigraph as rdflib reads it, pyshacl's results with its parameter look-up made a set look-up, and a
reload that finds the plan unchanged leaving the store as a full comparison of the graphs leaves it.

Speed is measured in benchmarks/run.py, never here.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pyshacl.shape
import pytest
from pyshacl import validate
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from plankg import sample_plan_path
from plankg.extraction import lexicon
from plankg.extraction.pipeline import read
from plankg.graph import audit as audit_module
from plankg.graph.audit import audit_plan, report_quads, shape_data, shapes_graph
from plankg.graph.build import GraphBuilder
from plankg.graph.names import VOCABULARY_GRAPH, PlanGraph, audit_graph_iri
from plankg.graph.stores import PENDING_FILE, OxigraphStore

from support import run_cli, shared_plan

ONTOLOGY = Path(lexicon.ontology_file("plankg.ttl")).parent
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
EX = "https://example.org/"
GRAPH = EX + "graph/p"


# --- Turtle through pyoxigraph ------------------------------------------------------------------

SYNTHETIC_TURTLE = """\
@prefix : <https://example.org/a#> .
@prefix ex: <https://example.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://example.org/base/> .

:water a skos:Concept ; skos:prefLabel "水利"@zh , "Water"@en ; ex:scalable true ;
    ex:weight 1.50 ; ex:count 3 ; ex:ratio 2.5e0 ; ex:year "2020"^^xsd:gYear ;
    ex:note \"\"\"two
lines with "quotes" and a tab\\t\"\"\" ; ex:seeAlso <relative> ;
    ex:parts ( :a :b ) ; ex:by [ ex:name "某人" ] .
"""


def test_turtle_through_pyoxigraph_is_what_rdflib_reads_on_a_small_file(tmp_path):
    path = tmp_path / "small.ttl"
    path.write_text(SYNTHETIC_TURTLE, encoding="utf-8")
    mine, theirs = lexicon.parse_turtle(str(path)), Graph().parse(str(path), format="turtle")
    assert len(mine) == 17  # 11 on :water, 4 in the list, 1 on the blank node, 1 rdf:type
    assert isomorphic(mine, theirs)  # blank nodes (the list, the [ ]) have fresh names on both sides
    assert sorted(mine.namespaces()) == sorted(theirs.namespaces())
    # the literals as rdflib's own parser makes them: Python values and datatypes too
    def literals(g):
        return {(str(o), o.datatype, o.language, o.toPython()) for o in g.objects() if isinstance(o, Literal)}

    assert len(literals(mine)) == 9
    assert literals(mine) == literals(theirs)


def test_a_language_tag_keeps_its_case_as_rdflib_keeps_it(tmp_path):
    path = tmp_path / "cased.ttl"
    path.write_text(SYNTHETIC_TURTLE.replace('"Water"@en', '"Water"@en-GB'), encoding="utf-8")
    mine, theirs = lexicon.parse_turtle(str(path)), Graph().parse(str(path), format="turtle")
    assert {o.language for o in mine.objects() if getattr(o, "language", None)} == {"zh", "en-GB"}
    assert isomorphic(mine, theirs)


@pytest.mark.parametrize("name", sorted(p.name for p in ONTOLOGY.glob("*.ttl")))
def test_turtle_through_pyoxigraph_is_what_rdflib_reads_on_the_ontology(name):
    mine, theirs = lexicon.load(name), Graph().parse(str(ONTOLOGY / name), format="turtle")
    assert len(mine) > 10
    assert isomorphic(mine, theirs)
    assert sorted(mine.namespaces()) == sorted(theirs.namespaces())


def test_the_shared_vocabulary_is_parsed_once():
    assert lexicon.vocabulary("sectors.ttl") is lexicon.vocabulary("sectors.ttl")


# --- pyshacl's parameter look-up -----------------------------------------------------------------

SMALL_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ] ;
    sh:property [ sh:path ex:part ; sh:node [ sh:property [ sh:path ex:line ; sh:minCount 1 ] ] ] ;
    sh:or ( [ sh:path ex:value ; sh:minCount 1 ] [ sh:path ex:absent ; sh:hasValue true ] ) .
"""
SMALL_DATA = """\
@prefix ex: <https://example.org/> .
ex:a a ex:Thing ; ex:name "a" ; ex:value 1 ; ex:part ex:pa .
ex:pa ex:line 3 .
ex:b a ex:Thing ; ex:name "b", "bee" ; ex:part ex:pb .
ex:pb ex:note "no line" .
ex:c a ex:Thing ; ex:absent true .
"""


def _report(data: Graph, shapes: Graph, fast: bool) -> Graph:
    if fast:
        audit_module._fast_parameter_lookup()
        assert isinstance(pyshacl.shape.CONSTRAINT_PARAMS[0], audit_module._SetBackedList)
    else:
        pyshacl.shape.CONSTRAINT_PARAMS = (list(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                   advanced=False, abort_on_first=False)
    return report


def test_set_backed_parameter_lookup_gives_pyshacls_report_on_a_small_graph():
    data, shapes = Graph().parse(data=SMALL_DATA, format="turtle"), Graph().parse(data=SMALL_SHAPES, format="turtle")
    reference, fast = _report(data, shapes, fast=False), _report(data, shapes, fast=True)
    sh = "http://www.w3.org/ns/shacl#"
    found = sorted((str(reference.value(r, URIRef(sh + "focusNode"))),
                    str(reference.value(r, URIRef(sh + "sourceConstraintComponent"))).removeprefix(sh))
                   for r in reference.subjects(URIRef(sh + "focusNode"), None))
    # b: two names, a part without a line (and that part's own result, as its detail), neither a value nor
    # absent; c: no name. a conforms.
    assert found == [(EX + "b", "MaxCountConstraintComponent"), (EX + "b", "NodeConstraintComponent"),
                     (EX + "b", "OrConstraintComponent"), (EX + "c", "MinCountConstraintComponent"),
                     (EX + "pb", "MinCountConstraintComponent")]
    assert isomorphic(reference, fast)


def test_set_backed_list_is_the_list():
    items = list(ALL_CONSTRAINT_PARAMETERS)
    fast = audit_module._SetBackedList(items)
    assert list(fast) == items and len(fast) == len(items)
    assert all(p in fast for p in items) and "http://www.w3.org/ns/shacl#notAParameter" not in fast


@pytest.mark.parametrize("name", [None, "yunnan-10th.txt", "national-14th.md"])
def test_set_backed_parameter_lookup_gives_pyshacls_report_on_real_plans(name):
    builder = GraphBuilder()
    plan = builder.plan(read(shared_plan(name) if name else sample_plan_path()))
    shapes = shapes_graph()
    data = shape_data(plan.quads + builder.new_vocabulary(), shapes)
    assert isomorphic(_report(data, shapes, fast=False), _report(data, shapes, fast=True))


# --- reloading a plan ---------------------------------------------------------------------------------

def _q(s: str, p: str, o) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + p), o, ox.NamedNode(GRAPH))


def _decimal(text: str) -> ox.Literal:
    return ox.Literal(text, datatype=XSD_DECIMAL)


def _stored(store: OxigraphStore, graph: str = GRAPH) -> set:
    def name(term):
        return term.value if isinstance(term, ox.NamedNode) else str(term)

    return {(name(q.subject), name(q.predicate), name(q.object))
            for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def _plan(quads: list) -> PlanGraph:
    return PlanGraph("p", GRAPH, EX + "p", quads)


def test_reloading_the_same_small_plan_keeps_it_and_rewrites_the_report(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    first = [_q("a", "value", _decimal("1.000")), _q("a", "label", ox.Literal("甲", language="zh")),
             _q("a", "part", ox.BlankNode("b1")), ox.Quad(ox.BlankNode("b1"), ox.NamedNode(EX + "n"), ox.Literal("x"),
                                                           ox.NamedNode(GRAPH))]
    report = [ox.Quad(ox.NamedNode(EX + "r"), ox.NamedNode(EX + "says"), ox.Literal("old"),
                      ox.NamedNode(audit_graph_iri(GRAPH)))]
    store.load_plan(_plan(first), report)
    kept = _stored(store)
    assert ("https://example.org/a", "https://example.org/value",
            '"1"^^<http://www.w3.org/2001/XMLSchema#decimal>') in kept  # Oxigraph keeps 1.000 as 1
    assert store._holds(ox.NamedNode(GRAPH), first)
    new_report = [ox.Quad(ox.NamedNode(EX + "r"), ox.NamedNode(EX + "says"), ox.Literal("new"),
                          ox.NamedNode(audit_graph_iri(GRAPH)))]
    store.load_plan(_plan(first), new_report)
    assert _stored(store) == kept
    assert _stored(store, audit_graph_iri(GRAPH)) == {(EX + "r", EX + "says", '"new"')}
    store.load_plan(_plan(first), [])  # no report: the old one is not left beside the plan
    assert _stored(store, audit_graph_iri(GRAPH)) == set()
    store.close()


def test_a_reload_is_not_taken_for_the_same_plan_when_the_store_holds_more(tmp_path):
    """Two quads equal in value (1.0 and 1.00) are one quad in the store: a count of the new quads would
    match a graph holding one quad more, which must go."""
    store = OxigraphStore(tmp_path / "store")
    store.load_plan(_plan([_q("a", "value", _decimal("1")), _q("c", "label", ox.Literal("c")),
                           _q("e", "label", ox.Literal("extra"))]))
    new = [_q("a", "value", _decimal("1.0")), _q("a", "value", _decimal("1.00")), _q("c", "label", ox.Literal("c"))]
    assert not store._holds(ox.NamedNode(GRAPH), new)
    store.load_plan(_plan(new))
    assert _stored(store) == {(EX + "a", EX + "value", '"1"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
                              (EX + "c", EX + "label", '"c"')}
    # A changed value: the old one goes, the new one is there.
    changed = [_q("a", "value", _decimal("2.5")), _q("c", "label", ox.Literal("c"))]
    assert not store._holds(ox.NamedNode(GRAPH), changed)
    store.load_plan(_plan(changed))
    assert _stored(store) == {(EX + "a", EX + "value", '"2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
                              (EX + "c", EX + "label", '"c"')}
    store.close()


def test_a_new_plan_written_while_its_audit_runs_is_what_one_write_leaves(tmp_path):
    """load_audited bulk-loads a new plan as N-Quads in a thread while the audit runs, then adds the
    report: the store holds what load_plan's single write leaves (a decimal kept canonical, a language tag,
    characters N-Quads escapes); a plan with blank nodes keeps their names."""
    quads = [_q("a", "value", _decimal("1.000")), _q("a", "label", ox.Literal('甲\n"乙"', language="zh")),
             _q("a", "see", ox.NamedNode(EX + "b?x=1#y")), _q("b", "label", ox.Literal("x\\y _:b1"))]
    report = [ox.Quad(ox.NamedNode(EX + "r"), ox.NamedNode(EX + "says"), ox.Literal("ok"),
                      ox.NamedNode(audit_graph_iri(GRAPH)))]
    one, audited = OxigraphStore(tmp_path / "one"), OxigraphStore(tmp_path / "audited")
    one.load_plan(_plan(quads), report)
    seen = []

    def audit_watching_the_store():  # the plan appears while its audit runs: it is written beside it
        deadline = time.monotonic() + 30
        while not audited.store.contains_named_graph(ox.NamedNode(GRAPH)) and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(audited.store.contains_named_graph(ox.NamedNode(GRAPH)))
        return report

    audited.load_audited(_plan(quads), audit_watching_the_store)
    assert seen == [True]
    assert _dump(audited) == _dump(one)
    assert audited.bulk_loaded == 1
    # Loaded again: the store holds the plan, which load_plan's comparison keeps; the report is rewritten.
    again = [ox.Quad(r.subject, r.predicate, ox.Literal("again"), r.graph_name) for r in report]
    audited.load_audited(_plan(quads), lambda: again)
    assert _stored(audited) == _stored(one)
    assert _stored(audited, audit_graph_iri(GRAPH)) == {(EX + "r", EX + "says", '"again"')}
    one.close()
    audited.close()
    blank = quads + [_q("a", "part", ox.BlankNode("b1")),
                     ox.Quad(ox.BlankNode("b1"), ox.NamedNode(EX + "n"), ox.Literal("x"), ox.NamedNode(GRAPH))]
    one, audited = OxigraphStore(tmp_path / "one-blank"), OxigraphStore(tmp_path / "audited-blank")
    one.load_plan(_plan(blank), report)
    held_during_audit = []
    audited.load_audited(_plan(blank), lambda: held_during_audit.append(audited.plan_graphs()) or report)
    assert held_during_audit == [[]]  # audited first, then written in one go, as load_plan writes
    assert _dump(audited) == _dump(one)
    assert "_:b1 " in _dump(audited)[GRAPH].decode()
    one.close()
    audited.close()


def test_a_new_plan_whose_audit_fails_is_not_left_in_the_store(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.add_vocabulary([ox.Quad(ox.NamedNode(EX + "v"), ox.NamedNode(EX + "label"), ox.Literal("v"),
                                  ox.NamedNode(str(VOCABULARY_GRAPH)))])

    def failing_audit():
        raise RuntimeError("the shapes cannot be applied")

    with pytest.raises(RuntimeError, match="shapes cannot be applied"):
        store.load_audited(_plan([_q("a", "label", ox.Literal("a"))]), failing_audit)
    assert store.plan_graphs() == []
    assert [g.value for g in store.store.named_graphs()] == [str(VOCABULARY_GRAPH)]
    assert store.bulk_loaded == 0  # not counted as a plan loaded
    assert not (tmp_path / "store" / PENDING_FILE).exists()
    store.close()


KILLED_LOAD = r"""
import os, signal, sys, time
import pyoxigraph as ox
from plankg.graph.names import PlanGraph
from plankg.graph.stores import OxigraphStore
store = OxigraphStore(sys.argv[1])
g = "https://example.org/graph/p"
quads = [ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/n"), ox.Literal(str(i)),
                 ox.NamedNode(g)) for i in range(1000)]
def audit():  # stopped for good once the plan is written, before its report is
    while not store.store.contains_named_graph(ox.NamedNode(g)):
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)
store.load_audited(PlanGraph("p", g, "https://example.org/p", quads), audit)
"""


def test_a_load_killed_between_a_new_plan_and_its_report_leaves_no_plan(tmp_path):
    """A new plan and its report are two writes (load_audited): killed between them, the process leaves
    the plan named in PENDING_FILE; the next process that opens the store for writing removes it, and a
    plan loaded before stays."""
    path = tmp_path / "store"
    other = GRAPH.replace("/p", "/other")  # a plan loaded before, without a report
    store = OxigraphStore(path)
    store.load_plan(PlanGraph("o", other, EX + "o", [ox.Quad(ox.NamedNode(EX + "o"), ox.NamedNode(EX + "label"),
                                                             ox.Literal("o"), ox.NamedNode(other))]), [])
    store.close()
    killed = subprocess.run([sys.executable, "-c", KILLED_LOAD, str(path)], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert GRAPH in _named(path) and audit_graph_iri(GRAPH) not in _named(path)  # what a reader could see
    assert (path / PENDING_FILE).read_text(encoding="utf-8").strip() == GRAPH
    OxigraphStore(path).close()  # a writer opens the store
    assert GRAPH not in _named(path)
    assert other in _named(path)
    assert not (path / PENDING_FILE).exists()


def _named(path) -> list[str]:
    """The store's named graphs, as a reader sees them (a read-only store recovers nothing)."""
    store = OxigraphStore(path, read_only=True)
    try:
        return store.graphs()
    finally:
        store.close()


def test_a_plan_the_n_quads_route_cannot_carry_is_written_as_load_plan_writes_it(tmp_path):
    """A literal typed rdf:langString without a tag, which pyoxigraph holds but its N-Quads parser refuses,
    and a triple term: the plan is still loaded, as load_plan loads it."""
    lang_string = ox.Literal("x", datatype=ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"))
    for name, quads in (("langString", [_q("a", "label", lang_string), _q("b", "label", ox.Literal("b"))]),
                        ("triple", [_q("a", "says", ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"),
                                                                   ox.BlankNode("t1")))])):
        one, audited = OxigraphStore(tmp_path / f"one-{name}"), OxigraphStore(tmp_path / f"audited-{name}")
        one.load_plan(_plan(quads), [])
        audited.load_audited(_plan(quads), lambda: [])
        assert _dump(audited) == _dump(one), name
        assert not (tmp_path / f"audited-{name}" / PENDING_FILE).exists()
        one.close()
        audited.close()


def _dump(store: OxigraphStore) -> dict[str, bytes]:
    """Each named graph of the store as N-Triples."""
    return {g.value: store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
            for g in store.store.named_graphs()}


@pytest.mark.parametrize("name", [None, "yunnan-10th.txt", "national-15th.md"])
def test_reloading_a_real_plan_leaves_what_a_first_load_leaves(name, tmp_path):
    builder = GraphBuilder()
    plan = builder.plan(read(shared_plan(name) if name else sample_plan_path()))
    vocab = builder.new_vocabulary()
    audit = report_quads(audit_plan(plan, vocab, shapes_graph()), plan.graph)
    once, twice = OxigraphStore(tmp_path / "once"), OxigraphStore(tmp_path / "twice")
    for store in (once, twice):
        store.add_vocabulary(vocab)
        store.load_plan(plan, audit)
    audited = OxigraphStore(tmp_path / "audited")  # the plan written while its audit runs (plankg load)
    audited.add_vocabulary(vocab)
    audited.load_audited(plan, lambda: audit)
    assert _dump(audited)[plan.graph] == _dump(once)[plan.graph]
    report = audit_graph_iri(plan.graph)  # its blank nodes are named anew by each load
    assert isomorphic(Graph().parse(data=_dump(audited)[report], format="nt"),
                      Graph().parse(data=_dump(once)[report], format="nt"))
    audited.close()
    assert twice._holds(ox.NamedNode(plan.graph), plan.quads)
    twice.load_plan(plan, audit)
    first, again = _dump(once), _dump(twice)
    assert sorted(first) == sorted(again) == sorted([plan.graph, audit_graph_iri(plan.graph), str(VOCABULARY_GRAPH)])
    for graph in first:  # the report's blank nodes are named anew by each load
        assert isomorphic(Graph().parse(data=first[graph], format="nt"), Graph().parse(data=again[graph], format="nt"))
    # One quad less in the new plan: not the same plan, and the quad is gone after the reload.
    fewer = PlanGraph(plan.id, plan.graph, plan.plan, plan.quads[:-1])
    assert not twice._holds(ox.NamedNode(plan.graph), fewer.quads)
    twice.load_plan(fewer, audit)
    assert plan.quads[-1] not in twice.store
    once.close()
    twice.close()



# --- a batch command leaves at once, its output and its store complete -----------------------------

SMALL_PLAN = """\
某县国民经济和社会发展第十三个五年规划纲要

第一章　发展目标

　　到2020年，全县生产总值达到100亿元。
"""


def test_a_batch_command_writes_all_it_prints_before_leaving(tmp_path):
    plan = tmp_path / "small.txt"
    plan.write_text(SMALL_PLAN, encoding="utf-8")
    res = run_cli("outline", str(plan))
    # the last line: the chapter (its heading on line 3, its paragraph on line 5), then the newline
    assert res.returncode == 0 and res.stdout.decode().endswith("第一章 发展目标  L3–5  (1 ¶)\n")
    # Megabytes through a pipe: the same bytes as the file the command writes.
    piped = run_cli("build", "--format", "nq")
    assert run_cli("build", "-o", str(tmp_path / "plan.nq")).returncode == 0
    assert piped.returncode == 0 and len(piped.stdout) > 1_000_000
    assert piped.stdout == (tmp_path / "plan.nq").read_bytes()
    # The exit code of a finding, and of bad input.
    assert run_cli("audit", "--fail-on", "warning", str(plan)).returncode in (0, 1)
    bad = run_cli("audit", str(tmp_path / "absent.txt"))
    assert bad.returncode == 2 and bad.stderr.startswith(b"plankg: error:") and b"Traceback" not in bad.stderr


def test_a_loaded_store_is_complete_when_the_command_has_left(tmp_path):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    for _ in range(2):  # into an empty store, then replacing the plan it holds
        res = run_cli("load", env=env)
        assert res.returncode == 0 and b"loaded https://w3id.org/plankg/graph/654200-fyp13" in res.stderr
        store = OxigraphStore(tmp_path / "store", read_only=True)
        assert store.plan_graphs() == ["https://w3id.org/plankg/graph/654200-fyp13"]
        reports = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/plankg/graph/654200-fyp13/audit> "
                              "{ ?r a <http://www.w3.org/ns/shacl#ValidationReport> } }")
        assert reports["results"]["bindings"][0]["n"]["value"] == "1"
        store.close()
