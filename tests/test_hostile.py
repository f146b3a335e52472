"""Hostile and broken input: the reader, outline, table and quantity parsers never crash or hang.

Sizes are kept small for CI; set PLANKG_FUZZ_EXAMPLES for longer runs.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plankg import sample_plan_path
from plankg.extraction import PlanError, decode_plan
from plankg.extraction.pipeline import process
from plankg.extraction.quantity import QuantityError, parse_quantity

EXAMPLES = int(os.environ.get("PLANKG_FUZZ_EXAMPLES", "60"))
SAMPLE = Path(sample_plan_path()).read_text(encoding="utf-8")
LINES = SAMPLE.split("\n")
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])


def survive(data: bytes):
    """Reading and extracting ``data`` ends in a Document or a PlanError, nothing else."""
    try:
        doc = process(decode_plan(data, "fuzz.txt"))
    except PlanError as exc:
        assert "\n" not in str(exc)
        return None
    for node in doc.outline.walk():
        assert 0 <= node.start <= node.end <= len(doc.text)
    return doc


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    survive(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("第一二十章节篇专栏附件\t\n 、，。：（）〔〕0123456789.%以内以上左右约束性预期性—")), max_size=600))
def test_random_plan_like_text(text):
    survive(text.encode("utf-8"))


@FUZZ
@given(st.integers(min_value=0, max_value=len(SAMPLE)))
def test_truncated_plans(cut):
    survive(SAMPLE[:cut].encode("utf-8"))


@FUZZ
@given(st.randoms(use_true_random=False))
def test_shuffled_lines(rnd):
    lines = LINES[:]
    rnd.shuffle(lines)
    survive("\n".join(lines[:400]).encode("utf-8"))


@FUZZ
@given(st.randoms(use_true_random=False), st.sampled_from([0.05, 0.2, 0.5]))
def test_tables_with_missing_and_extra_cells(rnd, rate):
    out = []
    for line in LINES[:600]:
        if line.startswith("\t") and rnd.random() < rate:
            if rnd.random() < 0.5:
                continue  # a cell lost
            out.append(line)  # a cell doubled
        out.append(line)
    doc = survive("\n".join(out).encode("utf-8"))
    assert doc is not None  # the headings survive, so the plan still reads


def test_huge_lines_and_repeated_headings():
    started = time.monotonic()
    survive(("第一章 总则\n" + "发展" * 500_000 + "。\n").encode("utf-8"))
    survive(("第一章 测试\n" * 20_000).encode("utf-8"))
    survive(("\t" + "1" * 100_000 + "\n") .encode("utf-8") * 3)
    assert time.monotonic() - started < 120  # a bound against hangs, not a performance assertion


@FUZZ
@given(st.text(max_size=40))
def test_quantity_parser_never_crashes(text):
    try:
        parse_quantity(text, allow_qualitative=True)
    except QuantityError:
        pass


# --- crash safety ---------------------------------------------------------------------------------

def _count(store_dir, graph):
    from plankg.graph.stores import OxigraphStore

    store = OxigraphStore(store_dir)  # opening must work after any kill
    try:
        n = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        printed = store.query("PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT ?t WHERE { GRAPH ?g { "
                              f"<https://w3id.org/plankg/id/654200-fyp13/part-2/chapter-3/box-2/table-1/row-1/target> "
                              "pkg:printedText ?t } }")
        return int(n["results"]["bindings"][0]["n"]["value"]), [b["t"]["value"] for b in printed["results"]["bindings"]]
    finally:
        store.close()


def test_load_killed_at_a_random_moment_leaves_old_or_new(tmp_path):
    store_dir = tmp_path / "store"
    env = {**os.environ, "PLANKG_STORE": str(store_dir)}
    assert subprocess.run([sys.executable, "-m", "plankg", "load"], env=env, capture_output=True).returncode == 0
    graph = "https://w3id.org/plankg/graph/654200-fyp13"
    old = _count(store_dir, graph)
    assert old[1] == ["770"]
    changed = tmp_path / "tacheng.txt"
    changed.write_text(SAMPLE.replace("\t770\n", "\t771\n").replace("第一章 发展基础", "第一章 发展基础（修订）"),
                       encoding="utf-8")
    rnd = random.Random(int(os.environ.get("PLANKG_KILL_SEED", "7")))
    outcomes = set()
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "plankg", "load", str(changed)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.5, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        count, printed = _count(store_dir, graph)
        assert printed in (["770"], ["771"]), printed  # never both, never none
        assert count > 50_000
        outcomes.add(printed[0])
    assert outcomes  # each attempt ended with one whole graph, old or new
