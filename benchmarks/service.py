"""The HTTP service under load: /healthz and a named query, timed while 8 clients send slow queries, large
bodies and /audit; the same mix against rdflib-endpoint serving the same graph, side by side.

    .venv/bin/pip install -q -e '.[bench]'          # rdflib-endpoint, the baseline
    .venv/bin/python benchmarks/service.py [--seconds 20]

Only 127.0.0.1 is contacted; every client stops at the deadline or after --max-requests, and every request
has a timeout, so a run is bounded in count and time. rdflib-endpoint has no /audit: its share of the mix is
the CONSTRUCT of the whole graph that the old /audit made (and it has no /healthz: a trivial ASK stands in).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from common import free_port, wait_until_up

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
BIG_BODY = "ASK {} #" + "x" * 1_500_000  # under plankg's 2 MB body limit: it is read, parsed and answered
HUGE_BODY = b"#" * 3_000_000  # over it: refused with 413 before it is read whole
RDFLIB_ENDPOINT = r"""
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="trig")
uvicorn.run(SparqlEndpoint(graph=ds, path="/sparql"), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def run_mix(base: str, probes: dict, attacks: list, seconds: float, max_requests: int) -> dict:
    """8 attacking clients and one client per probe, until the deadline; latencies of the probes."""
    deadline = time.monotonic() + seconds
    latencies: dict = {name: [] for name in probes}
    failures: dict = {name: 0 for name in probes}
    codes: list = []

    def attacker(i: int):
        with httpx.Client(timeout=60) as client:
            for n in range(max_requests):
                if time.monotonic() > deadline:
                    return
                method, path, kwargs = attacks[(i + n) % len(attacks)]
                try:
                    codes.append(client.request(method, base + path, **kwargs).status_code)
                except httpx.HTTPError:
                    codes.append("timeout")

    def prober(name: str):
        method, path, kwargs = probes[name]
        with httpx.Client(timeout=60) as client:
            for _ in range(max_requests):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    ok = client.request(method, base + path, **kwargs).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies[name].append(time.perf_counter() - started)
                failures[name] += not ok
                time.sleep(0.1)

    threads = [threading.Thread(target=attacker, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=prober, args=(name,)) for name in probes]
    for t in threads:
        t.start()
    time.sleep(1)
    for t in threads:
        t.join(seconds + 120)
    return {"latencies": latencies, "failures": failures, "attacks": len(codes)}


def report(label: str, result: dict) -> None:
    for name, lat in result["latencies"].items():
        print(f"{label:16} {name:34} p50 {_percentile(lat, 0.5) * 1000:8.1f} ms   p99 {_percentile(lat, 0.99) * 1000:8.1f} ms"
              f"   ({len(lat)} requests, {result['failures'][name]} failed)")
    print(f"{label:16} attacking requests sent: {result['attacks']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=200, help="per client")
    args = parser.parse_args()
    from plankg.queries.named import get

    goals = get("goals").text  # a named query without parameters: the same text for both servers
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PLANKG_STORE": str(Path(tmp) / "store")}
        trig = Path(tmp) / "plan.trig"
        subprocess.run([sys.executable, "-m", "plankg", "build", "-o", str(trig)], env=env, check=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "plankg", "serve", "--port", str(port),
                                   "--query-timeout", "5", "--max-concurrent", "2"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        baseline = None
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz", 240)
            httpx.get(base + "/audit", timeout=600)  # the first audit is computed once, then kept
            attacks = [("POST", "/sparql", {"data": {"query": SLOW}}),
                       ("POST", "/sparql", {"content": BIG_BODY.encode(),
                                            "headers": {"Content-Type": "application/sparql-query"}}),
                       ("POST", "/sparql", {"content": HUGE_BODY,
                                            "headers": {"Content-Type": "application/sparql-query"}}),
                       ("GET", "/audit", {})]
            probes = {"/healthz": ("GET", "/healthz", {}),
                      "named query goals (/goals)": ("GET", "/goals", {})}
            report("plankg", run_mix(base, probes, attacks, args.seconds, args.max_requests))
        finally:
            server.terminate()
            server.wait(timeout=30)
        try:
            import rdflib_endpoint  # noqa: F401
        except ImportError:
            print("rdflib-endpoint is not installed (pip install '.[bench]'): no baseline")
            return
        bport = free_port()
        baseline = subprocess.Popen([sys.executable, "-c", RDFLIB_ENDPOINT, str(trig), str(bport)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bbase = f"http://127.0.0.1:{bport}"
            wait_until_up(bbase + "/sparql?query=ASK%7B%7D", 240)
            attacks = [("POST", "/sparql", {"data": {"query": SLOW}}),
                       ("POST", "/sparql", {"content": BIG_BODY.encode(),
                                            "headers": {"Content-Type": "application/sparql-query"}}),
                       ("POST", "/sparql", {"content": HUGE_BODY,
                                            "headers": {"Content-Type": "application/sparql-query"}}),
                       ("POST", "/sparql", {"data": {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                                            "headers": {"Accept": "text/turtle"}})]
            probes = {"ASK {} (no /healthz)": ("GET", "/sparql", {"params": {"query": "ASK {}"}}),
                      "named query goals (/sparql)": ("GET", "/sparql", {"params": {"query": goals}})}
            report("rdflib-endpoint", run_mix(bbase, probes, attacks, args.seconds, args.max_requests))
        finally:
            baseline.kill()  # its slow queries never end: nothing stops them
            baseline.wait(timeout=30)


if __name__ == "__main__":
    main()
