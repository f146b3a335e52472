"""pyshacl against pyrudof (a Rust SHACL engine) on the triples the audit validates, plan by plan:
each engine's time alone (median of 3) and whether both report the same results.

    .venv/bin/pip install -q -e '.[bench]'
    .venv/bin/python benchmarks/shacl_engines.py [PLAN ...]     # default: the sample and /work/shared/plans

A result is compared as (focus node, severity, path, value, shape's sh:message); pyrudof joins its own
message to the shape's (``"MinCount(1) not satisfied", "…"@zh``), so the shape's message is looked for in it.
Prints one line a plan; the audit adopts an engine only if every plan gives the same results.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate
from rdflib import RDF

from plankg import sample_plan_path
from plankg.extraction import lexicon
from plankg.extraction.pipeline import read
from plankg.graph.audit import SH, shape_data, shapes_graph
from plankg.graph.build import GraphBuilder

PLANS = Path(__file__).resolve().parents[2] / "shared" / "plans"


def timed(fn, repeat: int = 3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def by_pyshacl(data, shapes):
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False)
    return sorted((str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                   _str(report.value(r, SH.resultPath)), _str(report.value(r, SH.value)),
                   str(report.value(r, SH.resultMessage) or ""))
                  for r in report.subjects(RDF.type, SH.ValidationResult))


def by_pyrudof(nt: str, shapes_text: str, messages: list[str]):
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(nt, format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes_text)
    out = []
    for e in rudof.validate_shacl():
        message = next((m for m in messages if m in (e.message or "")), e.message or "")
        out.append((str(e.focus_node), str(e.severity).rsplit("#", 1)[-1], _str(e.path), _str(e.value), message))
    return sorted(out)


def _str(term) -> str:
    return "" if term is None else str(term).strip("<>")


def main(paths: list[str]) -> int:
    shapes = shapes_graph()
    shapes_text = Path(lexicon.ontology_file("shapes.ttl")).read_text(encoding="utf-8")
    messages = sorted((str(m) for m in shapes.objects(None, SH.message)), key=len, reverse=True)
    differ = 0
    for path in paths:
        builder = GraphBuilder()  # each plan with the whole vocabulary, as plankg audit gives it
        plan = builder.plan(read(path))
        vocab = builder.new_vocabulary()
        # Each plan with its vocabulary (as audited), and alone: without the vocabulary its places are no
        # known divisions, findings the plans do not have, so that the engines are compared on some.
        for label, quads in (("", plan.quads + vocab), (" without the vocabulary", plan.quads)):
            # Both engines validate the same triples: the rdflib graph pyshacl reads, as N-Triples for
            # pyrudof (made once, outside the timings).
            data = shape_data(quads, shapes)
            nt = data.serialize(format="nt")
            t_py, mine = timed(lambda: by_pyshacl(data, shapes))
            t_rs, theirs = timed(lambda: by_pyrudof(nt, shapes_text, messages))
            same = mine == theirs
            differ += not same
            print(f"{Path(path).name}{label}: pyshacl {t_py * 1000:.0f} ms, {len(mine)} results; pyrudof "
                  f"{t_rs * 1000:.0f} ms, {len(theirs)} results; {'same results' if same else 'DIFFERENT results'}",
                  flush=True)
            for row in sorted(set(mine) ^ set(theirs))[:10]:
                print(f"    {'pyshacl only' if row in mine else 'pyrudof only'}: {row}")
    return 1 if differ else 0


if __name__ == "__main__":
    given = sys.argv[1:] or [sample_plan_path()] + sorted(
        str(p) for p in PLANS.glob("*") if p.suffix in (".txt", ".md", ".pdf") and p.name != "README.md")
    sys.exit(main(given))
