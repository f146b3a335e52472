"""The embedded store compacts itself after a load of many plans (graph/stores.py ``needs_compaction``),
and ``plankg compact`` does it on demand; the answers do not change. (What it is for, faster reads of
a store of many plans, is measured by benchmarks/run.py: small stores show no difference.)"""

import pyoxigraph as ox

from plankg.graph.names import PlanGraph
from plankg.graph.stores import GENERATION_FILE, UNCOMPACTED_FILE, OxigraphStore

from support import run_cli, shared_plan

PKG = "https://w3id.org/plankg/ontology#"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def plan(i: int) -> PlanGraph:
    """A small plan of its own: its graph states the plan and 50 items."""
    graph, iri = f"https://w3id.org/plankg/graph/p{i}", f"https://w3id.org/plankg/id/p{i}"
    g, p = ox.NamedNode(graph), ox.NamedNode(iri)
    quads = [ox.Quad(p, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(PKG + "Plan"), g)]
    quads += [ox.Quad(ox.NamedNode(f"{iri}/item-{k}"), ox.NamedNode(PKG + "plan"), p, g) for k in range(50)]
    return PlanGraph(f"p{i}", graph, iri, quads)


def load(path, plans: range) -> bool:
    """Load ``plans`` in one process's run; whether it then called for a compaction."""
    store = OxigraphStore(path)
    for i in plans:
        store.load_plan(plan(i))
    needed = store.needs_compaction()
    store.close()
    return needed


def uncompacted(path) -> int:
    return int((path / UNCOMPACTED_FILE).read_text())


def quads_in(path) -> int:
    store = OxigraphStore(path, read_only=True)
    n = int(next(iter(store.store.query(COUNT)))["n"].value)
    store.close()
    return n


def test_one_plan_into_an_empty_store_needs_no_compaction(tmp_path):
    assert not load(tmp_path, range(1))
    assert uncompacted(tmp_path) == 1
    assert quads_in(tmp_path) == 51


def test_several_plans_loaded_at_once_are_compacted(tmp_path):
    assert load(tmp_path, range(6))
    assert uncompacted(tmp_path) == 0
    assert quads_in(tmp_path) == 6 * 51


def test_plans_loaded_one_run_at_a_time_are_compacted_once_they_are_a_quarter_of_the_store(tmp_path):
    assert not load(tmp_path, range(1))  # 1 plan into an empty store
    assert load(tmp_path, range(1, 2))  # 2 of 2 plans since the last compaction (none)
    assert load(tmp_path, range(2, 3)) and load(tmp_path, range(3, 4))  # 1 of 3, 1 of 4: a quarter
    assert not load(tmp_path, range(4, 5))  # 1 of 5
    assert uncompacted(tmp_path) == 1
    assert not load(tmp_path, range(4, 5))  # the same plan again: not bulk-loaded, not counted
    assert uncompacted(tmp_path) == 1
    assert load(tmp_path, range(5, 6))  # 2 of 6, counted across the two runs
    assert uncompacted(tmp_path) == 0
    assert quads_in(tmp_path) == 6 * 51
def test_compact_command(tmp_path):
    store = tmp_path / "store"
    assert run_cli("load", "--store", str(store)).returncode == 0
    before = run_cli("query", "goals", "--store", str(store), "--format", "csv")
    stamp = (store / GENERATION_FILE).read_text()
    done = run_cli("compact", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert b"compacted" in done.stderr
    assert (store / GENERATION_FILE).read_text() != stamp  # readers reopen the store and let the old files go
    after = run_cli("query", "goals", "--store", str(store), "--format", "csv")
    assert after.stdout == before.stdout and after.stdout.count(b"\n") > 1

    missing = run_cli("compact", "--store", str(tmp_path / "nothing"))
    assert missing.returncode == 2
    assert missing.stderr.decode().strip().count("\n") == 0 and b"not an embedded store" in missing.stderr
    assert not (tmp_path / "nothing").exists()  # nothing created


def test_load_says_when_it_merges_the_store(tmp_path):
    store = str(tmp_path / "store")
    one = run_cli("load", "--store", store)
    assert one.returncode == 0 and b"merging" not in one.stderr  # one plan into an empty store
    two = run_cli("load", "--store", store, str(shared_plan("yunnan-10th.txt")))
    assert two.returncode == 0, two.stderr
    assert b"merging the store's files" in two.stderr  # 1 plan of 2
