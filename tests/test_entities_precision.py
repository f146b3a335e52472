"""Precision of the project and measure classes, against items judged by hand in the plan text.

tests/data/judged/<plan>.tsv lists items with the class a reader gives them after reading the
sentence or box line they come from (project, measure, or fragment / duplicate / merged, which
are neither). For the national plans and the Yunnan plan every item is judged; for the sample,
a random 100 items (seed 14) and every measure. docs/entities.md gives the figures; this test
holds the program to them, and fails when the judged lists no longer cover what it reads.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from plankg.extraction.pipeline import read

from support import shared_plan

JUDGED = Path(__file__).parent / "data" / "judged"
# plan -> (least precision of projects, least precision of measures, every item judged?)
FLOORS = {
    "national-12th.md": (0.85, 0.85, True),
    "national-14th.md": (0.80, 0.95, True),
    "national-15th.md": (0.88, 0.85, True),
    "yunnan-10th.txt": (0.40, 0.70, True),
    "tacheng-13th-fyp.txt": (0.93, 0.85, False),
}


def judged(plan: str) -> dict[tuple[int, str], str]:
    with open(JUDGED / (plan.rsplit(".", 1)[0] + ".tsv"), encoding="utf-8") as fh:
        return {(int(r["line"]), r["name"]): r["judged"] for r in csv.DictReader(fh, delimiter="\t")}


def items(doc):
    for p in doc.projects:
        for item in [p] + p.components:
            yield (doc.locate(item.start, item.end)["line"], item.name), item.kind


@pytest.mark.parametrize("plan", sorted(FLOORS))
def test_precision_of_projects_and_measures(plan):
    truth = judged(plan)
    found = dict(items(read(shared_plan(plan))))
    project_floor, measure_floor, complete = FLOORS[plan]
    stale = [k for k in truth if k not in found]
    assert len(stale) <= len(truth) // 20, f"judged items the program no longer reads (judge again): {stale[:10]}"
    unjudged = [k for k, kind in found.items() if k not in truth and (complete or kind == "measure")]
    assert not unjudged, f"items nobody has judged (add them to {JUDGED}): {unjudged[:10]}"
    for kind, floor in (("project", project_floor), ("measure", measure_floor)):
        predicted = [k for k, v in found.items() if v == kind and k in truth]
        right = sum(1 for k in predicted if truth[k] == kind)
        assert predicted and right / len(predicted) >= floor, f"{kind}: {right}/{len(predicted)} right"
