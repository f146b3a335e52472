"""plankg benchmarks: medians and ratios, each measured side by side with its baseline in the same run.

    .venv/bin/pip install -q -e '.[bench]'         # rdflib-endpoint, the HTTP baseline
    .venv/bin/python benchmarks/run.py            # the default sizes (about 5 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --full     # adds the 1000-plan corpus

Prints a Markdown table; benchmarks/RESULTS.md keeps the figures of a recorded run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plankg import sample_plan_path
from plankg.extraction import read_plan, segment
from plankg.extraction.pipeline import process
from plankg.graph.audit import audit_dataset
from plankg.graph.build import build_dataset
from plankg.graph.io import serialize
from plankg.graph.stores import OxigraphStore, RdflibStore
from plankg.queries.named import catalogue

ROWS: list[tuple[str, str, str, str]] = []
SAMPLES = {"goal": "https://w3id.org/plankg/id/654200-fyp13/part-2/chapter-3/goal-2", "code": "654202",
           "sector": "sector:water", "plan": "https://w3id.org/plankg/id/654200-fyp13",
           "entity": "https://w3id.org/plankg/id/654200-fyp13/annex-2/project-3", "needle": "森林覆盖率"}


def median_time(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(what: str, value: float, baseline: float | None = None, note: str = "") -> None:
    ratio = f"{value / baseline:.2f}×" if baseline else ""
    ROWS.append((what, f"{value * 1000:.1f} ms", ratio, note))
    print(f"{what:60} {value * 1000:10.1f} ms {ratio:>8} {note}", flush=True)


def extraction() -> None:
    source = read_plan(sample_plan_path())
    tk = segment.tokenizer()
    floor = median_time(lambda: tk.lcut(source.text), 3)
    full = median_time(lambda: process(read_plan(sample_plan_path())), 3)
    row("extraction of the sample (read + all components)", full, floor, "baseline: jieba alone on the same text")
    row("  jieba floor: segmenting the sample", floor)
    prof = cProfile.Profile()
    prof.enable()
    process(read_plan(sample_plan_path()))
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"plankg|extraction|jieba", 12)
    print("\n  where extraction time goes (cumulative, top entries):")
    for line in out.getvalue().splitlines():
        if re.search(r"(extraction|jieba)/.*\(", line):
            print("   ", line.strip()[:150])


def graph_and_store(tmp: Path):
    doc = process(read_plan(sample_plan_path()))
    build = median_time(lambda: build_dataset([doc]), 3)
    ds = build_dataset([doc])
    ser = median_time(lambda: serialize(ds, "nq"), 3)
    row("graph build of the sample", build)
    row("serialise it as N-Quads", ser)
    store = OxigraphStore(tmp / "bench-store")
    load = median_time(lambda: store.load_dataset(ds), 3)
    row("load it into the embedded store (replace its graph)", load)
    return ds, store


def queries(ds, store) -> None:
    mem = RdflibStore(dataset=ds)
    for name, q in catalogue().items():
        sparql = q.bind({p.name: SAMPLES[p.name] for p in q.params if p.required})
        ox = median_time(lambda: store.query(sparql), 5)
        rd = median_time(lambda: mem.query(sparql), 3)
        row(f"query {name}: Oxigraph", ox, rd, "baseline: rdflib in memory")


def queries_many(ds, tmp: Path, copies: int = 10) -> None:
    """Every named query on a corpus of re-minted copies: Oxigraph against rdflib in memory."""
    from rdflib import Dataset

    data = remint(serialize(ds, "nq"), copies)
    big = Dataset(default_union=True)
    big.parse(data=data, format="nquads")
    mem = RdflibStore(dataset=big)
    store = OxigraphStore(tmp / f"many-{copies}")
    store.load_dataset(big)
    for name, q in catalogue().items():
        sparql = q.bind({p.name: SAMPLES[p.name] for p in q.params if p.required})
        ox = median_time(lambda: store.query(sparql), 3)
        rd = median_time(lambda: mem.query(sparql), 1)
        row(f"query {name} on {copies} plans: Oxigraph", ox, rd, "baseline: rdflib in memory")


def audit(ds) -> None:
    one = median_time(lambda: audit_dataset(ds), 3)
    row("audit of the sample (SHACL + rules)", one)


def remint(nq: bytes, copies: int) -> bytes:
    """N copies of the sample's plan graph, each under its own plan id (numbers unchanged)."""
    plan_lines = [line for line in nq.splitlines() if b"654200-fyp13" in line]
    vocab_lines = [line for line in nq.splitlines() if b"654200-fyp13" not in line]
    out = vocab_lines[:]
    for i in range(copies):
        out.extend(line.replace(b"654200-fyp13", f"654200-copy{i}".encode()) for line in plan_lines)
    return b"\n".join(out) + b"\n"


SCALE_CHILD = r"""
import re, sys, time, pyoxigraph as ox
path, data = sys.argv[1], sys.argv[2]
store = ox.Store(path)
t = time.perf_counter(); store.bulk_load(path=data, format=ox.RdfFormat.N_QUADS); store.flush(); load = time.perf_counter() - t
q = open(sys.argv[3], encoding="utf-8").read()
t = time.perf_counter(); list(store.query(q, use_default_graph_as_union=True)); query = time.perf_counter() - t
# VmHWM, the peak resident size of this process (ru_maxrss would include the parent's, from before exec).
hwm = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
print(load, query, hwm)
"""


def scaling(ds, sizes: list[int], tmp: Path) -> None:
    nq = serialize(ds, "nq")
    goals = catalogue()["goals"].text
    qfile = tmp / "goals.rq"
    qfile.write_text(goals, encoding="utf-8")
    for n in sizes:
        data = tmp / f"corpus-{n}.nq"
        data.write_bytes(remint(nq, n))
        out = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(tmp / f"scale-{n}"), str(data), str(qfile)],
                             capture_output=True, text=True, check=True).stdout.split()
        load, query, rss = float(out[0]), float(out[1]), int(out[2])
        row(f"corpus of {n} plans: bulk load", load, None, f"peak RSS {rss / 1024:.0f} MB")
        row(f"corpus of {n} plans: goals of every plan", query)
        data.unlink()
    # The audit, as the number of plans grows (it checks each plan's graph on its own).
    from rdflib import Dataset
    for n in [1, 2, 4]:
        big = Dataset()
        big.parse(data=remint(nq, n), format="nquads")
        row(f"audit of {n} plans", median_time(lambda: audit_dataset(big), 1))


RDFLIB_ENDPOINT = r"""
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="trig")
uvicorn.run(SparqlEndpoint(graph=ds, path="/sparql"), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    import httpx

    for _ in range(240):
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def http(tmp: Path, ds, requests: int = 200, concurrency: int = 8) -> None:
    import httpx

    port = _port()
    env = {**os.environ, "PLANKG_STORE": str(tmp / "http-store")}
    proc = subprocess.Popen([sys.executable, "-m", "plankg", "serve", "--port", str(port), "--max-concurrent", "2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    baseline_proc = None
    try:
        _wait(base + "/healthz")

        async def load(url, params):
            lat = []
            sem = asyncio.Semaphore(concurrency)
            async with httpx.AsyncClient(timeout=60) as client:
                async def one():
                    async with sem:
                        t = time.perf_counter()
                        r = await client.get(url, params=params)
                        r.raise_for_status()
                        lat.append(time.perf_counter() - t)
                t0 = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(requests)))
                return time.perf_counter() - t0, sorted(lat)

        goals = {"query": catalogue()["goals"].text}
        baseline = None
        try:
            import rdflib_endpoint  # noqa: F401  (pip install '.[bench]')

            trig = tmp / "plan.trig"
            trig.write_bytes(serialize(ds, "trig"))
            bport = _port()
            baseline_proc = subprocess.Popen([sys.executable, "-c", RDFLIB_ENDPOINT, str(trig), str(bport)],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait(f"http://127.0.0.1:{bport}/sparql?query=ASK%7B%7D")
            total, lat = asyncio.run(load(f"http://127.0.0.1:{bport}/sparql", goals))
            baseline = lat[len(lat) // 2]
            row(f"HTTP rdflib-endpoint /sparql (goals query): p50, {concurrency} concurrent", baseline, None,
                f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.0f} ms, {requests / total:.0f} requests/s")
        except ImportError:
            print("  (rdflib-endpoint is not installed: pip install '.[bench]' for the comparison)")
        for name, url, params, base_line in (("REST /goals", base + "/goals", {}, None),
                                             ("SPARQL /sparql (goals query)", base + "/sparql", goals, baseline)):
            total, lat = asyncio.run(load(url, params))
            p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]
            row(f"HTTP plankg {name}: p50 latency, {concurrency} concurrent", p50, base_line,
                f"p99 {p99 * 1000:.0f} ms, {requests / total:.0f} requests/s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if baseline_proc is not None:
            baseline_proc.terminate()
            baseline_proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="include the 1000-plan corpus")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        extraction()
        ds, store = graph_and_store(tmp)
        queries(ds, store)
        queries_many(ds, tmp)
        audit(ds)
        scaling(ds, [1, 10, 100] + ([1000] if args.full else []), tmp)
        http(tmp, ds)
    print("\n| benchmark | median | ratio to baseline | note |\n|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
