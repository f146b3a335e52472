"""The HTTP service, started for real (uvicorn on a loopback port), exercised over HTTP."""

import json
import os
import threading
import time
import urllib.parse

import httpx
import pytest

from plankg.queries.named import get

from support import recording_server, start_server

PLAN = "654200-fyp13"
PKG = "https://w3id.org/plankg/ontology#"
GOALS = f"PREFIX pkg: <{PKG}> SELECT ?g WHERE {{ GRAPH ?x {{ ?g a pkg:Goal }} }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    env = {**os.environ, "PLANKG_STORE": str(store), "PLANKG_WRITE_TOKEN": "s3cret"}
    proc, base = start_server(env, "--query-timeout", "3", "--max-rows", "300", "--max-concurrent", "2")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def get_json(base, path, **params):
    r = httpx.get(base + path, params=params, timeout=180)
    assert r.status_code == 200, r.text
    return r.json()


# --- REST --------------------------------------------------------------------------------------

def test_plans_and_outline(server):
    plans = get_json(server, "/plans")
    assert [p["id"] for p in plans["items"]] == [PLAN]
    outline = get_json(server, f"/plans/{PLAN}/outline", limit=1000)
    kinds = [n["kind"] for n in outline["items"]]
    assert kinds.count("Part") == 11 and kinds.count("Section") == 28 and kinds.count("Box") == 19
    assert httpx.get(server + "/plans/nope/outline").status_code == 404


def test_goals_and_their_projects(server):
    goals = get_json(server, "/goals", plan=PLAN)["items"]
    assert [g["title"][:4] for g in goals] == ["经济保持", "加强民生", "增强自我", "加强资源", "深化改革"]
    goal_id = goals[3]["goal"].removeprefix("https://w3id.org/plankg/id/")
    projects = get_json(server, f"/goals/{goal_id}/projects", limit=1000)
    assert projects["total"] > 20 and any(p["name"] == "湿地保护与恢复工程" for p in projects["items"])
    assert all(p["matched"] for p in projects["items"])


def test_indicators_filters_and_detail(server):
    # Across every plan, indicators are read plan by plan (queries/pages.py): no total, and whether more follow.
    every = get_json(server, "/indicators", limit=100)
    assert len(every["items"]) == 38 and every["total"] is None and every["more"] is False
    binding = get_json(server, "/indicators", binding="true", limit=100)
    assert len(binding["items"]) == 22
    ecology = get_json(server, "/indicators", category="生态文明", binding="true")
    assert len(ecology["items"]) == 12 and not ecology["more"]
    one_plan = get_json(server, "/indicators", plan=PLAN, binding="true")
    assert one_plan["total"] == 22 and len(one_plan["items"]) == 22 and not one_plan["more"]
    gdp = get_json(server, f"/indicators/{PLAN}/part-2/chapter-3/box-2/table-1/row-1")
    target = gdp["facts"][f"https://w3id.org/plankg/id/{PLAN}/part-2/chapter-3/box-2/table-1/row-1/target"]
    assert target[PKG + "printedText"] == ["770"]


def test_places_and_projects(server):
    places = get_json(server, "/places", limit=100)["items"]
    wusu = next(p for p in places if p["code"] == "654202")
    assert wusu["name"] == "乌苏市" and int(wusu["mentions"]) == 97
    assert any(p["name"] == "乌苏军民合用机场" for p in get_json(server, "/places/654202/projects", limit=500)["items"])
    transport = get_json(server, "/projects", sector="transport", limit=500)["items"]
    assert any(p["name"] == "塔城机场改扩建" for p in transport)
    text = get_json(server, "/projects", text="机场")["items"]
    assert {p["name"] for p in text} >= {"和布克赛尔机场", "乌苏军民合用机场"}
    pid = text[0]["project"].removeprefix("https://w3id.org/plankg/id/")
    assert get_json(server, f"/projects/{pid}")["iri"] == text[0]["project"]


def test_pagination(server):
    first = get_json(server, "/projects", limit=10, offset=0)
    second = get_json(server, "/projects", limit=10, offset=10)
    assert first["more"] and second["more"] and first["total"] is None  # read plan by plan: not counted
    assert first["items"] + second["items"] == get_json(server, "/projects", limit=20)["items"]
    assert {p["project"] for p in first["items"]}.isdisjoint({p["project"] for p in second["items"]})
    in_plan = get_json(server, "/projects", plan=PLAN, limit=10, offset=10)
    assert in_plan["total"] > 20 and in_plan["more"] and in_plan["items"] == second["items"]
    bad = httpx.get(server + "/projects", params={"limit": "-1"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_queries_search_audit_docs(server):
    names = [q["name"] for q in get_json(server, "/queries")]
    assert "county-projects" in names
    rows = get_json(server, "/queries/county-projects", code="654226")["items"]
    assert any(r["name"] == "和布克赛尔机场" for r in rows)
    missing = httpx.get(server + "/queries/county-projects")
    assert missing.status_code == 400 and "required" in missing.json()["detail"]
    hits = get_json(server, "/search", q="森林覆盖率")["items"]
    assert hits and all("森林覆盖率" in h["text"] for h in hits) and hits[0]["line"]
    audit = get_json(server, "/audit")
    # 4 violations: the fourth (农村安居富民工程, text 70376户 against the table's 〔70736〕) is docs/audit.md's.
    assert audit["summary"] == {"violation": 4, "warning": 4, "info": 21} and audit["source"] == "stored"  # plankg load stored each report
    assert httpx.get(server + "/docs").status_code == 200
    assert httpx.get(server + "/openapi.json").json()["info"]["title"] == "plankg"


def test_a_named_query_written_out_with_its_parameters(server):
    """The SPARQL page's editor gets the named query with its values, written from the parse tree."""
    r = httpx.get(server + "/queries/county-projects/sparql", params={"code": "654226"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-query")
    assert '"654226"' in r.text and "# param" not in r.text  # the value as a term; the header comments are gone
    ran = httpx.post(server + "/sparql", content=r.text.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}).json()
    names = {b["name"]["value"] for b in ran["results"]["bindings"]}
    assert "和布克赛尔机场" in names
    assert names == {r["name"] for r in get_json(server, "/queries/county-projects", code="654226")["items"]}
    bad = httpx.get(server + "/queries/county-projects/sparql", params={"code": "65422' OR '1"})
    assert bad.status_code == 400 and "GB/T 2260" in bad.json()["detail"]
    assert httpx.get(server + "/queries/county-projects/sparql").status_code == 400  # code is required
    assert httpx.get(server + "/queries/no-such-query/sparql").status_code == 404


# --- SPARQL 1.1 Protocol -------------------------------------------------------------------------

def test_query_by_get_post_form_and_direct(server):
    for r in (httpx.get(server + "/sparql", params={"query": GOALS}),
              httpx.post(server + "/sparql", data={"query": GOALS}),
              httpx.post(server + "/sparql", content=GOALS.encode(), headers={"Content-Type": "application/sparql-query"})):
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
        assert len(r.json()["results"]["bindings"]) == 5


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv, application/sparql-results+json;q=0.5", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_content_negotiation_for_results(server, accept, media):
    r = httpx.get(server + "/sparql", params={"query": GOALS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/trig",
                                    "application/rdf+xml"])
def test_construct_formats(server, accept):
    q = f"PREFIX pkg: <{PKG}> CONSTRUCT {{ ?g a pkg:Goal }} WHERE {{ GRAPH ?x {{ ?g a pkg:Goal }} }}"
    r = httpx.get(server + "/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    from rdflib import Dataset
    ds = Dataset()
    ds.parse(data=r.content, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                     "application/ld+json": "json-ld", "application/trig": "trig",
                                     "application/rdf+xml": "xml"}[accept])
    assert sum(len(g) for g in ds.graphs()) == 5


def test_protocol_errors(server):
    assert httpx.get(server + "/sparql", params={"query": GOALS}, headers={"Accept": "image/png"}).status_code == 406
    bad = httpx.get(server + "/sparql", params={"query": "SELEC ?x"})
    assert bad.status_code == 400 and "Expected" in bad.json()["detail"]
    assert httpx.put(server + "/sparql", content=b"x").status_code == 405
    assert httpx.post(server + "/sparql", content=GOALS.encode(), headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.post(server + "/sparql", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}).status_code == 400
    two = server + "/sparql?" + urllib.parse.urlencode([("query", GOALS), ("query", GOALS)])
    assert httpx.get(two).status_code == 400
    assert httpx.post(server + "/sparql").status_code == 415


def test_service_description(server):
    r = httpx.get(server + "/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "sd:SPARQL11Query" in r.text


def test_dataset_parameters(server):
    q = f"PREFIX pkg: <{PKG}> SELECT (COUNT(*) AS ?n) WHERE {{ ?g a pkg:Goal }}"
    plan_graph = f"https://w3id.org/plankg/graph/{PLAN}"
    n = lambda r: int(r.json()["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert n(httpx.get(server + "/sparql", params={"query": q, "default-graph-uri": plan_graph})) == 5
    assert n(httpx.get(server + "/sparql", params={"query": q, "default-graph-uri": "https://w3id.org/plankg/graph/vocabulary"})) == 0


def test_updates_need_the_token(server):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    headers = {"Content-Type": "application/sparql-update"}
    assert httpx.post(server + "/sparql", content=update.encode(), headers=headers).status_code == 403
    wrong = {**headers, "Authorization": "Bearer wrong"}
    assert httpx.post(server + "/sparql", content=update.encode(), headers=wrong).status_code == 403
    right = {**headers, "Authorization": "Bearer s3cret"}
    ask = {"query": "ASK { <urn:a> <urn:b> <urn:c> }"}
    assert httpx.get(server + "/sparql", params=ask).json()["boolean"] is False
    assert httpx.post(server + "/sparql", content=update.encode(), headers=right).status_code == 204
    assert httpx.get(server + "/sparql", params=ask).json()["boolean"] is True  # workers see the change
    undo = "DELETE DATA { <urn:a> <urn:b> <urn:c> }"
    assert httpx.post(server + "/sparql", data={"update": undo}, headers={"Authorization": "Bearer s3cret"}).status_code == 204
    assert httpx.post(server + "/sparql", content=b"INSERT GARBAGE", headers=right).status_code == 400


# --- safety -----------------------------------------------------------------------------------------

@pytest.fixture
def listener():
    with recording_server("text/turtle", b"<urn:x> <urn:y> <urn:z> .") as (url, hits):
        yield url, hits


def test_no_outbound_requests(server, listener):
    url, hits = listener
    service = httpx.get(server + "/sparql", params={"query": f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"})
    assert service.status_code == 403
    frm = httpx.get(server + "/sparql", params={"query": f"SELECT * FROM <{url}/g.ttl> WHERE {{ ?s ?p ?o }}"})
    assert frm.status_code == 200 and frm.json()["results"]["bindings"] == []
    named = httpx.get(server + "/sparql", params={"query": f"SELECT * FROM NAMED <{url}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"})
    assert named.status_code == 200
    load = httpx.post(server + "/sparql", content=f"LOAD <{url}/g.ttl>".encode(),
                      headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
    assert load.status_code == 403
    time.sleep(0.5)
    assert hits == []


def test_long_query_is_stopped_while_others_are_answered(server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result = {}

    def run_slow():
        started = time.monotonic()
        result["r"] = httpx.get(server + "/sparql", params={"query": slow}, timeout=60)
        result["s"] = time.monotonic() - started

    t = threading.Thread(target=run_slow)
    t.start()
    time.sleep(0.5)
    quick = httpx.get(server + "/plans", timeout=10)  # the other worker still answers
    assert quick.status_code == 200
    t.join(60)
    assert result["r"].status_code == 503 and "stopped" in result["r"].json()["detail"]
    assert result["s"] < 10
    assert httpx.get(server + "/healthz").status_code == 200  # and a fresh worker took its place


def test_row_cap_is_reported(server):
    q = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 500"
    r = httpx.get(server + "/sparql", params={"query": q})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 300
    assert r.headers["X-Result-Truncated"] == "rows>300"


def test_sparqlwrapper_gets_what_the_cli_gets(server, tmp_path):
    from SPARQLWrapper import JSON, SPARQLWrapper

    from plankg.graph.stores import RemoteStore
    from support import run_cli

    w = SPARQLWrapper(server + "/sparql")
    w.setQuery(get("goals").text)
    w.setReturnFormat(JSON)
    via_http = w.query().convert()
    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    via_cli = json.loads(run_cli("query", "goals", "--format", "json", env=env).stdout)
    strip = lambda res: [{k: v["value"] for k, v in b.items()} for b in res["results"]["bindings"]]  # noqa: E731
    assert strip(via_http) == strip(via_cli)
    assert RemoteStore(server + "/sparql").query(get("indicators").text)["results"]["bindings"]


# --- hostile SPARQL -----------------------------------------------------------------------------------

def _count_triples(server):
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    return int(httpx.get(server + "/sparql", params={"query": q}, timeout=30).json()["results"]["bindings"][0]["n"]["value"])


def test_hostile_queries_are_answered_within_limits(server):
    before = _count_triples(server)
    nested = "SELECT * WHERE " + "{ " * 300 + "?s ?p ?o" + " }" * 300
    huge = 'SELECT * WHERE { ?s ?p ?o FILTER(?o = "' + "长" * 300_000 + '") }'
    paths = "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x>)*/(!<urn:y>)* ?o }"
    product = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    for q in (nested, huge, paths, product):
        started = time.monotonic()
        r = httpx.post(server + "/sparql", data={"query": q}, timeout=60)
        assert r.status_code in (200, 400, 413, 503), (q[:60], r.status_code, r.text[:200])
        assert time.monotonic() - started < 30  # the 3 s limit, plus parsing and a worker restart
        if r.status_code != 200:
            assert r.headers["content-type"] == "application/problem+json"
    assert httpx.get(server + "/healthz").status_code == 200
    assert _count_triples(server) == before  # nothing lost


def test_many_concurrent_requests_on_loopback(server):
    import asyncio

    before = _count_triples(server)

    async def flood(n=400, at_once=100):
        sem = asyncio.Semaphore(at_once)
        codes = []
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=at_once)) as client:
            async def one(i):
                async with sem:
                    path = "/plans" if i % 2 else "/sparql"
                    params = {} if i % 2 else {"query": GOALS}
                    codes.append((await client.get(server + path, params=params)).status_code)
            await asyncio.gather(*(one(i) for i in range(n)))
        return codes

    started = time.monotonic()
    codes = asyncio.run(flood())
    assert time.monotonic() - started < 120
    assert set(codes) <= {200, 503} and codes.count(200) > len(codes) // 2
    assert httpx.get(server + "/healthz").status_code == 200
    assert _count_triples(server) == before


# --- issue 17: the dataset is the engine's, never a text rewrite ----------------------------------------

def _count(server, query, **params):
    r = httpx.get(server + "/sparql", params={"query": query, **params}, timeout=60)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_comments_and_strings_are_not_dataset_clauses(server):
    union = _count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert union > 50_000  # the sample plan and the vocabulary
    # A comment holding FROM <…> used to switch the union default graph off (0 rows).
    assert _count(server, "SELECT (COUNT(*) AS ?n) WHERE { # FROM <urn:x>\n ?s ?p ?o }") == union
    # FROM with a prefixed name is a FROM.
    vocabulary = _count(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/plankg/graph/vocabulary> { ?s ?p ?o } }")
    prefixed = "PREFIX g: <https://w3id.org/plankg/graph/> SELECT (COUNT(*) AS ?n) FROM g:vocabulary WHERE { ?s ?p ?o }"
    assert 0 < _count(server, prefixed) == vocabulary < union
    # default-graph-uri no longer edits string literals.
    q = 'SELECT ?x WHERE { BIND("copied FROM <here> verbatim WHERE {" AS ?x) }'
    r = httpx.get(server + "/sparql", params={"query": q, "default-graph-uri": "urn:x"})
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "copied FROM <here> verbatim WHERE {"
    # The protocol's dataset replaces the query's FROM.
    plan_graph = f"https://w3id.org/plankg/graph/{PLAN}"
    assert _count(server, prefixed, **{"default-graph-uri": plan_graph}) == _count(
        server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{plan_graph}> {{ ?s ?p ?o }} }}")


def test_describe_without_where_and_relative_iris(server):
    plan = f"https://w3id.org/plankg/id/{PLAN}"
    r = httpx.get(server + "/sparql", params={"query": f"DESCRIBE <{plan}>",
                                              "default-graph-uri": f"https://w3id.org/plankg/graph/{PLAN}"},
                  headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and f"<{plan}>" in r.text
    r = httpx.get(server + "/sparql", params={"query": "SELECT ?x WHERE { BIND(<relative> AS ?x) }"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"] == server + "/relative"  # the endpoint is the base


def test_every_error_is_problem_details(server):
    for path, params in (("/projects", {"limit": "²"}), ("/projects", {"offset": "٣"}),
                         ("/indicators", {"binding": "maybe"}), ("/search", {}), ("/no/such/route", {})):
        r = httpx.get(server + path, params=params)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert r.headers["content-type"] == "application/problem+json", (path, r.text)
        assert r.json()["status"] == r.status_code
    assert httpx.get(server + "/no/such/route").status_code == 404


def test_only_a_bearer_token_authorises_updates(server):
    update = b"INSERT DATA { <urn:t> <urn:t> <urn:t> }"
    for header in ("s3cret", "Basic s3cret", "Bearers3cret", "bearer  wrong"):
        r = httpx.post(server + "/sparql", content=update,
                       headers={"Content-Type": "application/sparql-update", "Authorization": header})
        assert r.status_code == 403, header
    assert httpx.get(server + "/sparql", params={"query": "ASK { <urn:t> <urn:t> <urn:t> }"}).json()["boolean"] is False


def test_conflicting_update_dataset_is_refused(server):
    update = b"WITH <urn:g> DELETE { ?s <urn:p> 1 } WHERE { ?s <urn:p> 1 }"
    r = httpx.post(server + "/sparql?using-named-graph-uri=urn:h", content=update,
                   headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    # DELETE WHERE has no USING the parameters could stand for: refused, never applied with the dataset ignored.
    r = httpx.post(server + "/sparql?using-graph-uri=urn:h", content=b"DELETE WHERE { ?s <urn:q> 1 }",
                   headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
    assert r.status_code == 501 and r.headers["content-type"] == "application/problem+json"
    assert "DELETE WHERE" in r.json()["detail"]


def test_request_bodies_are_limited(server):
    big = b"x" * 3_000_000  # the default limit is 2 MB
    for path in ("/sparql", "/plans", "/nowhere"):
        r = httpx.post(server + path, content=big, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json", path

    def chunks():  # no Content-Length: counted while it streams in
        for _ in range(30):
            yield b"#" * 100_000

    r = httpx.post(server + "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert httpx.get(server + "/plans").status_code == 200


# --- issue 17: the event loop never waits, the pool never wedges ------------------------------------------

def test_healthz_never_waits_behind_queries(server):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    values = "SELECT * WHERE { VALUES (?a ?b) { " + " ".join(f'("v{i}" <urn:x{i}>)' for i in range(1500)) + " } }"
    threads = [threading.Thread(target=lambda q=q: httpx.post(server + "/sparql", data={"query": q}, timeout=90))
               for q in [slow] * 5 + [values]]
    for t in threads:
        t.start()
    time.sleep(1)
    waits = []
    for _ in range(10):
        started = time.monotonic()
        assert httpx.get(server + "/healthz", timeout=10).status_code == 200
        waits.append(time.monotonic() - started)
        time.sleep(0.1)
    for t in threads:
        t.join(120)
    assert max(waits) < 1.0, waits  # the event loop answers; the queries wait in workers


@pytest.fixture(scope="module")
def small_pool(tmp_path_factory):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path_factory.mktemp("store")), "PLANKG_WRITE_TOKEN": "s3cret"}
    proc, base = start_server(env, "--query-timeout", "4", "--max-concurrent", "2", "--queue-wait", "1")
    httpx.get(base + "/audit", timeout=600)  # the audit computed at start is done: every worker is idle
    yield base, proc
    proc.terminate()
    proc.wait(timeout=20)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _in_background(fn):
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", fn()))
    t.start()
    return t, out


def test_update_during_a_slow_query_does_not_wedge_the_pool(small_pool):
    base, _ = small_pool
    t, out = _in_background(lambda: httpx.get(base + "/sparql", params={"query": SLOW}, timeout=60))
    time.sleep(0.5)
    update = httpx.post(base + "/sparql", content=b"INSERT DATA { <urn:w> <urn:w> <urn:w> }", timeout=60,
                        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
    assert update.status_code == 503  # it could not have both workers within the 1 s queue wait
    t.join(60)
    assert out["r"].status_code == 503  # the slow query, stopped at 4 s
    # Before the fix every request answered 503 from here on: the update kept the slot it had taken.
    codes = []
    both = [_in_background(lambda: httpx.get(base + "/sparql", params={"query": GOALS}, timeout=60))
            for _ in range(2)]
    for t, o in both:
        t.join(60)
        codes.append(o["r"].status_code)
    assert codes == [200, 200]
    again = httpx.post(base + "/sparql", content=b"INSERT DATA { <urn:w> <urn:w> <urn:w> }", timeout=60,
                       headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer s3cret"})
    assert again.status_code == 204
    assert httpx.get(base + "/sparql", params={"query": "ASK { <urn:w> <urn:w> <urn:w> }"}).json()["boolean"] is True


def _workers(server_pid: int) -> list[int]:
    """The query workers: children of the forkserver, itself a child of the server."""
    def children(pid):
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                            out.append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        return out

    forkservers = [c for c in children(server_pid) if b"forkserver" in open(f"/proc/{c}/cmdline", "rb").read()]
    return [w for f in forkservers for w in children(f)]


def test_killed_workers_give_503_and_are_replaced(small_pool):
    import signal

    base, proc = small_pool
    assert httpx.get(base + "/plans", timeout=60).status_code == 200
    t, out = _in_background(lambda: httpx.get(base + "/sparql", params={"query": SLOW}, timeout=60))
    time.sleep(1)
    for pid in _workers(proc.pid):
        os.kill(pid, signal.SIGKILL)  # the busy one and the idle one
    t.join(60)
    assert out["r"].status_code == 503 and out["r"].headers["content-type"] == "application/problem+json"
    assert "stopped" in out["r"].json()["detail"]
    for _ in range(4):  # each slot holds a fresh worker before the next query
        assert httpx.get(base + "/plans", timeout=60).status_code == 200
        assert httpx.get(base + "/sparql", params={"query": GOALS}, timeout=60).status_code == 200
    health = httpx.get(base + "/healthz").json()
    assert health["idle"] == health["workers"] == 4  # two for /sparql, two for the REST API


def test_cancelled_requests_give_their_worker_back(small_pool):
    base, _ = small_pool
    for _ in range(3):  # clients that hang up while their query runs
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(base + "/sparql", params={"query": SLOW}, timeout=0.5)
    time.sleep(5)  # the 4 s limit stops those queries
    assert httpx.get(base + "/plans", timeout=60).status_code == 200
    health = httpx.get(base + "/healthz").json()
    assert health["idle"] == health["workers"] == 4


def test_serve_from_a_folder_holding_a_plankg_folder(tmp_path):
    import sys
    from pathlib import Path

    (tmp_path / "plankg").mkdir()  # e.g. a data folder: Python reads it as a namespace package named plankg
    (tmp_path / "plankg" / "notes.txt").write_text("not code\n")
    plankg = Path(sys.executable).parent / "plankg"
    if not plankg.exists():
        pytest.skip("the plankg console script is not installed beside this Python")
    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    proc, base = start_server(env, cwd=str(tmp_path), command=[str(plankg)])
    try:
        assert httpx.get(base + "/plans", timeout=120).status_code == 200  # answered by a worker
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# --- bounded memory ------------------------------------------------------------------------------------

def test_parse_cache_is_bounded_in_bytes():
    from plankg.queries.checks import ByteBoundedCache

    cache = ByteBoundedCache(limit=100_000)
    for i in range(1000):
        cache.put(f"key-{i}".encode(), "v" * 500)
    assert cache.size <= 100_000 and 0 < len(cache) < 1000
    assert cache.get(b"key-999") is not None and cache.get(b"key-0") is None  # the oldest went first
    cache.put(b"huge", "x" * 200_000)  # larger than the whole cache: not kept
    assert cache.get(b"huge") is None


def test_row_cap_stops_reading_the_engine(tmp_path):
    from plankg.api.jobs import Runner
    from plankg.graph.stores import OxigraphStore

    store = OxigraphStore(tmp_path / "store")
    store.store.update("INSERT DATA { " + " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(1000)) + " }")
    runner = Runner(None, {"max_rows": 10})
    answer = store.answer("SELECT ?s WHERE { ?s ?p ?o }")
    read = []
    answer.rows = (read.append(row) or row for row in answer.rows)
    res, truncated = runner._capped(answer)
    assert truncated and len(res["results"]["bindings"]) == 10
    assert len(read) == 11  # cap + 1, not the 1000 rows the engine would give


def test_audit_reads_the_stored_report(tmp_path):
    """The contract of docs/http.md: the report of plan graph G stored as the named graph G/audit is read,
    not recomputed; its findings are those of the audit itself."""
    from rdflib import URIRef

    from plankg import sample_plan_path
    from plankg.graph.audit import audit_dataset
    from plankg.graph.stores import OxigraphStore
    from support import run_cli

    env = {**os.environ, "PLANKG_STORE": str(tmp_path / "store")}
    assert run_cli("load", str(sample_plan_path()), env=env).returncode == 0
    store = OxigraphStore(tmp_path / "store")
    from rdflib import Dataset

    ds = Dataset()
    for g in store.graphs():
        graph = ds.graph(URIRef(g))
        graph += store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    result = audit_dataset(ds)
    # `plankg load` stored the report beside the plan (docs/model.md): the service must read it, not recompute.
    assert f"https://w3id.org/plankg/graph/{PLAN}/audit" in store.graphs()
    store.close()
    proc, base = start_server(env, "--query-timeout", "20")
    try:
        started = time.monotonic()
        audit = get_json(base, "/audit")
        assert audit["source"] == "stored" and time.monotonic() - started < 10
        # 4 violations: the fourth (农村安居富民工程, text 70376户 against the table's 〔70736〕) is docs/audit.md's.
        assert audit["summary"] == {"violation": 4, "warning": 4, "info": 21}
        assert sorted((f["severity"], f["entity"]) for f in audit["findings"]) == sorted(
            (f.severity, f.entity) for f in result.findings)
        # Every cell and phrase of each finding, as the audit gave them (the web page highlights each one).
        assert sorted((f["rule"], f["entity"], json.dumps(f["spans"])) for f in audit["findings"]) == sorted(
            (f.rule, f.entity, json.dumps([s.as_json() for s in f.spans])) for f in result.findings)
        assert all(f["spans"][0]["line"] for f in audit["findings"] if f["severity"] == "violation")
        assert get_json(base, "/plans")["total"] == 1  # the report graph is no plan
    finally:
        proc.terminate()
        proc.wait(timeout=20)
