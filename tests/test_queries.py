"""Named queries on the three stores: the same answers, written by hand from the text."""

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from rdflib import URIRef

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.stores import OxigraphStore
from plankg.queries.named import QueryError, catalogue, get, parse

from support import VIEW_QUERIES, run_cli, shared_plan

PLAN = "https://w3id.org/plankg/id/654200-fyp13"
NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("decimal", "integer", "int", "long", "double")}


@pytest.fixture(params=["oxigraph", "in_memory", "virtuoso"])
def store(request):
    return request.getfixturevalue(request.param)


def normal(res):
    """Rows as sets of (variable, kind, value): stores differ in how they spell the same terms."""
    out = []
    for row in res["results"]["bindings"]:
        items = []
        for var, term in row.items():
            value = term["value"]
            if term.get("datatype") == "http://www.w3.org/2001/XMLSchema#boolean":
                value = {"0": "false", "1": "true"}.get(value, value)  # Virtuoso spells booleans 0 and 1
            elif term.get("datatype") in NUMERIC:
                try:
                    value = str(Decimal(value).normalize())
                except InvalidOperation:
                    pass
            items.append((var, "uri" if term["type"] == "uri" else "literal", value, term.get("xml:lang", "")))
        out.append(tuple(sorted(items)))
    return sorted(out)


def column(res, var):
    return [b[var]["value"] for b in res["results"]["bindings"] if var in b]


# --- answers written by hand from the sample ---------------------------------------------------

def test_goals(store):
    res = store.query(get("goals").bind({"plan": PLAN}))
    assert [t[:4] for t in column(res, "title")] == ["经济保持", "加强民生", "增强自我", "加强资源", "深化改革"]
    assert column(res, "line") == ["258", "260", "262", "264", "266"]


def test_indicators_filtered(store):
    res = store.query(get("indicators").bind({"attribute": "pkg:Binding", "category": "生态文明"}))
    names = column(res, "name")
    assert "耕地保有量" in names and "森林增长：森林覆盖率" in names and "全区生产总值" not in names
    assert len(names) == 12  # 生态文明's 13 rows but 森林蓄积量, whose attribute cell is blank
    assert len(column(store.query(get("indicators").bind({})), "name")) == 38


def test_the_same_query_bound_again_answers_anew(store):
    # rdflib's algebra translation edits the parse tree it is given: a tree kept from the first run
    # answered the third with the second run's (absent) bindings.
    filtered = get("indicators").bind({"attribute": "pkg:Binding", "category": "生态文明"})
    first = normal(store.query(filtered))
    assert len(normal(store.query(get("indicators").bind({})))) == 38
    assert normal(store.query(filtered)) == first and len(first) == 12


def test_binding_without_quantified_target(store):
    res = store.query(get("binding-without-target").bind({}))
    assert sorted(column(res, "name")) == sorted([
        "万元生产总值能耗降低", "单位生产总值二氧化碳排放降低", "主要污染物排放削减量：化学需氧量",
        "主要污染物排放削减量：氨氮", "主要污染物排放削减量：二氧化硫", "主要污染物排放削减量：氮氧化物"])


def test_previous_targets_missed(store):
    res = store.query(get("previous-targets-missed").bind({}))
    # 专栏1: 750/494.1, 460/329.6, 44.79/40.4, 95/78.3, 12.5/6, 380/117.9, 48/46, 26200/25097.
    assert column(res, "name") == ["全区生产总值", "全社会固定资产投资", "地方财政一般公共预算收入", "社会消费品零售总额",
                                   "外贸进出口总额", "工业增加值", "城镇化率", "城镇居民人均可支配收入"]


def test_strategic_investments(store):
    res = store.query(get("strategic-investments").bind({}))
    invest = {b["name"]["value"]: b["investment"]["value"] for b in res["results"]["bindings"]}
    assert len(invest) == 10
    assert Decimal(invest["城镇体系综合保障工程"]) == Decimal("129.7")
    towns = [b for b in res["results"]["bindings"] if b["name"]["value"] == "城镇体系综合保障工程"]
    assert len(towns) == 9 and sum(int(b["componentCount"]["value"]) for b in towns) == 85


def test_projects_in_a_county_by_code(store):
    res = store.query(get("county-projects").bind({"code": "654226"}))
    names = set(column(res, "name"))
    assert {"和布克赛尔机场", "和丰30万吨乙二醇", "和布克赛尔县生活垃圾二期工程"} <= names
    assert "乌苏军民合用机场" not in names


def test_projects_by_sector_and_goal(store):
    res = store.query(get("sector-projects").bind({"sector": "sector:transport"}))
    assert {"G30线乌-奎高速公路改扩建项目", "和布克赛尔机场", "塔城机场改扩建"} <= set(column(res, "name"))
    goal = f"{PLAN}/part-2/chapter-3/goal-4"
    res = store.query(get("goal-projects").bind({"goal": goal}))
    assert "湿地保护与恢复工程" in column(res, "name")
    assert all(m for m in column(res, "matched"))


@pytest.mark.parametrize("param,predicate,value", [
    ("sector", "sector", "sector:water"), ("place", "locatedIn", "place:654202"),
    ("goal", "serves", f"{PLAN}/part-2/chapter-3/goal-2")])
@pytest.mark.parametrize("plan", [{"plan": PLAN}, {}], ids=["one plan", "across plans"])
def test_projects_filtered_are_the_projects_linked_to_the_value(store, param, predicate, value, plan):
    """A filter of projects keeps the rows of the unfiltered answer whose project the graph links to the
    value (looked up here by a triple pattern of its own), each once; with the name's words too. Asked of
    one plan, Oxigraph substitutes the parameters; across plans, they are written in as constants."""
    whole = store.query(get("projects").bind(plan))["results"]["bindings"]
    iri = value.replace("sector:", "https://w3id.org/plankg/sector/").replace("place:", "https://w3id.org/plankg/place/")
    linked = set(column(store.query(f"SELECT ?p WHERE {{ ?p <https://w3id.org/plankg/ontology#{predicate}> <{iri}> }}"), "p"))
    expected = [(b["project"]["value"], b["line"]["value"]) for b in whole if b["project"]["value"] in linked]
    assert len(expected) >= 5, "the sample has projects for this value"
    got = store.query(get("projects").bind({**plan, param: value}))["results"]["bindings"]
    assert [(b["project"]["value"], b["line"]["value"]) for b in got] == expected
    assert {b[param]["value"] for b in got} == {iri}
    named = [b for b in got if "工程" in b["name"]["value"]]
    with_text = store.query(get("projects").bind({**plan, param: value, "text": "工程"}))["results"]["bindings"]
    assert [b["project"]["value"] for b in with_text] == [b["project"]["value"] for b in named] != []


def test_everything_about_a_place(store):
    res = store.query(get("place").bind({"code": "654226"}))
    kinds = column(res, "kind")
    assert kinds.count("project") >= 3 and kinds.count("mention") >= 40
    assert "和丰" in column(res, "surface")


def test_same_indicator_in_several_tables(store):
    res = store.query(get("indicator-across-plans").bind({"name": "森林覆盖率"}))
    rows = {(b["table"]["value"], b["role"]["value"], b["year"]["value"][:4]): b["value"]["value"]
            for b in res["results"]["bindings"]}
    assert rows == {("review", "Baseline", "2010"): "6.42", ("review", "Target", "2015"): "7.9",
                    ("review", "Actual", "2015"): "12.68", ("plan", "Baseline", "2015"): "12.68",
                    ("plan", "Target", "2020"): "13"}


def test_every_named_query_agrees_across_stores(oxigraph, in_memory, virtuoso):
    answers = {}
    samples = {"goal": f"{PLAN}/part-2/chapter-3/goal-2", "code": "654202", "sector": "sector:water", "plan": PLAN,
               "entity": f"{PLAN}/annex-2/project-3", "needle": "森林覆盖率"}
    for name, q in catalogue().items():
        if name in VIEW_QUERIES:
            continue  # run on Oxigraph by the view tests (tests/support.py)
        params = {p.name: samples[p.name] for p in q.params if p.required}
        sparql = q.bind(params)
        first = normal(oxigraph.query(sparql))
        assert first, name
        assert normal(in_memory.query(sparql)) == first, name
        answers[name] = (sparql, first)
    for name, (sparql, first) in answers.items():
        assert normal(virtuoso.query(sparql)) == first, name


def test_a_plan_scoped_query_reads_one_plan_and_answers_the_same(tmp_path):
    """Header "scope: plan": Oxigraph is given the plan's graph and the vocabulary as the whole dataset.
    On a store of two plans the answer must equal the one read from every graph, for each such query."""
    store = OxigraphStore(tmp_path / "store")
    store.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt"))]))
    scoped = {name: q for name, q in catalogue().items() if q.scope == "plan"}
    assert {"text-view", "text", "project-list", "indicator-view", "restatements", "outline", "goals", "places"} <= set(scoped)
    for name, q in scoped.items():
        for plan in store.query("PREFIX pkg: <https://w3id.org/plankg/ontology#> "
                                "SELECT ?p WHERE { GRAPH ?g { ?p a pkg:Plan } }")["results"]["bindings"]:
            bound = q.bind({"plan": plan["p"]["value"]})
            assert bound.plan_scoped
            whole = type(bound)(bound.text, bound.bindings, plan_scoped=False)
            answer = normal(store.query(bound))
            assert answer == normal(store.query(whole)), (name, plan)
            assert answer or plan["p"]["value"] != PLAN, name  # the sample has rows for each (the other: no table)
    # Scope "plan of goal": the graphs of the plan that states the goal.
    goals = store.query("PREFIX pkg: <https://w3id.org/plankg/ontology#> "
                        "SELECT ?g WHERE { ?g a pkg:Goal } ORDER BY ?g")["results"]["bindings"]
    by_goal = {name: q for name, q in catalogue().items() if q.scope == "plan of goal"}
    assert "goal-projects-view" in by_goal and len(goals) > 5
    for name, q in by_goal.items():
        for goal in goals:
            bound = q.bind({"goal": goal["g"]["value"]})
            assert bound.plan_scoped and bound.scope == "goal"
            whole = type(bound)(bound.text, bound.bindings, plan_scoped=False)
            # What a copy of the plan in memory reads (graph/plan_memory.py): the plan's graphs alone.
            plan_graphs = store._plan_dataset(goal["g"]["value"], "goal")
            assert plan_graphs is not None and len(plan_graphs.default) == 2, goal  # the plan's, the vocabulary
            assert normal(store.query(whole, dataset=plan_graphs)) == normal(store.query(whole)), (name, goal)
    # Unbound, the plan scope does not apply: every plan's rows.
    assert not get("project-list").bind({}).plan_scoped
    with pytest.raises(QueryError):
        parse("x", "# scope: county\nSELECT * WHERE { ?s ?p ?o }")


# --- binding is safe ---------------------------------------------------------------------------

def test_parameters_are_bound_as_terms_not_text(oxigraph):
    hostile = '生态文明" } } DROP ALL ; SELECT * WHERE { ?s ?p "'
    sparql = get("indicators").bind({"category": hostile})
    assert sparql.text == get("indicators").text  # the text is never edited
    assert str(sparql.bindings["category"]) == hostile  # one literal, given to the engine as a term
    assert oxigraph.query(sparql)["results"]["bindings"] == []
    with pytest.raises(QueryError):
        get("goal-projects").bind({"goal": "<x> } DROP ALL {"})
    with pytest.raises(QueryError):
        get("county-projects").bind({"code": "65422' OR '1"})
    with pytest.raises(QueryError):
        get("goal-projects").bind({})  # required
    # A plan by its bare id is the plan's IRI; anything else that is no IRI stays refused.
    assert get("outline").bind({"plan": "654200-fyp13"}).bindings["plan"] == URIRef(PLAN)
    with pytest.raises(QueryError):
        get("outline").bind({"plan": "654200 fyp13"})
    with pytest.raises(QueryError):
        get("goals").bind({"nope": "1"})


def test_headers_are_read():
    cat = catalogue()
    assert len(cat) >= 10
    assert all(q.title and q.description for q in cat.values())
    code = next(p for p in cat["county-projects"].params if p.name == "code")
    assert (code.type, code.required) == ("gbt2260", True)


# --- reloading ---------------------------------------------------------------------------------

def test_reload_replaces_one_plan_and_leaves_others(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt"))]))
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }"
    yunnan = "https://w3id.org/plankg/graph/530000-fyp10"
    before = store.query(count % yunnan)["results"]["bindings"][0]["n"]["value"]
    changed = tmp_path / "tacheng.txt"
    changed.write_text(Path(sample_plan_path()).read_text(encoding="utf-8").replace("\t770\n", "\t771\n"),
                       encoding="utf-8")
    store.load_dataset(build_dataset([read(changed)]))
    target = get("indicators").bind({"plan": PLAN})
    rows = {b["name"]["value"]: b["target"]["value"] for b in store.query(target)["results"]["bindings"]}
    assert rows["全区生产总值"] == "771"
    old = store.query('PREFIX pkg: <https://w3id.org/plankg/ontology#> ASK { GRAPH <https://w3id.org/plankg/graph/654200-fyp13> { ?o pkg:printedText "770" } }')
    assert old["boolean"] is False
    assert store.query(count % yunnan)["results"]["bindings"][0]["n"]["value"] == before


# --- the commands --------------------------------------------------------------------------------

def test_cli_query_formats(tmp_path):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    assert run_cli("load", env=env).returncode == 0
    res = run_cli("query", "goals", "--format", "json", env=env)
    data = json.loads(res.stdout)
    assert data["head"]["vars"][:3] == ["plan", "goal", "order"] and len(data["results"]["bindings"]) == 5
    csv_out = run_cli("query", "binding-without-target", "--format", "csv", env=env).stdout.decode()
    assert csv_out.splitlines()[0] == "plan,indicator,name,target,line" and "\r\n" in csv_out
    tsv_out = run_cli("query", "goals", "--format", "tsv", env=env).stdout.decode()
    assert tsv_out.startswith("?plan\t?goal") and '"经济保持中高速增长，进一步做大经济总量"@zh' in tsv_out
    table = run_cli("query", "county-projects", "--param", "code=654202", env=env).stdout.decode()
    assert "乌苏军民合用机场" in table
    listing = run_cli("queries").stdout.decode()
    assert "county-projects" in listing and "--param code=<gbt2260>" in listing


def test_cli_query_errors(tmp_path):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    for args, message in ((["query", "nope"], b"no named query"), (["query", "goal-projects"], b"is required"),
                          (["query", "goals", "--param", "plan"], b"key=value")):
        res = run_cli(*args, env=env)
        assert res.returncode == 2 and message in res.stderr and b"Traceback" not in res.stderr
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE { ?s ?p }", encoding="utf-8")
    res = run_cli("query", str(bad), env=env)
    assert res.returncode == 2 and b"syntax error" in res.stderr
    res = run_cli("query", "goals", "--endpoint", "http://127.0.0.1:9/sparql", "--timeout", "3")
    assert res.returncode == 2 and b"cannot reach" in res.stderr
