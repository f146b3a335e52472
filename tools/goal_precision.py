"""Compare the goal linker with judgements made by hand (tests/data/goal-links/*.tsv).

    python tools/goal_precision.py PLAN JUDGEMENTS.tsv [--show]

Prints how many primary goals the judges accept, how many are their first choice, and the share of
all links (every rank) they accept. Goals are numbered as the plan lists its top goals.
"""

from __future__ import annotations

import argparse
import csv
import sys

from plankg.extraction.pipeline import read
from plankg.extraction.serialize import all_projects


def read_judgements(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows, delimiter="\t"))


def compare(doc, judgements: list[dict]) -> dict:
    by_name: dict = {}
    for p in all_projects(doc):  # by name: keys move as project extraction changes
        by_name.setdefault(p.name, p)
    out = {"projects": 0, "primary_acceptable": 0, "primary_first": 0, "links": 0, "links_acceptable": 0,
           "unlinked": 0, "missing": [], "rows": []}
    for j in judgements:
        p = by_name.get(j["name"])
        if p is None:
            out["missing"].append(j["key"])
            continue
        out["projects"] += 1
        acceptable = set(j["acceptable"].split(","))
        got = [str(link.top.order) for link in p.goals]
        if not got:
            out["unlinked"] += 1
        out["primary_acceptable"] += bool(got) and got[0] in acceptable
        out["primary_first"] += bool(got) and got[0] == j["first"]
        out["links"] += len(got)
        out["links_acceptable"] += sum(g in acceptable for g in got)
        out["rows"].append((j, got))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("plan")
    ap.add_argument("judgements")
    ap.add_argument("--show", action="store_true", help="list the projects whose primary goal is not the first choice")
    args = ap.parse_args(argv)
    r = compare(read(args.plan), read_judgements(args.judgements))
    n = r["projects"]
    print(f"{n} projects judged; primary acceptable {r['primary_acceptable']} ({r['primary_acceptable'] / n:.0%}), "
          f"first choice {r['primary_first']} ({r['primary_first'] / n:.0%}); links acceptable "
          f"{r['links_acceptable']} of {r['links']}; unlinked {r['unlinked']}; not found {len(r['missing'])}")
    if args.show:
        for j, got in r["rows"]:
            if not got or got[0] != j["first"]:
                mark = "ok " if got and got[0] in j["acceptable"].split(",") else "BAD"
                print(f"  {mark} {j['name']}: got {','.join(got) or '-'}; first {j['first']}, acceptable {j['acceptable']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
