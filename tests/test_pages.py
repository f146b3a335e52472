"""Pages of a query of rows by plan (header ``rows: by plan``), read plan by plan: the same rows, in the
same order, as the whole answer (queries/pages.py)."""

import pytest
from rdflib import Dataset

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.stores import OxigraphStore, RdflibStore
from plankg.queries.named import QueryError, catalogue, parse
from plankg.queries.pages import page_by_plan, reads_by_plan

from support import run_cli, shared_plan

ID = "https://w3id.org/plankg/id/"
ITEMS = parse("items", """# title: items
# param plan: iri — the plan (default: every plan)
# rows: by plan
PREFIX pkg: <https://w3id.org/plankg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?plan ?item ?name WHERE { ?item pkg:plan ?plan ; rdfs:label ?name ; pkg:order ?o } ORDER BY ?plan ?o
""")
# Three plans, each in its own graph; the second has no items. Written by hand.
TRIG = """
@prefix pkg: <https://w3id.org/plankg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/plankg/id/> .
<https://w3id.org/plankg/graph/p1> { id:p1 a pkg:Plan .
  id:p1-a pkg:plan id:p1 ; rdfs:label "a" ; pkg:order 2 .
  id:p1-b pkg:plan id:p1 ; rdfs:label "b" ; pkg:order 1 . }
<https://w3id.org/plankg/graph/p2> { id:p2 a pkg:Plan . }
<https://w3id.org/plankg/graph/p3> { id:p3 a pkg:Plan .
  id:p3-c pkg:plan id:p3 ; rdfs:label "c" ; pkg:order 1 . }
"""


def synthetic_stores(tmp_path):
    ds = Dataset()
    ds.parse(data=TRIG, format="trig")
    oxigraph = OxigraphStore(tmp_path / "store")
    oxigraph.load_dataset(ds)
    other = Dataset()
    other.parse(data=TRIG, format="trig")
    return oxigraph, RdflibStore(dataset=other)


def names(page):
    return [r["name"]["value"] for r in page.rows]


def test_pages_of_a_synthetic_query_on_each_store(tmp_path):
    for store in synthetic_stores(tmp_path):
        assert names(page_by_plan(store, ITEMS, {}, 2, 0)) == ["b", "a"]  # p1's, by ?o
        assert page_by_plan(store, ITEMS, {}, 2, 0).more
        last = page_by_plan(store, ITEMS, {}, 2, 2)
        assert names(last) == ["c"] and not last.more  # p2 has none; p3's one
        assert names(page_by_plan(store, ITEMS, {}, 1, 1)) == ["a"]
        assert names(page_by_plan(store, ITEMS, {}, 1, 2)) == ["c"]
        beyond = page_by_plan(store, ITEMS, {}, 5, 3)
        assert beyond.rows == [] and not beyond.more and beyond.variables == ["plan", "item", "name"]
        whole = page_by_plan(store, ITEMS, {}, 10, 0)
        assert [r["plan"]["value"] for r in whole.rows] == [ID + "p1", ID + "p1", ID + "p3"]


def test_an_empty_store_gives_an_empty_page(tmp_path):
    page = page_by_plan(OxigraphStore(tmp_path / "empty"), ITEMS, {}, 10, 0)
    assert page.rows == [] and not page.more and page.variables == ["plan", "item", "name"]


def test_only_queries_across_every_plan_are_read_plan_by_plan():
    assert reads_by_plan(ITEMS, {}) and reads_by_plan(ITEMS, {"plan": ""})
    assert not reads_by_plan(ITEMS, {"plan": ID + "p1"})
    assert ITEMS.bind({"plan": ID + "p1"}).plan_scoped  # one plan's rows lie in its graph
    assert not catalogue()["indicator-across-plans"].rows_by_plan  # it matches indicators of several plans


def test_the_header_is_checked():
    with pytest.raises(QueryError, match="optional parameter plan"):
        parse("x", "# rows: by plan\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="optional parameter plan"):
        parse("x", "# param plan: iri required — p\n# rows: by plan\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="unknown rows header"):
        parse("x", "# param plan: iri — p\n# rows: by county\nSELECT * WHERE { ?s ?p ?o }")


@pytest.fixture(scope="module")
def three_plans(tmp_path_factory):
    store = OxigraphStore(tmp_path_factory.mktemp("store"))
    store.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt")),
                                      read(shared_plan("national-14th.md"))]))
    return store


REQUIRED = {"code": "654202", "sector": "sector:transport"}  # a county and a sector of the sample


@pytest.mark.parametrize("name", sorted(n for n, q in catalogue().items() if q.rows_by_plan))
def test_pages_joined_are_the_whole_answer_in_order(three_plans, name):
    query = catalogue()[name]
    values = {p.name: REQUIRED[p.name] for p in query.params if p.required}
    whole = three_plans.query(query.bind(values))["results"]["bindings"]
    assert whole, name
    joined, offset = [], 0
    while True:
        page = page_by_plan(three_plans, query, values, 37, offset)  # 37: pages end inside a plan's rows
        joined += page.rows
        offset += 37
        if not page.more:
            break
        assert len(page.rows) == 37
    assert joined == whole


def test_the_projects_of_several_plans_cross_plan_boundaries(three_plans):
    whole = three_plans.query(catalogue()["projects"].bind({}))["results"]["bindings"]
    plans = [r["plan"]["value"] for r in whole]
    assert len(set(plans)) >= 2 and plans == sorted(plans)


def test_the_cli_pages_a_query_of_rows_by_plan(tmp_path):
    (tmp_path / "data.trig").write_text(TRIG, encoding="utf-8")
    (tmp_path / "items.rq").write_text(ITEMS.text, encoding="utf-8")
    args = ("query", str(tmp_path / "items.rq"), "--graph", str(tmp_path / "data.trig"), "--format", "csv")
    out = run_cli(*args, "--limit", "2", "--offset", "1")
    assert out.returncode == 0, out.stderr
    assert [line.split(",")[-1] for line in out.stdout.decode().split()[1:]] == ["a", "c"]
    assert run_cli(*args, "--offset", "2").stdout.decode().split()[1:] == [f"{ID}p3,{ID}p3-c,c"]
    bad = run_cli(*args, "--limit", "-1")
    assert bad.returncode == 2 and b"not a count" in bad.stderr and b"Traceback" not in bad.stderr
