"""The fast paths give what the reference paths give: the same graph as rdflib's build, the same
audit findings as pyshacl and the rules on whole rdflib graphs, the same query answers.

Speed is measured in benchmarks/run.py, never here.
"""

import json
import subprocess
import sys
from datetime import datetime, timezone

import pyoxigraph as ox
import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph import audit as audit_module
from plankg.graph.audit import audit_dataset, audit_plan, report_quads, shapes_graph
from plankg.graph.build import PKG, VOCABULARY_GRAPH, GraphBuilder, build_dataset, indicator_key
from plankg.graph.io import serialize, write_quads
from plankg.graph.names import audit_graph_iri
from plankg.graph.report import as_json
from plankg.graph.rules import run_rules
from plankg.graph.stores import OxigraphStore, RdflibStore
from plankg.queries.named import catalogue, get

from support import VIEW_QUERIES, run_cli, shared_plan
from test_queries import normal

PLAN = "https://w3id.org/plankg/id/654200-fyp13"
GRAPH = "https://w3id.org/plankg/graph/654200-fyp13"
STARTED = datetime(2026, 1, 1, tzinfo=timezone.utc)
ENDED = str(PROV.endedAtTime)


def quad_set(nquads: bytes, fmt=ox.RdfFormat.N_QUADS) -> set:
    """Quads, less the extraction's end time (the one triple that differs between two builds)."""
    return {q for q in ox.parse(nquads, format=fmt) if q.predicate.value != ENDED}


@pytest.fixture(scope="module")
def docs():
    return [read(sample_plan_path()), read(shared_plan("yunnan-10th.txt"))]


@pytest.fixture(scope="module")
def fast(docs):
    builder = GraphBuilder(STARTED)
    plans = [builder.plan(d) for d in docs]
    return plans, builder.new_vocabulary()


@pytest.fixture(scope="module")
def reference(docs):
    return build_dataset(docs, started=STARTED)


# --- build and serialisation -----------------------------------------------------------------

def test_fast_build_gives_the_same_quads_as_rdflib(fast, reference):
    plans, vocab = fast
    mine = {q for p in plans for q in p.quads if q.predicate.value != ENDED} | set(vocab)
    theirs = quad_set(serialize(reference, "nq"))
    assert len(theirs) > 60_000
    assert mine == theirs


@pytest.mark.parametrize("fmt, ox_format", [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)])
def test_fast_serialisations_keep_the_graphs(fast, reference, fmt, ox_format, tmp_path):
    plans, vocab = fast
    with open(tmp_path / "out", "wb") as out:
        write_quads((q for p in plans for q in p.quads + vocab), fmt, out)
    assert quad_set((tmp_path / "out").read_bytes(), ox_format) == quad_set(serialize(reference, "nq"))


@pytest.mark.parametrize("fmt, rdflib_format", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_fast_serialisations_parse_back_as_rdflib_reads_them(fast, reference, fmt, rdflib_format, tmp_path):
    plans, vocab = fast
    with open(tmp_path / "out", "wb") as out:
        write_quads((q for p in plans for q in p.quads + vocab), fmt, out)
    if fmt == "jsonld":
        back = Dataset()
        back.parse(tmp_path / "out", format="json-ld")
        assert len(back) == len(reference)
        return
    back = Graph().parse(tmp_path / "out", format=rdflib_format)
    expected = Graph()
    for s, p, o, _ in reference.quads():
        expected.add((s, p, o))
    assert {t for t in back if t[1] != PROV.endedAtTime} == {t for t in expected if t[1] != PROV.endedAtTime}


def test_build_output_is_the_same_bytes_in_two_processes(tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.trig"
        res = run_cli("build", "-o", str(out), env={**__import__("os").environ, "PYTHONHASHSEED": seed})
        assert res.returncode == 0, res.stderr
        outs.append([line for line in out.read_bytes().splitlines() if b"AtTime" not in line])
    assert outs[0] == outs[1]


def test_the_same_plan_twice_is_refused_while_streaming(tmp_path):
    res = run_cli("build", sample_plan_path(), sample_plan_path(), "-o", str(tmp_path / "x.nq"))
    assert res.returncode == 2 and b"same plan" in res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# --- indicator keys ------------------------------------------------------------------------------

def test_indicator_key_normalises_names_and_knows_concepts():
    # The national plans say 国内生产总值, a region's plan 地区生产总值 or 全区生产总值: one indicator.
    assert indicator_key("国内生产总值")[0] == indicator_key("全区生产总值")[0] == indicator_key("地区生产总值")[0] == "gdp"
    assert str(indicator_key("森林覆盖率")[1]).endswith("forest-coverage")
    assert indicator_key("每万人发明专利拥有量") == ("每万人发明专利拥有量", None)
    assert indicator_key("全省生产总值")[0] == "gdp"  # the scope word, dropped
    assert indicator_key("全社会固定资产投资")[0] == "全社会固定资产投资"  # 全社会 is no region
    assert indicator_key("城 镇“登记”失业率")[0] == indicator_key("城镇登记失业率")[0]
    # A qualified name stays another indicator.
    assert indicator_key("绿洲森林覆盖率")[0] != indicator_key("森林覆盖率")[0]


# --- audit -----------------------------------------------------------------------------------------

def reference_audit(ds: Dataset) -> list:
    """The audit as it was: each plan and the vocabulary copied into one rdflib graph, pyshacl and
    the rules (their SPARQL answered by rdflib) on the whole of it."""
    shapes = shapes_graph()
    vocab = ds.graph(VOCABULARY_GRAPH)
    found = []
    for graph in ds.graphs():
        if graph.identifier == VOCABULARY_GRAPH or not len(graph):
            continue
        data = Graph()
        data += graph
        data += vocab
        plan = next(data.subjects(RDF.type, PKG.Plan))
        for f in audit_module._shacl(data, data, shapes, Graph()) + run_rules(data):
            f.plan = str(plan)
            found.append(f)
    return sorted(json.dumps(f.as_json(), sort_keys=True, ensure_ascii=False) for f in found)


def fast_findings(result) -> list:
    return sorted(json.dumps(f.as_json(), sort_keys=True, ensure_ascii=False) for f in result.findings)


def test_fast_audit_finds_what_the_reference_finds(fast, reference):
    plans, vocab = fast
    expected = reference_audit(reference)
    assert len(expected) >= 20
    mine = []
    for plan in plans:
        mine += fast_findings(audit_plan(plan, vocab, shapes_graph()))
    assert sorted(mine) == expected


def test_fast_audit_agrees_on_a_graph_with_broken_shapes(reference):
    """Violations the sample does not have: a project outside any chapter, a mention of no known
    division, an observation with no year, an indicator outside any table."""
    broken = Dataset()
    for s, p, o, g in reference.quads():
        broken.graph(g).add((s, p, o))
    plan_graph = broken.graph(URIRef(GRAPH))
    project = URIRef(f"{PLAN}/annex-2/project-3")
    plan_graph.remove((project, PKG.inChapter, None))
    mention = next(plan_graph.subjects(RDF.type, PKG.PlaceMention))
    plan_graph.set((mention, PKG.place, URIRef("https://w3id.org/plankg/place/999999")))
    obs = URIRef(f"{PLAN}/part-2/chapter-3/box-2/table-1/row-1/target")
    plan_graph.remove((obs, URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod"), None))
    plan_graph.remove((URIRef(f"{PLAN}/part-2/chapter-3/box-2/table-1/row-2"), PKG.table, None))
    expected = reference_audit(broken)
    mine = fast_findings(audit_dataset(broken))
    assert mine == expected
    rules = {json.loads(f)["rule"] for f in mine}
    assert {"shacl:ProjectShape", "shacl:PlaceMentionShape", "shacl:ObservationShape", "shacl:IndicatorShape"} <= rules


def test_audit_command_on_a_graph_file_matches_the_plan_text(tmp_path):
    graph = tmp_path / "plan.trig"
    assert run_cli("build", "-o", str(graph)).returncode == 0
    from_text = json.loads(run_cli("audit", "--format", "json", "--fail-on", "never").stdout)
    from_graph = json.loads(run_cli("audit", str(graph), "--format", "json", "--fail-on", "never").stdout)
    assert from_text["findings"] == from_graph["findings"] and from_text["summary"]["violation"] >= 1


# --- loading --------------------------------------------------------------------------------------

def store_quads(store: OxigraphStore, graph: str) -> set:
    return {q for q in store.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            if q.predicate.value != ENDED}


def as_stored(quads) -> set:
    """Quads as Oxigraph keeps them (it writes decimals in their canonical form: 0.50 as 0.5)."""
    memory = ox.Store()
    memory.extend(quads)
    return {q for q in memory if q.predicate.value != ENDED}


def test_load_replaces_a_plan_and_stores_its_audit(fast, tmp_path):
    plans, vocab = fast
    plan = plans[0]
    store = OxigraphStore(tmp_path / "store")
    store.add_vocabulary(vocab)
    result = audit_plan(plan, vocab, shapes_graph())
    store.load_plan(plan, report_quads(result, plan.graph))
    assert store_quads(store, plan.graph) == as_stored(plan.quads)
    # The stored report: SHACL's form, and the JSON the command prints for this plan.
    rows = store.query("PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT ?json WHERE { GRAPH <"
                       + audit_graph_iri(plan.graph) + "> { ?r a <http://www.w3.org/ns/shacl#ValidationReport> ; "
                       "pkg:reportJSON ?json } }")["results"]["bindings"]
    assert [json.loads(r["json"]["value"])["findings"] for r in rows] == [json.loads(as_json(result))["findings"]]
    assert store.plan_graphs() == [plan.graph]  # the audit graph is not a plan

    # A reload of a changed plan: the old value is gone, the new one there, nothing else moved.
    target = ox.NamedNode(f"{PLAN}/part-2/chapter-3/box-2/table-1/row-1/target")
    printed = ox.NamedNode(str(PKG.printedText))
    changed = [ox.Quad(q.subject, q.predicate, ox.Literal("771"), q.graph_name)
               if q.subject == target and q.predicate == printed else q for q in plan.quads]
    store.load_plan(type(plan)(plan.id, plan.graph, plan.plan, changed), [])
    values = {q.object.value for q in store.store.quads_for_pattern(target, printed, None, None)}
    assert values == {"771"}
    assert store_quads(store, plan.graph) == as_stored(changed)
    assert not list(store.store.quads_for_pattern(None, None, None, ox.NamedNode(audit_graph_iri(plan.graph))))
    store.close()


def test_named_queries_answer_the_same_on_the_fast_loaded_store_and_rdflib(fast, reference, tmp_path):
    plans, vocab = fast
    store = OxigraphStore(tmp_path / "store")
    store.add_vocabulary(vocab)
    for plan in plans:
        store.load_plan(plan, report_quads(audit_plan(plan, vocab, shapes_graph()), plan.graph))
    memory = RdflibStore(dataset=reference)
    samples = {"goal": f"{PLAN}/part-2/chapter-3/goal-2", "code": "654202", "sector": "sector:water", "plan": PLAN,
               "entity": f"{PLAN}/annex-2/project-3", "needle": "森林覆盖率"}

    for name, q in catalogue().items():
        if name in VIEW_QUERIES:
            continue  # run on Oxigraph by the view tests (tests/support.py)
        sparql = q.bind({p.name: samples[p.name] for p in q.params if p.required})
        mine = normal(store.query(sparql))  # numbers compared by value: Oxigraph writes 0.0 as 0
        assert mine, name
        assert mine == normal(memory.query(sparql)), name
    store.close()


def test_indicator_across_plans_matches_by_key(tmp_path):
    """The sample's review and plan tables both list 森林覆盖率 and 全区生产总值 (keyed gdp)."""
    store = OxigraphStore(tmp_path / "store")
    store.load_dataset(build_dataset([read(sample_plan_path())]))
    res = store.query(get("indicator-across-plans").bind({}))
    by_key = {}
    for b in res["results"]["bindings"]:
        by_key.setdefault(b["key"]["value"], set()).add((b["table"]["value"], b["role"]["value"], b["value"]["value"]))
    assert {("review", "Baseline", "285.5"), ("plan", "Target", "770")} <= by_key["gdp"]
    assert ("plan", "Target", "13") in by_key["forest-coverage"]


# --- graph files without named graphs ------------------------------------------------------------------

def test_a_turtle_file_gets_its_plan_graphs_back(tmp_path):
    ttl = tmp_path / "plan.ttl"
    assert run_cli("build", "-o", str(ttl)).returncode == 0
    res = run_cli("query", "plans", "--graph", str(ttl), "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["results"]["bindings"]
    assert [(r["plan"]["value"], r["graph"]["value"]) for r in rows] == [(PLAN, GRAPH)]
    res = run_cli("query", "goals", "--graph", str(ttl), "--format", "json")
    assert len(json.loads(res.stdout)["results"]["bindings"]) >= 5


def test_a_triples_file_without_a_plan_is_refused(tmp_path):
    nt = tmp_path / "other.nt"
    nt.write_text('<http://example.org/a> <http://example.org/b> "c" .\n', encoding="utf-8")
    res = run_cli("query", "plans", "--graph", str(nt))
    assert res.returncode == 2
    assert b"no named graphs and no plan" in res.stderr and b"Traceback" not in res.stderr


# --- light commands -------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--version"], ["queries"]])
def test_light_commands_do_not_import_the_extraction_stack(args):
    code = ("import sys, runpy; sys.argv = ['plankg'] + %r\n"
            "try:\n    runpy.run_module('plankg', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('\\nLOADED', sorted(m for m in ('jieba', 'rdflib', 'pyshacl', 'pyoxigraph') if m in sys.modules))"
            % args)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip().splitlines()[-1] == "LOADED []"


# --- shared segmentation ------------------------------------------------------------------------------------

def test_lazy_segmentation_has_every_boundary_of_a_full_cut():
    from plankg.extraction import segment

    text = "新兴城市建设。到2020年，GDP增长7.5%左右\r\n塔城地区  和丰县、Ａ区！α β\n\n全区生产总值"
    lazy = segment.Segmentation(text)
    assert [i for i in range(len(text) + 1) if i in lazy] == sorted(segment.boundaries(text))


def _long_word_insides(text: str, length: int) -> set[int]:
    """The reference: offsets strictly inside a word of ``length`` or more characters of a full cut."""
    from plankg.extraction import segment

    return {i for _, a, b in segment.tokenizer().tokenize(text) if b - a >= length for i in range(a + 1, b)}


def test_lazy_segmentation_knows_the_inside_of_long_words():
    from plankg.extraction import segment

    text = "提高中华人民共和国的城镇化率。到2020年，万元生产总值能耗下降，GDP增长7.5%\r\n全区生产总值"
    lazy = segment.Segmentation(text)
    inside = [i for i in range(len(text) + 1) if lazy.inside_word(i, 5)]
    assert inside == sorted(_long_word_insides(text, 5))
    assert set(range(3, 9)) <= set(inside)  # inside 中华人民共和国 (offsets 2-9), one word in jieba's dictionary


@pytest.mark.parametrize("name", ["yunnan-10th.txt", "national-14th.md"])
def test_lazy_segmentation_knows_long_words_on_real_plans(name):
    from plankg.extraction import read_plan, segment

    text = read_plan(shared_plan(name)).text[:40000]
    lazy, full = segment.Segmentation(text), _long_word_insides(text, 5)
    assert full and all(lazy.inside_word(i, 5) == (i in full) for i in range(len(text) + 1))


@pytest.mark.parametrize("name", ["yunnan-10th.txt", "national-14th.md"])
def test_lazy_segmentation_agrees_on_real_plans(name):
    from plankg.extraction import read_plan, segment

    text = read_plan(shared_plan(name)).text
    lazy, full = segment.Segmentation(text), segment.boundaries(text)
    assert all((i in lazy) == (i in full) for i in range(len(text) + 1))


def test_a_plan_is_cut_without_the_words_an_earlier_plan_taught():
    # Plan A teaches 兴城市 (say, a place of its province): without forgetting it, plan B read next in the
    # same process would cut 新兴城市 differently from B read alone.
    from plankg.extraction import segment

    segment.new_plan()
    alone = segment.words("建设新兴城市")
    total, known = segment.tokenizer().total, segment.tokenizer().FREQ.get("兴城市")
    segment.add_words(["兴城市"])
    assert segment.words("建设新兴城市") != alone  # the taught word changes the cut
    segment.new_plan()
    assert segment.words("建设新兴城市") == alone and segment.tokenizer().total == total
    segment.add_words(["兴城市"])
    read(sample_plan_path())  # each plan read starts from the base vocabulary
    assert segment.tokenizer().FREQ.get("兴城市") == known  # jieba's own (rare) frequency, not the taught one
