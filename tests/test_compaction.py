"""The embedded store compacts itself after a load of many plans (graph/stores.py ``needs_compaction``),
and ``plankg compact`` does it on demand; the answers do not change. (What it is for, faster reads of
a store of many plans, is measured by benchmarks/run.py: small stores show no difference.)"""

import pyoxigraph as ox

from plankg.graph.names import PlanGraph
from plankg.graph.stores import OxigraphStore

from support import run_cli

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
    """Load ``plans`` in one process's session; whether it then called for a compaction."""
    store = OxigraphStore(path)
    for i in plans:
        store.load_plan(plan(i))
    needed = store.needs_compaction()
    store.close()
    assert store.bulk_loaded == 0 or not needed  # after a compaction, plans are counted anew
    return needed


def quads_in(path) -> int:
    store = OxigraphStore(path, read_only=True)
    n = int(next(iter(store.store.query(COUNT)))["n"].value)
    store.close()
    return n


def test_one_plan_into_an_empty_store_needs_no_compaction(tmp_path):
    assert not load(tmp_path, range(1))
    assert quads_in(tmp_path) == 51


def test_several_plans_loaded_at_once_are_compacted(tmp_path):
    assert load(tmp_path, range(6))
    assert quads_in(tmp_path) == 6 * 51


def test_a_plan_added_to_a_store_is_compacted_only_if_a_quarter_of_its_plans_are_new(tmp_path):
    load(tmp_path, range(3))
    assert load(tmp_path, range(3, 4))  # 1 of 4 plans: a quarter
    assert not load(tmp_path, range(4, 5))  # 1 of 5
    assert not load(tmp_path, range(4, 5))  # the same plan again: no bulk load
    assert load(tmp_path, range(5, 7))  # 2 of 7
    assert quads_in(tmp_path) == 7 * 51


def test_compact_command(tmp_path):
    store = tmp_path / "store"
    assert run_cli("load", "--store", str(store)).returncode == 0
    before = run_cli("query", "goals", "--store", str(store), "--format", "csv")
    done = run_cli("compact", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert b"compacted" in done.stderr
    after = run_cli("query", "goals", "--store", str(store), "--format", "csv")
    assert after.stdout == before.stdout and after.stdout.count(b"\n") > 1

    missing = run_cli("compact", "--store", str(tmp_path / "nothing"))
    assert missing.returncode == 2
    assert missing.stderr.decode().strip().count("\n") == 0 and b"not an embedded store" in missing.stderr
    assert not (tmp_path / "nothing").exists()  # nothing created
