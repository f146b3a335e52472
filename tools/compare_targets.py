"""Compare plankg's narrative targets on a plan with the hand-checked list in tests/data/targets/.

    python tools/compare_targets.py PLAN.txt tests/data/targets/PLAN.tsv [--lines FROM-TO,...]

Prints every expected row found, found with a field read wrongly, or missed, and every emitted
target that is not an expected row (to be judged by reading the plan), then the counts.
"""

from __future__ import annotations

import csv
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from plankg.extraction.pipeline import read  # noqa: E402

FIELDS = ("value", "upper", "unit", "qualifier", "kind", "direction", "year", "implied")


def expected_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [r for r in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")]


def emitted_rows(doc) -> list[dict]:
    out = []
    for t in doc.targets:
        q = t.quantity
        out.append({"line": str(doc.locate(t.value_start, t.value_end)["line"]), "subject": t.subject,
                    "value": str(q.value), "upper": str(q.upper) if q.upper is not None else "",
                    "unit": q.unit or "", "qualifier": q.qualifier, "kind": t.kind,
                    "direction": t.direction or "" if t.kind in ("growth", "change") else "",
                    "year": str(q.year), "implied": "yes" if t.implied else "no", "text": q.text,
                    "flags": "; ".join(t.flags), "target": t})
    return out


def _num(s: str):
    try:
        return Decimal(s)
    except (InvalidOperation, TypeError):
        return s


def _agrees(field: str, expected: str, emitted: dict) -> bool:
    """``exact|about`` in the list: the print leaves it open, and either reading is right if flagged."""
    if field in ("value", "upper"):
        return _num(emitted[field]) == _num(expected)
    if "|" in expected:
        return emitted[field] in expected.split("|") and bool(emitted["flags"])
    return emitted[field] == expected


def compare(expected: list[dict], emitted: list[dict]):
    """(row, emitted or None, wrong fields, subject ok) per expected row, and the unmatched emitted."""
    free = list(emitted)
    results = []
    for row in expected:
        cands = [e for e in free if e["line"] == row["line"] and _num(e["value"]) == _num(row["value"])]
        best = next((e for e in cands if e["subject"] == row["subject"]), cands[0] if cands else None)
        if best is None:
            results.append((row, None, [], False))
            continue
        free.remove(best)
        wrong = [f for f in FIELDS if not _agrees(f, row[f], best)]
        results.append((row, best, wrong, best["subject"] == row["subject"]))
    return results, free


def main(argv: list[str]) -> int:
    plan, table = argv[1], argv[2]
    doc = read(plan)
    results, extra = compare(expected_rows(table), emitted_rows(doc))
    found = sum(1 for _, e, w, _ in results if e is not None and not w)
    wrong = [(r, e, w) for r, e, w, _ in results if e is not None and w]
    missed = [r for r, e, _, _ in results if e is None]
    subj = [(r, e) for r, e, w, ok in results if e is not None and not ok]
    for r, e, w in wrong:
        print("WRONG", r["line"], r["subject"], {f: (r[f], e[f]) for f in w}, e["flags"])
    for r, e in subj:
        print("SUBJECT", r["line"], repr(r["subject"]), "read as", repr(e["subject"]))
    for r in missed:
        print("MISSED", r["line"], r["subject"], r["value"], r["unit"], "|", r["note"])
    for e in extra:
        print("EXTRA", e["line"], e["subject"], e["text"], e["kind"], e["year"], e["implied"], e["flags"])
    print(f"expected {len(results)}  found right {found}  found with a wrong field {len(wrong)}  "
          f"missed {len(missed)}  subject differs {len(subj)}  emitted {len(doc.targets)}  not in the list {len(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
