"""Helpers shared by the tests: where the real plans are, and running the real CLI."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The plans folder sits beside the checkout (../shared/plans); PLANKG_PLANS overrides it.
PLANS = Path(os.environ.get("PLANKG_PLANS", REPO.parent / "shared" / "plans"))


def shared_plan(name: str) -> Path:
    path = PLANS / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared plans folder is not beside this checkout")
    return path


def read_only_store(path, trig: str):
    """A hand-written TriG dataset written to an embedded store at ``path``, opened again read-only."""
    from rdflib import Dataset

    from plankg.graph.stores import OxigraphStore

    ds = Dataset()
    ds.parse(data=trig, format="trig")
    writer = OxigraphStore(path)
    writer.load_dataset(ds)
    writer.close()
    return OxigraphStore(path, read_only=True)


def run_cli(*args: str, input: bytes | None = None, cwd: str | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``plankg`` command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "plankg", *args], capture_output=True, input=input,
                          cwd=cwd, env=env, timeout=timeout)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, *args: str, cwd: str | None = None,
                 command: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``plankg serve`` for real on a free loopback port and wait until it answers /healthz."""
    import tempfile
    import time

    import httpx

    port = free_port()
    command = command or [sys.executable, "-m", "plankg"]
    # The access log goes to a file: a pipe nobody reads fills up and stops the server mid-test.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([*command, "serve", "--port", str(port), *args], env=env, cwd=cwd,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    log.seek(0)
    pytest.fail("the server did not start: " + log.read().decode(errors="replace")[-2000:])


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:  # still busy with a request (an audit): stop it
        proc.kill()
        proc.wait(timeout=20)


def two_plan_store(directory: Path) -> dict:
    """An embedded store in ``directory`` holding the sample and the national 14th plan, loaded by the real
    CLI; returns the environment that points plankg at it."""
    env = {**os.environ, "PLANKG_STORE": str(directory)}
    subprocess.run([sys.executable, "-m", "plankg", "load"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "plankg", "load", str(shared_plan("national-14th.md"))], env=env,
                   check=True, capture_output=True)
    return env


# Named queries written for the web views and Linked Data pages, which the service runs on Oxigraph
# (tests/test_web.py, tests/test_linked_data.py). rdflib's evaluator takes minutes on some of them
# (goal-projects-view, places-scale joins), so the cross-store agreement tests leave them out.
# Their answers on Virtuoso are checked against Oxigraph's in tests/test_remote_binding.py; on rdflib, not yet.
VIEW_QUERIES = frozenset({"describe", "links-in", "goal-projects-view", "indicator-view", "project-list",
                          "restatements", "sectors", "text-view"})


@contextmanager
def recording_server(content_type: str, body: bytes):
    """A real HTTP server on a free port that answers every GET and POST with ``body`` and records each
    request's path: a tripwire for requests plankg must never make. Yields (its URL, the paths)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET  # any method is a request made

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}", hits
    finally:
        srv.shutdown()
        srv.server_close()
