"""Plans copied into memory by a read-only store (graph/plan_memory.py): which plans are copied, and that
every query of one plan answers from the copy exactly as from disk."""

import os

import pyoxigraph as ox
import pytest

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.plan_memory import QUADS_PER_PLAN, PlansInMemory
from plankg.graph.stores import OxigraphStore
from plankg.queries.named import QueryError, catalogue, parse
from plankg.queries.pages import page_in_parts

from support import read_only_store, run_cli, shared_plan

G = "https://w3id.org/plankg/graph/"
# Three plans, each in its own graph. Written by hand.
TRIG = """
@prefix pkg: <https://w3id.org/plankg/ontology#> .
@prefix id: <https://w3id.org/plankg/id/> .
<https://w3id.org/plankg/graph/p1> { id:p1 a pkg:Plan . id:p1-a pkg:plan id:p1 . }
<https://w3id.org/plankg/graph/p2> { id:p2 a pkg:Plan . id:p2-a pkg:plan id:p2 . id:p2-b pkg:plan id:p2 . }
<https://w3id.org/plankg/graph/p3> { id:p3 a pkg:Plan . }
"""
P1, P2, P3 = ((G + "p1",), (G + "p2",), (G + "p3",))


def requested(memory, graphs):
    """One request that reads these graphs, as a server's worker makes it."""
    memory.new_request()
    return memory.store_for(graphs)


@pytest.fixture()
def disk(tmp_path):
    store = read_only_store(tmp_path / "store", TRIG)
    yield store.store
    store.close()


def test_a_plan_is_copied_when_read_the_second_time(disk):
    memory = PlansInMemory(disk, capacity=2)
    assert requested(memory, P2) is None  # a one-off read costs no copy
    copy = requested(memory, P2)
    assert copy is not None and len(copy) == 3
    assert {q.graph_name.value for q in copy} == {G + "p2"}
    assert requested(memory, P2) is copy  # kept


def test_no_capacity_no_copy(disk):
    memory = PlansInMemory(disk, capacity=0)
    assert all(requested(memory, P1) is None for _ in range(5))
    assert not memory.copies


def test_a_full_memory_keeps_its_copies_against_plans_read_not_much_more_often(disk):
    memory = PlansInMemory(disk, capacity=1, ageing=1000)
    for _ in range(3):
        requested(memory, P1)
    assert list(memory.copies) == [P1]
    for _ in range(4):  # 2, 3, 4 reads: not MARGIN (2) more than P1's 3, whichever came first
        requested(memory, P2)
        assert list(memory.copies) == [P1]
    requested(memory, P2)  # 5 reads
    assert list(memory.copies) == [P2]


def test_walks_through_more_plans_than_fit_copy_each_plan_once(tmp_path):
    """A page that walks through ten plans, again and again, with four copies kept and the counts ageing as
    they do in a server: four plans are copied, one a request, and no copy is ever made again."""
    trig = "".join(f"<{G}w{i}> {{ <https://w3id.org/plankg/id/w{i}> a <https://w3id.org/plankg/ontology#Plan> . }}\n"
                   for i in range(10))
    store = read_only_store(tmp_path / "walks", trig)
    memory = PlansInMemory(store.store, capacity=4)
    copied = []
    for _ in range(60):
        memory.new_request()
        before = set(memory.copies)
        for i in range(10):
            memory.store_for((f"{G}w{i}",))
        copied.append(len(set(memory.copies) - before))
    assert copied[:6] == [0, 1, 1, 1, 1, 0] and sum(copied) == 4
    store.close()


def test_the_copies_hold_no_more_quads_than_the_budget(disk):
    """P1 holds 2 quads, P2 3 (the TriG above): with room for 4, P1 takes P2's place, by the same margin
    of reads as a plan takes a place by the count."""
    memory = PlansInMemory(disk, capacity=3, ageing=1000, max_quads=4)
    requested(memory, P2), requested(memory, P2)
    assert list(memory.copies) == [P2]
    requested(memory, P1)
    requested(memory, P1)  # its size unknown: copied into the room left (1 quad), cut off, not kept
    assert list(memory.copies) == [P2] and memory.sizes[P1] == 2 and memory.copied == 3 + 2
    assert requested(memory, P1) is None and memory.allowance == 1  # 2 quads at least: no room, no copy
    assert requested(memory, P1) is not None  # 4 reads against P2's 2: P2 goes first, then P1 is copied
    assert list(memory.copies) == [P1] and memory.sizes[P1] == 2


def test_a_copy_stops_one_quad_past_the_room(disk):
    memory = PlansInMemory(disk, capacity=3, ageing=1000, max_quads=3)
    requested(memory, P1), requested(memory, P1)  # 2 quads held
    requested(memory, P2), requested(memory, P2)  # 3 quads, room for 1: two read
    assert list(memory.copies) == [P1] and memory.sizes[P2] == 2 and memory.copied == 2 + 2


def test_every_copy_that_must_go_must_have_been_read_less_by_the_margin(disk):
    """P3 (1 quad) and P1 (2) fill a budget of 3; P2, whose 3 quads are known (as after an earlier copy),
    needs both gone: nothing goes while it has been read MARGIN more times than P3 but not than P1."""
    memory = PlansInMemory(disk, capacity=3, ageing=1000, max_quads=3)
    for plan, times in ((P3, 2), (P1, 4)):
        for _ in range(times):
            requested(memory, plan)
    assert list(memory.copies) == [P3, P1] and memory.reads == {P3: 2, P1: 4}
    memory.sizes[P2] = 3
    for reads in range(1, 6):  # P2 read 1 to 5 times: 4 and 5 are MARGIN more than P3's 2, not than P1's 4
        assert requested(memory, P2) is None
        assert list(memory.copies) == [P3, P1], reads
    assert requested(memory, P2) is not None and list(memory.copies) == [P2]  # sixth: 4 + MARGIN
    assert memory.copied == 1 + 2 + 3  # P2 copied once, when it had room


def test_of_copies_read_as_often_the_least_recent_goes(disk):
    memory = PlansInMemory(disk, capacity=2, ageing=1000)
    for plan in (P1, P1, P3, P3):
        requested(memory, plan)
    for _ in range(4):  # 4 reads: MARGIN more than either's 2
        requested(memory, P2)
    assert list(memory.copies) == [P3, P2]


def test_a_copy_not_kept_uses_the_requests_copy(disk):
    memory = PlansInMemory(disk, capacity=2, ageing=1000, max_quads=2)
    requested(memory, P2), requested(memory, P1)
    memory.new_request()  # P2 (3 quads) does not fit: copied up to the room and dropped; P1 waits
    assert memory.store_for(P2) is None and memory.store_for(P1) is None
    assert set(memory.sizes) == {P2} and memory.allowance == 0


def test_walks_through_more_plans_than_the_quads_hold_copy_little(tmp_path):
    """Ten plans of one quad, room for two: two are copied and kept; each other costs one quad read to
    find it has no room, and is not copied again while no copy may go."""
    trig = "".join(f"<{G}w{i}> {{ <https://w3id.org/plankg/id/w{i}> a <https://w3id.org/plankg/ontology#Plan> . }}\n"
                   for i in range(10))
    store = read_only_store(tmp_path / "walks", trig)
    memory = PlansInMemory(store.store, capacity=4, max_quads=2)
    for _ in range(60):
        memory.new_request()
        for i in range(10):
            memory.store_for((f"{G}w{i}",))
    assert len(memory.copies) == 2 and memory.copied == 10
    store.close()


def test_a_plan_larger_than_the_budget_is_never_kept(disk):
    memory = PlansInMemory(disk, capacity=2, max_quads=2)
    requested(memory, P2)
    assert requested(memory, P2) is None and P2 in memory.too_large and not memory.copies
    assert memory.copied == 3  # read up to one quad past the budget
    assert requested(memory, P2) is None and memory.allowance == 1  # read from disk, no copy made
    assert requested(memory, P1) is None and requested(memory, P1) is not None  # 2 quads fit


def test_a_servers_budget_is_its_count_of_plans_times_100000_quads(tmp_path):
    read_only_store(tmp_path / "s", TRIG).close()
    store = OxigraphStore(tmp_path / "s", read_only=True, plans_in_memory=8)
    assert store.memory.max_quads == 800_000 == 8 * QUADS_PER_PLAN
    store.close()


def test_counts_age_so_that_old_favourites_give_way(disk):
    memory = PlansInMemory(disk, capacity=1, ageing=6)
    for _ in range(5):
        requested(memory, P1)  # five reads of P1, then one of P3: the counts halve before it is counted
    requested(memory, P3)
    assert list(memory.copies) == [P1] and memory.reads == {P1: 2, P3: 1}
    for _ in range(2):
        requested(memory, P3)
    assert list(memory.copies) == [P1]  # 3 reads: not 2 more than P1's 2
    requested(memory, P3)
    assert list(memory.copies) == [P3]


def test_a_request_copies_one_plan_at_most(disk):
    memory = PlansInMemory(disk, capacity=3)
    requested(memory, P1), requested(memory, P2)
    memory.new_request()  # one request that reads both again: P1 is copied, P2 waits for the next
    assert memory.store_for(P1) is not None and memory.store_for(P2) is None
    assert list(memory.copies) == [P1]
    assert requested(memory, P2) is not None and list(memory.copies) == [P1, P2]


def test_a_query_of_one_plan_is_answered_from_the_copy(tmp_path):
    """A quad added to the copy alone shows in the answer: the third read comes from memory."""
    read_only_store(tmp_path / "s", TRIG).close()
    store = OxigraphStore(tmp_path / "s", read_only=True, plans_in_memory=1)
    items = parse("items", "# param plan: iri required — p\n# scope: plan\n"
                  "SELECT ?plan ?x WHERE { ?x <https://w3id.org/plankg/ontology#plan> ?plan } ORDER BY ?x")
    bound = items.bind({"plan": "https://w3id.org/plankg/id/p2"})

    def xs():
        store.new_request()
        return [r["x"]["value"] for r in store.query(bound)["results"]["bindings"]]

    expected = ["https://w3id.org/plankg/id/p2-a", "https://w3id.org/plankg/id/p2-b"]
    assert xs() == expected and xs() == expected  # from disk, then copied
    (copy,) = store.memory.copies.values()
    marker = "https://w3id.org/plankg/id/p2-c"
    copy.add(ox.Quad(ox.NamedNode(marker), ox.NamedNode("https://w3id.org/plankg/ontology#plan"),
                     ox.NamedNode("https://w3id.org/plankg/id/p2"), ox.NamedNode(G + "p2")))
    assert xs() == expected + [marker]
    store.close()


def test_a_store_that_writes_never_copies(tmp_path):
    store = OxigraphStore(tmp_path / "store", plans_in_memory=4)
    assert store.memory.capacity == 0
    store.close()


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    path = tmp_path_factory.mktemp("two") / "store"
    store = OxigraphStore(path)
    store.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt"))]))
    store.close()
    return path


def test_every_query_of_one_plan_answers_from_memory_as_from_disk(two_plans):
    disk = OxigraphStore(two_plans, read_only=True)
    memory = OxigraphStore(two_plans, read_only=True, plans_in_memory=2)
    plans = [b["p"]["value"] for b in disk.query(
        "PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT ?p WHERE { ?p a pkg:Plan } ORDER BY ?p"
    )["results"]["bindings"]]
    goals = [b["g"]["value"] for b in disk.query(
        "PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT ?g WHERE { ?g a pkg:Goal } ORDER BY ?g LIMIT 6"
    )["results"]["bindings"]]
    assert len(plans) == 2 and goals
    compared = set()
    for name, q in catalogue().items():
        required = [p.name for p in q.params if p.required]
        if q.scope.startswith("plan of"):
            values = [{"goal": g} for g in goals]
        elif (q.scope or q.rows_by_plan) and not set(required) - {"plan"}:
            values = [{"plan": p} for p in plans]
        else:
            continue
        for v in values:
            bound = q.bind(v)
            assert bound.plan_scoped, name
            expected = disk.query(bound)["results"]["bindings"]
            for _ in range(3):  # from disk, then copying, then from the copy
                memory.new_request()
                assert memory.query(bound)["results"]["bindings"] == expected, (name, v)
            compared.add(name)
    # Pages across both plans read each plan from its copy.
    for name in ("projects", "indicators", "mentions"):
        q = catalogue()[name]
        whole = [page_in_parts(disk, q, {}, 1000, 0).rows]
        for _ in range(3):
            memory.new_request()
            assert [page_in_parts(memory, q, {}, 1000, 0).rows] == whole, name
    assert {"text", "text-view", "outline", "project-list", "goal-projects-view", "projects", "indicators"} <= compared
    assert set(memory.memory.copies) == {disk._plan_dataset(p).default for p in plans}
    disk.close()
    memory.close()


def test_scope_plan_of_a_parameter_needs_that_parameter():
    assert parse("x", "# param goal: iri required — g\n# scope: plan of goal\nSELECT * WHERE { ?s ?p ?o }").scope == "plan of goal"
    with pytest.raises(QueryError):
        parse("x", "# param goal: iri — g\n# scope: plan of goal\nSELECT * WHERE { ?s ?p ?o }")  # not required
    with pytest.raises(QueryError):
        parse("x", "# scope: plan of goal\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError):  # that is scope: plan
        parse("x", "# param plan: iri required — p\n# scope: plan of plan\nSELECT * WHERE { ?s ?p ?plan }")
    with pytest.raises(QueryError):  # rows by plan are found by their plan
        parse("x", "# param plan: iri — p\n# param goal: iri required — g\n# scope: plan of goal\n# rows: by plan\n"
                   "SELECT * WHERE { ?s ?p ?plan }")


def test_a_bad_count_of_plans_in_memory_is_refused_in_one_line():
    for env in ({"PLANKG_PLANS_IN_MEMORY": "-1"}, {}):
        args = ("serve",) if env else ("serve", "--plans-in-memory", "some")
        res = run_cli(*args, env={**os.environ, **env})
        assert res.returncode == 2 and b"not a count" in res.stderr and b"Traceback" not in res.stderr
