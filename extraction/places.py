"""Places: the administrative divisions a plan names, resolved to GB/T 2260 codes.

The gazetteer is data (``ontology/gazetteer/``): every province, prefecture and county of
GB/T 2260 as shipped by maintained PyPI packages (see ``tools/build_gazetteer.py``), a few
divisions outside the standard (兵团), and an editable alias file for local short names.

Which names are looked for:
- every full name in the country (昆明市, 克拉玛依市, 伊犁哈萨克自治州);
- provinces by their short names too (新疆, 云南);
- within the plan's own province, prefectures and counties by their short names too
  (曲靖, 玉溪, 博尔塔拉): short names elsewhere collide with ordinary words (长治久安);
- the aliases (ontology/gazetteer/aliases.csv), in plans of their own province.

A name that fits several divisions (a prefecture and its seat city of the same name; a county
turned city, with a new code) is resolved from context, and the choice is recorded with its reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import segment
from .lexicon import ontology_file
from .model import Document

LEVEL_RANK = {"province": 0, "bingtuan": 1, "prefecture": 1, "bingtuan-division": 2, "county": 2}
_LIST_JOINERS = set("、，,-—－～和及与")


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # its name in the latest snapshot
    level: str
    parent: str
    seen_in: tuple[int, ...]
    # Every name the code has carried, with the snapshots it is seen in: a code renamed in place
    # (130502 桥东区 in 2020, 襄都区 in 2026) is one division under both names.
    names: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def in_standard(self) -> bool:
        """Whether the code is a GB/T 2260 code (six digits) rather than one of ours."""
        return self.code.isdigit()


@dataclass
class PlaceMention:
    text: str
    start: int
    end: int
    code: str
    candidates: tuple[str, ...]
    reason: str  # why this division, where the name fits more than one


@dataclass
class Place:
    division: Division
    mentions: list[PlaceMention] = field(default_factory=list)
    own_region: bool = False  # the plan's region or a division inside it


@lru_cache(maxsize=None)
def gazetteer() -> dict[str, Division]:
    """Code -> division. A code listed under several names (one row per name) keeps them all."""
    rows: dict[str, list[dict]] = {}
    for name in ("divisions.csv", "extra-divisions.csv"):
        with open(ontology_file(f"gazetteer/{name}"), encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows.setdefault(row["code"], []).append(row)
    out = {}
    for code, group in rows.items():
        names = tuple(sorted(((r["name"], tuple(int(y) for y in r["seen_in"].split(";") if y)) for r in group),
                             key=lambda n: (max(n[1] or (0,)), n[0])))
        real = [n for n in names if n[0] not in not_place_names()] or list(names)
        seen = tuple(sorted({y for _, years in names for y in years}))
        out[code] = Division(code, real[-1][0], group[0]["level"], group[0]["parent"], seen, names)
    return out


@lru_cache(maxsize=None)
def not_place_names() -> frozenset[str]:
    """Names that never mark a place by themselves: generic words and placeholders (data, with reasons)."""
    with open(ontology_file("gazetteer/not-place-names.csv"), encoding="utf-8") as fh:
        return frozenset(row["surface"] for row in csv.DictReader(fh))


@lru_cache(maxsize=None)
def _aliases() -> tuple[tuple[str, str], ...]:
    with open(ontology_file("gazetteer/aliases.csv"), encoding="utf-8") as fh:
        return tuple((row["alias"], row["code"]) for row in csv.DictReader(fh))


@lru_cache(maxsize=None)
def _ethnic_prefixes() -> tuple[str, ...]:
    with open(ontology_file("gazetteer/ethnic-groups.csv"), encoding="utf-8") as fh:
        names = [row["name"] for row in csv.DictReader(fh)]
    # 蒙古族 is written 蒙古 in division names (博尔塔拉蒙古自治州), 哈萨克族 as 哈萨克.
    return tuple(sorted({n for name in names for n in (name, name.removesuffix("族"))}, key=lambda n: (-len(n), n)))


def short_name(name: str) -> str:
    """博尔塔拉蒙古自治州 -> 博尔塔拉; 阿勒泰地区 -> 阿勒泰; 新疆维吾尔自治区 -> 新疆."""
    m = re.search(r"自治(?:区|州|县|旗)$", name)
    if m:
        stem = name[:m.start()]
        for _ in range(3):  # peel off the ethnic groups: 博尔塔拉蒙古, 伊犁哈萨克
            # ... but never down to one character: 内蒙古 and 西藏 are names, not 内 + 蒙古, 西 + 藏.
            peeled = next((stem[:-len(e)] for e in _ethnic_prefixes() if stem.endswith(e) and len(stem) - len(e) >= 2),
                          None)
            if not peeled:
                break
            stem = peeled
        return stem
    return re.sub(r"(?:特别行政区|地区|林区|省|市|县|区|盟|旗)$", "", name)


def region_division(region: str) -> Division | None:
    """The division a plan's region name names (阿勒泰地区, 云南省), if any."""
    matches = [d for d in gazetteer().values() if d.name == region]
    return min(matches, key=lambda d: (LEVEL_RANK.get(d.level, 3), -max(d.seen_in or (0,))), default=None)


@lru_cache(maxsize=64)
def _names(region: Division | None) -> tuple[dict[str, tuple[str, ...]], dict]:
    """The lexicon for plans of ``region`` and its trie: made once, for every plan of the region."""
    lexicon = _lexicon(region)
    return lexicon, _trie(lexicon)


def _lexicon(region: Division | None) -> dict[str, tuple[str, ...]]:
    """Surface form -> candidate codes, for a plan whose region is ``region``."""
    names: dict[str, set[str]] = {}

    def add(surface: str, code: str) -> None:
        if len(surface) >= 2 and surface not in not_place_names():
            names.setdefault(surface, set()).add(code)

    gaz = gazetteer()
    province = region.code[:2] if region is not None and region.in_standard else None
    for d in gaz.values():
        in_province = bool(province) and d.code.startswith(province) and d.in_standard
        for name, _ in d.names or ((d.name, d.seen_in),):
            for surface in _surfaces(d, name, in_province, region):
                add(surface, d.code)
    # Aliases are local usage (博州, 第七师): read only in plans of the same province.
    for alias, code in _aliases():
        if code in gaz and province and _province_code(gaz[code]) == province:
            add(alias, code)
    return {k: tuple(sorted(v)) for k, v in names.items()}


def _surfaces(d: Division, name: str, in_province: bool, region: Division | None) -> list[str]:
    out = []
    # Two-character names (和县, 西区) are ordinary words in most of the country.
    if len(name) >= 3 or in_province:
        out.append(name)
    if d.level == "province" or (in_province and d.level == "prefecture") or _inside(d, region):
        short = short_name(name)
        out.append(short)
        if m := re.search(r"自治([县州旗])$", name):
            out.append(short + m.group(1))  # 木垒县 for 木垒哈萨克自治县
    return out


def _years_named(d: Division, surface: str) -> tuple[int, ...]:
    """The snapshots in which ``d`` carried the name that ``surface`` is read from."""
    if not d.names:
        return d.seen_in
    years = {y for name, seen in d.names if surface in (name, short_name(name)) or name.startswith(surface)
             for y in seen}
    return tuple(sorted(years)) or d.seen_in


def _trie(lexicon: dict[str, tuple[str, ...]]) -> dict:
    root: dict = {}
    for word in lexicon:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = word
    return root


def _scan(text: str, trie: dict) -> list[tuple[int, int, str]]:
    """Longest matches, left to right, not overlapping."""
    out, i, n = [], 0, len(text)
    while i < n:
        node, j, best = trie, i, None
        while j < n and text[j] in node:
            node = node[text[j]]
            j += 1
            if "" in node:
                best = (i, j, node[""])
        if best:
            out.append(best)
            i = best[1]
        else:
            i += 1
    return out


def extract_places(doc: Document) -> None:
    """Pipeline component: fill ``doc.places`` (code -> Place) and ``doc.region``."""
    region = region_division(doc.info.region)
    doc.region = region
    lexicon, trie = _names(region)
    if region is not None and region.in_standard:
        # Teach jieba the province's names, so that word boundaries fall around them;
        # names from elsewhere would cut ordinary words (新兴城市 -> 新/兴城市).
        province = region.code[:2]
        segment.add_words(w for w, codes in lexicon.items() if len(w) > 2 and all(c.startswith(province) for c in codes))
    bounds = segment.of(doc.text)  # cuts only the blocks where a name is found
    # A name counts where jieba puts word boundaries at both its ends: 兴城市 in 新兴城市 does not.
    raw = [m for m in _scan(doc.text, trie) if m[0] in bounds and m[1] in bounds]
    gaz = gazetteer()
    places: dict[str, Place] = {}
    for k, (start, end, surface) in enumerate(raw):
        candidates = lexicon[surface]
        code, reason = _resolve(doc, candidates, raw, k, lexicon, region, surface)
        place = places.get(code)
        if place is None:
            place = places[code] = Place(gaz[code], own_region=_inside(gaz[code], region))
        place.mentions.append(PlaceMention(surface, start, end, code, candidates, reason))
    doc.places = places


def _province_code(d: Division) -> str:
    gaz = gazetteer()
    while d.parent and d.parent in gaz:
        d = gaz[d.parent]
    return d.code[:2]


def _inside(d: Division, region: Division | None) -> bool:
    gaz = gazetteer()
    while d is not None:
        if region is not None and d.code == region.code:
            return True
        d = gaz.get(d.parent)
    return False


def _resolve(doc: Document, candidates, raw, k, lexicon, region, surface: str = "") -> tuple[str, str]:
    if len(candidates) == 1:
        return candidates[0], ""
    gaz = gazetteer()
    divisions = [gaz[c] for c in candidates]
    year = doc.info.end_year
    if year is not None:
        # Divisions renamed or re-coded: keep those of the snapshot nearest the plan's time.
        # Equally near snapshots: the later one (a total order, never set order).
        seen = {d.code: _years_named(d, surface) for d in divisions}
        nearest = min({y for years in seen.values() for y in years} or {year}, key=lambda y: (abs(y - year), -y))
        current = [d for d in divisions if not seen[d.code] or nearest in seen[d.code]]
        if len(current) == 1:
            return current[0].code, f"the division of {nearest}, nearest the plan period (among {', '.join(candidates)})"
        divisions = current or divisions
    if k > 0 and raw[k - 1][1] == raw[k][0]:
        # Written under its parent, 某市桥西区: the one inside the division named just before.
        before = lexicon[raw[k - 1][2]]
        under = [d for d in divisions if any(_inside(d, gaz[b]) for b in before)]
        if len(under) == 1:
            return under[0].code, f"written after {raw[k - 1][2]}: the one inside it"
    if region is not None:
        inside = [d for d in divisions if _inside(d, region)]
        if len(inside) == 1:
            return inside[0].code, f"the one inside {region.name}"
        divisions = inside or divisions
    levels = {d.level for d in divisions}
    if len(levels) > 1:
        neighbours = _neighbour_levels(doc.text, raw, k, lexicon)
        if neighbours:
            same = [d for d in divisions if d.level in neighbours]
            if len(same) == 1:
                names = "、".join(neighbours[same[0].level])
                return same[0].code, f"listed with {names}: the {same[0].level}"
    best = min(divisions, key=lambda d: LEVEL_RANK.get(d.level, 3))
    return best.code, f"no list context: the {best.level}, the wider reading"


def _neighbour_levels(text: str, raw, k, lexicon) -> dict[str, list[str]]:
    """Levels of unambiguous places listed right next to mention k (X、Y县、Z县)."""
    gaz = gazetteer()
    out: dict[str, list[str]] = {}
    for j in (k - 1, k + 1):
        if not 0 <= j < len(raw):
            continue
        a, b = (raw[j][1], raw[k][0]) if j < k else (raw[k][1], raw[j][0])
        gap = text[a:b]
        if len(gap) > 2 or (gap and not set(gap) <= _LIST_JOINERS):
            continue
        codes = lexicon[raw[j][2]]
        if len(codes) == 1:
            d = gaz[codes[0]]
            out.setdefault(d.level, []).append(raw[j][2])
    return out
