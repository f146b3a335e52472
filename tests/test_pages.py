"""Pages of a query of rows by plan (header ``rows: by plan``), read plan by plan, and of rows by key
(``rows: by key, listed by indicator-keys``), read key by key: the same rows, in the same order, as the
whole answer (queries/pages.py)."""

import pytest
from rdflib import Dataset

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.stores import OxigraphStore, RdflibStore
from plankg.queries.named import QueryError, catalogue, get, parse
from plankg.queries.pages import page_in_parts, reads_in_parts

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


# Two plans' indicators: forest and gdp in both, water in one. Written by hand.
INDICATORS = """
@prefix pkg: <https://w3id.org/plankg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/plankg/id/> .
<https://w3id.org/plankg/graph/p1> { id:p1 a pkg:Plan . id:p1-t pkg:tableKind "plan" .
  id:p1-i1 a pkg:Indicator ; pkg:plan id:p1 ; pkg:table id:p1-t ; skos:prefLabel "森林覆盖率"@zh ; pkg:indicatorKey "forest" .
  id:p1-o1 pkg:indicator id:p1-i1 ; pkg:role pkg:Target ; pkg:printedText "13" ; sdmx-dimension:refPeriod "2020"^^xsd:gYear .
  id:p1-i2 a pkg:Indicator ; pkg:plan id:p1 ; pkg:table id:p1-t ; skos:prefLabel "地区生产总值"@zh ; pkg:indicatorKey "gdp" .
  id:p1-o2 pkg:indicator id:p1-i2 ; pkg:role pkg:Target ; pkg:printedText "770" ; sdmx-dimension:refPeriod "2020"^^xsd:gYear .
  id:p1-i3 a pkg:Indicator ; pkg:plan id:p1 ; pkg:table id:p1-t ; skos:prefLabel "用水总量"@zh ; pkg:indicatorKey "water" .
  id:p1-o3 pkg:indicator id:p1-i3 ; pkg:role pkg:Target ; pkg:printedText "9" ; sdmx-dimension:refPeriod "2020"^^xsd:gYear . }
<https://w3id.org/plankg/graph/p2> { id:p2 a pkg:Plan . id:p2-t pkg:tableKind "plan" .
  id:p2-i1 a pkg:Indicator ; pkg:plan id:p2 ; pkg:table id:p2-t ; skos:prefLabel "森林覆盖率"@zh ; pkg:indicatorKey "forest" .
  id:p2-o1 pkg:indicator id:p2-i1 ; pkg:role pkg:Target ; pkg:printedText "20" ; sdmx-dimension:refPeriod "2025"^^xsd:gYear .
  id:p2-i2 a pkg:Indicator ; pkg:plan id:p2 ; pkg:table id:p2-t ; skos:prefLabel "地区生产总值"@zh ; pkg:indicatorKey "gdp" .
  id:p2-o2 pkg:indicator id:p2-i2 ; pkg:role pkg:Target ; pkg:printedText "1000" ; sdmx-dimension:refPeriod "2025"^^xsd:gYear . }
"""


def synthetic_stores(tmp_path, trig: str = TRIG):
    ds = Dataset()
    ds.parse(data=trig, format="trig")
    oxigraph = OxigraphStore(tmp_path / "store")
    oxigraph.load_dataset(ds)
    other = Dataset()
    other.parse(data=trig, format="trig")
    return oxigraph, RdflibStore(dataset=other)


def names(page):
    return [r["name"]["value"] for r in page.rows]


def test_pages_of_a_synthetic_query_on_each_store(tmp_path):
    for store in synthetic_stores(tmp_path):
        assert names(page_in_parts(store, ITEMS, {}, 2, 0)) == ["b", "a"]  # p1's, by ?o
        assert page_in_parts(store, ITEMS, {}, 2, 0).more
        last = page_in_parts(store, ITEMS, {}, 2, 2)
        assert names(last) == ["c"] and not last.more  # p2 has none; p3's one
        assert names(page_in_parts(store, ITEMS, {}, 1, 1)) == ["a"]
        assert names(page_in_parts(store, ITEMS, {}, 1, 2)) == ["c"]
        beyond = page_in_parts(store, ITEMS, {}, 5, 3)
        assert beyond.rows == [] and not beyond.more and beyond.variables == ["plan", "item", "name"]
        whole = page_in_parts(store, ITEMS, {}, 10, 0)
        assert [r["plan"]["value"] for r in whole.rows] == [ID + "p1", ID + "p1", ID + "p3"]


def test_pages_of_the_same_indicator_in_several_plans_are_read_key_by_key(tmp_path):
    query = catalogue()["indicator-across-plans"]
    assert query.rows_by == "key" and reads_in_parts(query, {})
    for store in synthetic_stores(tmp_path, INDICATORS):
        def values(page):
            return [(r["key"]["value"], r["value"]["value"]) for r in page.rows]

        first = page_in_parts(store, query, {}, 3, 0)
        assert values(first) == [("forest", "13"), ("forest", "20"), ("gdp", "770")] and first.more
        last = page_in_parts(store, query, {}, 3, 3)
        assert values(last) == [("gdp", "1000")] and not last.more  # water: one indicator, no row
        assert values(page_in_parts(store, query, {}, 1, 2)) == [("gdp", "770")]
        one_key = store.query(query.bind({"key": "gdp"}))["results"]["bindings"]
        assert [(r["key"]["value"], r["value"]["value"]) for r in one_key] == [("gdp", "770"), ("gdp", "1000")]


def test_a_parameter_the_listing_does_not_take_reads_the_whole_answer():
    query = catalogue()["indicator-across-plans"]
    assert not reads_in_parts(query, {"name": "森林覆盖率"})  # indicator-keys lists keys of every name
    assert reads_in_parts(query, {"name": ""}) and not reads_in_parts(query, {"key": "gdp"})


def test_an_empty_store_gives_an_empty_page(tmp_path):
    page = page_in_parts(OxigraphStore(tmp_path / "empty"), ITEMS, {}, 10, 0)
    assert page.rows == [] and not page.more and page.variables == ["plan", "item", "name"]


def test_only_queries_across_every_plan_are_read_plan_by_plan():
    assert reads_in_parts(ITEMS, {}) and reads_in_parts(ITEMS, {"plan": ""})
    assert not reads_in_parts(ITEMS, {"plan": ID + "p1"})
    assert ITEMS.bind({"plan": ID + "p1"}).plan_scoped  # one plan's rows lie in its graph
    assert not catalogue()["indicator-across-plans"].rows_by_plan  # it matches indicators of several plans
    assert not reads_in_parts(catalogue()["goals"], {})  # no rows header: the whole answer


def test_the_header_is_checked():
    with pytest.raises(QueryError, match="optional parameter plan"):
        parse("x", "# rows: by plan\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="optional parameter plan"):
        parse("x", "# param plan: iri required — p\n# rows: by plan\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="unknown rows header"):
        parse("x", "# param plan: iri — p\n# rows: by county\nSELECT * WHERE { ?s ?p ?o }")  # listed by?
    with pytest.raises(QueryError, match="unknown rows header"):
        parse("x", "# param plan: iri — p\n# rows: by plan, listed by plans\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="optional parameter key"):
        parse("x", "# rows: by key, listed by indicator-keys\nSELECT * WHERE { ?s ?p ?key }")


def test_the_listing_query_is_checked(tmp_path):
    rq = tmp_path / "x.rq"
    rq.write_text("# param key: string — k\n# rows: by key, listed by no-such-query\nSELECT ?key WHERE { ?s ?p ?key }",
                  encoding="utf-8")
    with pytest.raises(QueryError, match="no-such-query: no such named query"):
        get(str(rq))
    rq.write_text("# param county: string — c\n# rows: by county, listed by indicator-keys\n"
                  "SELECT ?county WHERE { ?s ?p ?county } ORDER BY ?county", encoding="utf-8")
    with pytest.raises(QueryError, match="indicator-keys must order by \\?county first"):
        get(str(rq))


@pytest.fixture(scope="module")
def three_plans(tmp_path_factory):
    store = OxigraphStore(tmp_path_factory.mktemp("store"))
    store.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt")),
                                      read(shared_plan("national-14th.md"))]))
    return store


REQUIRED = {"code": "654202", "sector": "sector:transport"}  # a county and a sector of the sample


@pytest.mark.parametrize("name", sorted(n for n, q in catalogue().items() if q.rows_by))
def test_pages_joined_are_the_whole_answer_in_order(three_plans, name):
    query = catalogue()[name]
    values = {p.name: REQUIRED[p.name] for p in query.params if p.required}
    whole = three_plans.query(query.bind(values))["results"]["bindings"]
    assert whole, name
    joined, offset = [], 0
    while True:
        page = page_in_parts(three_plans, query, values, 37, offset)  # 37: pages end inside a plan's rows
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
