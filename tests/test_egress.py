"""No egress: a tripwire HTTP server records any request, while obfuscated SERVICE queries, dataset parameters
and updates are thrown at a real `plankg serve` (embedded store, and a graph file served by rdflib)."""

import itertools
import os
import time

import httpx
import pytest

from support import recording_server, start_server

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def tripwire():
    answer = b'{"head":{"vars":["leak"]},"results":{"bindings":[{"leak":{"type":"literal","value":"LEAKED"}}]}}'
    with recording_server("application/sparql-results+json", answer) as (url, hits):
        yield url, hits


@pytest.fixture(scope="module", params=["oxigraph", "file"])
def server(request, tmp_path_factory):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path_factory.mktemp("store")), "PLANKG_WRITE_TOKEN": TOKEN}
    args = ["--query-timeout", "10", "--max-concurrent", "2"]
    if request.param == "file":
        from plankg import sample_plan_path
        from support import run_cli

        graph = tmp_path_factory.mktemp("graph") / "plan.trig"
        assert run_cli("build", str(sample_plan_path()), "-o", str(graph), env=env).returncode == 0
        args += ["--graph", str(graph)]
    proc, base = start_server(env, *args)
    httpx.get(base + "/audit", timeout=600)  # the audit computed at start is done: both workers are free
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def corpus(url: str) -> list[str]:
    """SERVICE written every way we could think of; each one must be refused or run without a request."""
    svc = f"<{url}/x>"
    escaped_keyword = "SERV\\u0049CE"  # \\u escapes are expanded before parsing
    escaped_iri = "<" + url.replace("127.0.0.1", "127.0.0.\\u0031") + "/x>"
    shapes = [
        f"SELECT ?leak WHERE {{ SERVICE {svc} {{ ?leak ?b ?c }} }}",
        f"select ?leak where {{ sErViCe {svc} {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ SERVICE SILENT {svc} {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ {escaped_keyword} {svc} {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ SERVICE {escaped_iri} {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ FILTER EXISTS {{ SERVICE {svc} {{ ?leak ?b ?c }} }} }}",
        f"SELECT ?leak WHERE {{ {{ SELECT ?leak WHERE {{ SERVICE {svc} {{ ?leak ?b ?c }} }} }} }}",
        f"SELECT ?leak WHERE {{ BIND({svc} AS ?u) SERVICE ?u {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ VALUES ?u {{ {svc} }} SERVICE ?u {{ ?leak ?b ?c }} }}",
        f"ASK {{ SERVICE {svc} {{ ?leak ?b ?c }} }}",
        f"CONSTRUCT {{ ?leak ?b ?c }} WHERE {{ SERVICE {svc} {{ ?leak ?b ?c }} }}",
        f"SELECT ?leak WHERE {{ OPTIONAL {{ SERVICE {svc} {{ ?leak ?b ?c }} }} }}",
        f"SELECT ?leak WHERE {{ {{ }} UNION {{ SERVICE {svc} {{ ?leak ?b ?c }} }} MINUS {{ SERVICE {svc} {{ ?x ?y ?z }} }} }}",
        # Comments and strings that hide, or look like, a SERVICE or a FROM (what a text rewrite trips on).
        f'SELECT ?leak WHERE {{ BIND("FROM <x> SERVICE {svc} {{ }}" AS ?leak) }}',
        f"SELECT ?leak WHERE {{ # FROM <x>\n SERVICE {svc} {{ ?leak ?b ?c }} }}",
        # The exact query of issue 17: a comment that a FROM-stripping regex used to uncomment.
        f"SELECT ?leak WHERE {{ FILTER(COALESCE(?FROM < 3, true)) # >x, true)) SERVICE {svc} {{ ?leak ?b ?c }}\n}}",
        f"SELECT ?leak FROM <urn:x> WHERE {{ FILTER(COALESCE(?FROM < 3, true)) # >x, true)) SERVICE {svc} {{ ?leak ?b ?c }}\n}}",
        f"SELECT ?leak FROM {svc} FROM NAMED {svc} WHERE {{ GRAPH ?g {{ ?leak ?b ?c }} }}",
    ]
    return shapes


DATASETS = [{}, {"default-graph-uri": "urn:x"}, {"named-graph-uri": "urn:x"},
            {"default-graph-uri": "urn:x", "named-graph-uri": "urn:y"}]


def test_no_query_reaches_the_network(server, tripwire):
    url, hits = tripwire
    seen = []
    for query, dataset, how in itertools.product(corpus(url), DATASETS, ("get", "form", "direct")):
        if how == "get":
            r = httpx.get(server + "/sparql", params={"query": query, **dataset}, timeout=60)
        elif how == "form":
            r = httpx.post(server + "/sparql", data={"query": query, **dataset}, timeout=60)
        else:
            r = httpx.post(server + "/sparql", params=dataset, content=query.encode(),
                           headers={"Content-Type": "application/sparql-query"}, timeout=60)
        assert r.status_code in (200, 400, 403), (query, dataset, r.status_code, r.text[:300])
        assert "LEAKED" not in r.text, (query, dataset)
        seen.append(r.status_code)
    time.sleep(0.5)
    assert hits == []
    assert seen.count(403) > len(seen) // 2  # most are refused after parsing, before any engine runs


def test_issue_query_is_answered_without_a_request(server, tripwire):
    """Issue 17's probe: the SERVICE sits in a comment, so it is no SERVICE: answered, nothing fetched."""
    url, hits = tripwire
    q = f"SELECT ?leak WHERE {{ FILTER(COALESCE(?FROM < 3, true)) # >x, true)) SERVICE <{url}/x> {{ ?leak ?b ?c }}\n}}"
    r = httpx.post(server + "/sparql?default-graph-uri=urn:x", content=q.encode(),
                   headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"] in ([{}], [])  # one empty solution (rdflib gives none: its quirk)
    time.sleep(0.3)
    assert hits == []


def test_updates_cannot_fetch(server, tripwire):
    url, hits = tripwire
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    for update in (f"LOAD <{url}/g.ttl>", f"load silent <{url}/g.ttl> INTO GRAPH <urn:g>",
                   f"INSERT {{ GRAPH <urn:g> {{ ?leak ?b ?c }} }} WHERE {{ SERVICE <{url}/x> {{ ?leak ?b ?c }} }}",
                   f"LO\\u0041D <{url}/g.ttl>"):
        r = httpx.post(server + "/sparql", content=update.encode(), headers=headers, timeout=60)
        assert r.status_code in (400, 403, 501), (update, r.status_code, r.text[:200])
    time.sleep(0.3)
    assert hits == []


def test_worker_has_no_network(tmp_path, tripwire):
    """The wall behind the parser: after drop_network(), even Oxigraph's own SERVICE client reaches nothing."""
    import subprocess
    import sys

    url, hits = tripwire
    script = f"""
import pyoxigraph
from plankg.api import egress
print(egress.drop_network())
try:
    print(list(pyoxigraph.Store().query("SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}")))
except Exception as exc:
    print("refused", type(exc).__name__)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    mechanism, result = out.stdout.splitlines()[:2]
    assert mechanism in ("network namespace", "user and network namespace"), out.stdout + out.stderr
    assert result.startswith("refused"), result
    time.sleep(0.3)
    assert hits == []


def test_the_tripwire_works(tripwire):
    """Without the wall, the same engine call does reach the tripwire: the test above can fail."""
    import pyoxigraph

    url, hits = tripwire
    before = len(hits)
    try:
        list(pyoxigraph.Store().query(f"SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}"))
    except Exception:
        pass
    assert len(hits) == before + 1
    hits.pop()
