"""The HTTP service, started for real (uvicorn on a loopback port), exercised over HTTP."""

import http.server
import json
import os
import threading
import time
import urllib.parse

import httpx
import pytest

from plankg.queries.named import get

from support import start_server

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
    assert get_json(server, "/indicators")["total"] == 38
    binding = get_json(server, "/indicators", binding="true", limit=100)
    assert binding["total"] == 22
    ecology = get_json(server, "/indicators", category="生态文明", binding="true")
    assert ecology["total"] == 12
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
    assert first["total"] == second["total"] > 20
    assert {p["project"] for p in first["items"]}.isdisjoint({p["project"] for p in second["items"]})
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
    assert audit["summary"] == {"violation": 3, "warning": 4, "info": 21}
    assert httpx.get(server + "/docs").status_code == 200
    assert httpx.get(server + "/openapi.json").json()["info"]["title"] == "plankg"


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


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/trig"])
def test_construct_formats(server, accept):
    q = f"PREFIX pkg: <{PKG}> CONSTRUCT {{ ?g a pkg:Goal }} WHERE {{ GRAPH ?x {{ ?g a pkg:Goal }} }}"
    r = httpx.get(server + "/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    from rdflib import Dataset
    ds = Dataset()
    ds.parse(data=r.content, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                     "application/ld+json": "json-ld", "application/trig": "trig"}[accept])
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
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"<urn:x> <urn:y> <urn:z> .")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}", hits
    srv.shutdown()


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
