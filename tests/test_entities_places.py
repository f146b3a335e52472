"""Places on inputs the sample never shows: every province by its short name, renamed codes, collision data."""

from __future__ import annotations

import csv

import pytest

from plankg.extraction.lexicon import ontology_file
from plankg.extraction.pipeline import process, read
from plankg.extraction.places import extract_places, gazetteer, not_place_names, short_name
from plankg.extraction.source import read_bytes

from support import shared_plan

# The 34 province-level divisions and the short names plans use for them (written by hand).
PROVINCES = {
    "110000": "北京", "120000": "天津", "130000": "河北", "140000": "山西", "150000": "内蒙古",
    "210000": "辽宁", "220000": "吉林", "230000": "黑龙江", "310000": "上海", "320000": "江苏",
    "330000": "浙江", "340000": "安徽", "350000": "福建", "360000": "江西", "370000": "山东",
    "410000": "河南", "420000": "湖北", "430000": "湖南", "440000": "广东", "450000": "广西",
    "460000": "海南", "500000": "重庆", "510000": "四川", "520000": "贵州", "530000": "云南",
    "540000": "西藏", "610000": "陕西", "620000": "甘肃", "630000": "青海", "640000": "宁夏",
    "650000": "新疆", "710000": "台湾", "810000": "香港", "820000": "澳门",
}


def places_of(text: str, title: str = "某地国民经济和社会发展第十三个五年规划纲要") -> list[tuple[str, str]]:
    doc = process(read_bytes(f"{title}\n第一章　区域合作\n{text}\n".encode()), components=[("places", extract_places)])
    return sorted((m.text, m.code) for place in doc.places.values() for m in place.mentions)


def test_there_are_34_provinces():
    assert {d.code for d in gazetteer().values() if d.level == "province"} == set(PROVINCES)


@pytest.mark.parametrize("code, short", sorted(PROVINCES.items()))
def test_every_province_is_found_by_its_short_name(code, short):
    assert places_of(f"支持{short}加快发展，加强与{short}的经济联系。") == [(short, code), (short, code)]


@pytest.mark.parametrize("name, short", [("内蒙古自治区", "内蒙古"), ("西藏自治区", "西藏"), ("广西壮族自治区", "广西"),
                                         ("宁夏回族自治区", "宁夏"), ("新疆维吾尔自治区", "新疆"),
                                         ("香港特别行政区", "香港"), ("延边朝鲜族自治州", "延边")])
def test_short_names_never_peel_a_name_to_one_character(name, short):
    assert short_name(name) == short


def duplicated_codes() -> dict[str, list[str]]:
    """Codes that divisions.csv lists under more than one name, read from the file itself."""
    names: dict[str, list[str]] = {}
    with open(ontology_file("gazetteer/divisions.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names.setdefault(row["code"], []).append(row["name"])
    return {code: n for code, n in names.items() if len(n) > 1}


def test_codes_listed_under_two_names_keep_both():
    dupes = duplicated_codes()
    assert sorted(dupes) == ["110100", "120100", "130502", "130503", "310100", "500100", "500200"]
    gaz = gazetteer()
    for code, names in dupes.items():
        assert {n for n, _ in gaz[code].names} == set(names), code
        assert gaz[code].name not in not_place_names(), code  # 市辖区 and 县 are placeholders, not names
    assert gaz["130502"].name == "襄都区" and gaz["130503"].name == "信都区"  # the names of the latest snapshot


@pytest.mark.parametrize("surface, code", [("桥东区", "130502"), ("桥西区", "130503"), ("襄都区", "130502"),
                                           ("信都区", "130503")])
def test_renamed_districts_are_found_under_both_names(surface, code):
    found = places_of(f"推进邢台市{surface}老城改造。", title="河北省国民经济和社会发展第十三个五年规划纲要")
    assert (surface, code) in found


def test_placeholders_and_generic_words_are_never_places():
    assert {"市辖区", "县", "城区", "开发区"} <= not_place_names()
    assert places_of("加快市辖区、开发区和城区基础设施建设。") == []


@pytest.mark.parametrize("plan, short, count", [
    # Counted by hand in the text: 内蒙古东部地区; 黑龙江、吉林、辽宁、内蒙古建成…; 支持西藏、新疆….
    ("national-12th.md", "内蒙古", 2), ("national-12th.md", "西藏", 1), ("national-12th.md", "广西", 2),
    ("national-12th.md", "宁夏", 1), ("national-14th.md", "西藏", 1), ("national-14th.md", "宁夏", 2),
    ("national-15th.md", "新疆", 1),
])
def test_short_names_in_the_shared_national_plans(plan, short, count):
    doc = read(shared_plan(plan))
    code = next(c for c, s in PROVINCES.items() if s == short)
    assert [m.text for m in doc.places[code].mentions if m.text == short] == [short] * count


XINJIANG_PLAN = "新疆维吾尔自治区国民经济和社会发展第十三个五年规划纲要"


@pytest.mark.parametrize("alias, number", [("第一师", 1), ("第四师", 4), ("第十一师", 11), ("第十四师", 14),
                                           ("农七师", 7), ("建工师", 11)])
def test_every_bingtuan_division_has_its_aliases(alias, number):
    assert (alias, f"bingtuan-{number}") in places_of(f"支持{alias}加快城镇化。", title=XINJIANG_PLAN)


def test_aliases_are_read_only_in_their_own_province():
    assert ("博州", "652700") in places_of("支持博州发展。", title=XINJIANG_PLAN)
    assert ("博州", "652700") not in places_of("支持博州发展。", title="云南省国民经济和社会发展第十三个五年规划纲要")
