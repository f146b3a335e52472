"""The service's fast path (issue 19), on a real server: the access log as a plain ASGI middleware, and
jobs and answers crossing the workers' pipes as asyncio streams (large ones, and many at once)."""

import asyncio
import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from support import free_port


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory):
    """``plankg serve`` on the sample, its log written to a file the tests read."""
    folder = tmp_path_factory.mktemp("fastpath")
    log = open(folder / "serve.log", "wb")
    port = free_port()
    env = {**os.environ, "PLANKG_STORE": str(folder / "store")}
    proc = subprocess.Popen([sys.executable, "-m", "plankg", "serve", "--port", str(port), "--max-concurrent", "2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + (folder / "serve.log").read_text(errors="replace")[-2000:])
    yield base, folder / "serve.log"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def _log_lines(path) -> list[dict]:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_access_log_has_a_line_for_every_answer(logged_server):
    base, log = logged_server
    marker = f"/nowhere-{time.time_ns()}"
    assert httpx.get(base + "/goals", params={"plan": "654200-fyp13"}, timeout=120).status_code == 200
    assert httpx.get(base + "/plans/no-such-plan/outline", timeout=120).status_code == 404
    assert httpx.post(base + "/sparql", content=b"x" * 3_000_000,
                      headers={"Content-Type": "application/sparql-query"}).status_code == 413  # refused by BodyLimit
    assert httpx.get(base + marker).status_code == 404
    for _ in range(50):  # the log is written as each answer goes out; wait for the last one's line
        entries = _log_lines(log)
        if any(e["path"] == marker for e in entries):
            break
        time.sleep(0.1)
    seen = {(e["method"], e["path"]): e for e in entries}
    assert seen[("GET", "/goals")]["status"] == 200
    assert seen[("GET", "/plans/no-such-plan/outline")]["status"] == 404
    assert seen[("POST", "/sparql")]["status"] == 413
    assert seen[("GET", marker)]["status"] == 404
    for e in seen.values():
        assert e["client"] == "127.0.0.1" and isinstance(e["ms"], (int, float)) and e["ms"] >= 0


def test_a_large_query_and_its_large_answer_cross_the_pipe(logged_server):
    base, _ = logged_server
    # 3000 strings of 100 characters: a query of over 300 kB (more than a pipe holds: the job is sent as the
    # worker reads it) and an answer of over 256 kB (unpickled in a pool thread, not on the event loop).
    words = [f"w{i:05d}-" + "长" * 93 for i in range(3000)]
    values = " ".join(f'"{w}"' for w in words)
    query = f"SELECT ?w WHERE {{ VALUES ?w {{ {values} }} }} ORDER BY ?w"
    assert len(query.encode()) > 300_000
    r = httpx.post(base + "/sparql", content=query.encode(), timeout=120,
                   headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text[:300]
    assert len(r.content) > 256 * 1024
    assert [b["w"]["value"] for b in r.json()["results"]["bindings"]] == sorted(words)
    health = httpx.get(base + "/healthz").json()
    assert health["idle"] == health["workers"]


def test_many_answers_at_once_each_reach_its_own_request(logged_server):
    base, _ = logged_server

    async def ask_all(n=60):
        async with httpx.AsyncClient(timeout=120) as client:
            async def one(i):
                r = await client.get(base + "/sparql", params={"query": f'SELECT ?n WHERE {{ BIND("n{i}" AS ?n) }}'},
                                     headers={"Accept": "application/sparql-results+json"})
                return i, r.status_code, r.json()["results"]["bindings"][0]["n"]["value"] if r.status_code == 200 else None
            return await asyncio.gather(*(one(i) for i in range(n)))

    for i, status, value in asyncio.run(ask_all()):
        assert status == 200 and value == f"n{i}"
