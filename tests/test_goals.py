"""Which projects serve which goal: each kind of evidence deciding a link, on small plans written here.

The goals of the synthetic plan below are written so that only the evidence under test can decide
each link; the expected goals are what a reader of the plan text would say.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from plankg.extraction import decode_plan
from plankg.extraction.goal_themes import find, term_themes, themes
from plankg.extraction.pipeline import process
from plankg.extraction.serialize import all_projects

GOALS = (
    "第一篇 总体要求\n\n第一章 发展目标\n\n"
    "到2020年，全面建成小康社会。\n\n"
    "——经济保持较快增长，做大经济总量。工业增加值年均增长10%，全区生产总值年均增长8%。\n\n"
    "——提高人民生活水平和质量。就业、教育、文化、社保、医疗、住房等公共服务体系更加健全。\n\n"
    "——改善生态环境质量。资源开发秩序更加规范，污染防治水平明显提升，生态环境质量总体改善，森林覆盖率达到20%。\n\n"
)
TABLE = (
    "\t专栏1 主要指标\n\t指标\n\t2015年\n\t2020年\n\t属性\n\n"
    "\t资源环境    （2项）\n\n"
    "\t森林覆盖率（%）\n\t18\n\t20\n\t约束性\n\n"
    "\t耕地保有量（万亩）\n\t50\n\t50\n\t约束性\n\n\n"
)


def plan(body: str, table: str = "") -> str:
    return "某县国民经济和社会发展第十三个五年规划纲要\n\n" + GOALS + table + body


def read_text(text: str):
    return process(decode_plan(text.encode("utf-8")))


def project(doc, name):
    return next(p for p in all_projects(doc) if p.name == name)


def primary(doc, name) -> str:
    links = project(doc, name).goals
    assert links, f"{name}: no goal"
    return links[0].top.title.split("，")[0].split("。")[0]


GROWTH, LIVELIHOOD, ECOLOGY = "经济保持较快增长", "提高人民生活水平和质量", "改善生态环境质量"


@pytest.fixture(scope="module")
def doc():
    body = (
        "第二篇 重点项目\n\n"
        "第一章 积极发展生活性服务业\n\n"
        "\t专栏2 重点项目\n"
        "商贸物流项目：城北物流园区、农机交易市场。\n"
        "旅游项目：松树沟景区开发项目。\n"
        "其他项目：县人民医院、农作物病虫害防治工程、农产品质量安全检测中心、基本农田耕地保护工程。\n\n"
        "第二章 加快生态建设\n\n"
        "实施天山北坡综合工程、城南综合工程。\n\n"
        "第三章 提升公共服务\n\n"
        "实施城西综合工程。\n\n"
        "第四章 发展文化旅游\n\n"
        "到2020年，接待游客达到300万人次，旅游收入年均增长15%。\n\n"
        "实施古城景区提升工程、游客服务中心工程。\n\n"
        "第五章 重点工作\n\n"
        "加强生态环境保护和污染防治。\n\n"
        "实施城东综合工程。\n"
    )
    return read_text(plan(body, TABLE))


def test_goals_and_their_fields_are_read(doc):
    assert [g.title for g in doc.goals] == ["经济保持较快增长，做大经济总量", "提高人民生活水平和质量", "改善生态环境质量"]


def test_logistics_under_consumer_services_serves_growth(doc):
    # 生活性服务业 is a service industry: its 生活 is no evidence for the livelihood goal.
    assert primary(doc, "城北物流园区") == GROWTH
    link = project(doc, "城北物流园区").goals[0]
    assert all(e.term != "生活" for lk in project(doc, "城北物流园区").goals for e in lk.evidence)
    name = next(e for e in link.evidence if e.kind == "name")
    assert (name.term, doc.text[name.start:name.end]) == ("物流园区", "物流园区")


def test_a_scenic_area_development_serves_growth_not_ecology(doc):
    # 开发 is in the ecology goal's 资源开发利用; a scenic area is tourism.
    links = project(doc, "松树沟景区开发项目").goals
    assert primary(doc, "松树沟景区开发项目") == GROWTH
    assert ECOLOGY not in [link.top.title for link in links]


def test_pest_control_serves_farming_not_pollution_control(doc):
    assert primary(doc, "农作物病虫害防治工程") == GROWTH
    terms = [e.term for link in project(doc, "农作物病虫害防治工程").goals for e in link.evidence]
    assert "病虫害防治" in terms and "防治" not in terms


def test_food_safety_is_not_environmental_quality(doc):
    p = project(doc, "农产品质量安全检测中心")
    assert primary(doc, "农产品质量安全检测中心") != ECOLOGY
    assert all(e.theme != "ecology" for link in p.goals for e in link.evidence)


def test_the_goals_list_of_fields_decides(doc):
    link = project(doc, "县人民医院").goals[0]
    assert link.top.title == LIVELIHOOD
    name = next(e for e in link.evidence if e.kind == "name")
    assert name.term == "医院" and name.goal_side.basis == "field" and name.goal_side.term == "医疗"
    assert doc.text[name.goal_side.start:name.goal_side.end] == "医疗"


def test_the_goals_indicators_decide(doc):
    # 耕地 is nowhere in the goals' text: only the table's 耕地保有量, a category-mate of 森林覆盖率
    # (which the ecology goal restates), ties farmland protection to that goal.
    link = project(doc, "基本农田耕地保护工程").goals[0]
    assert link.top.title == ECOLOGY
    name = next(e for e in link.evidence if e.kind == "name")
    assert name.goal_side.basis == "indicator-category" and name.goal_side.term == "耕地保有量"
    assert doc.text[name.goal_side.start:name.goal_side.end] == "耕地保有量"


def test_the_heading_above_decides(doc):
    # The same name, 综合工程, with no theme of its own: the chapter it sits in decides.
    assert primary(doc, "天山北坡综合工程") == ECOLOGY
    assert primary(doc, "城西综合工程") == LIVELIHOOD
    link = project(doc, "城西综合工程").goals[0]
    assert {e.kind for e in link.evidence} <= {"heading", "opening"}


def test_the_opening_sentence_of_a_heading_decides(doc):
    # 第五章 重点工作 says nothing; its first paragraph does.
    link = project(doc, "城东综合工程").goals[0]
    assert link.top.title == ECOLOGY
    assert {e.kind for e in link.evidence} == {"opening"}
    (e,) = link.evidence
    assert e.term in ("生态", "环境保护", "污染防治") and doc.text[e.start:e.end] == e.term
    assert e.context == "加强生态环境保护和污染防治。"


def test_a_sub_goal_is_the_most_specific_goal_and_rolls_up(doc):
    tourism = next(g for g in doc.goals[0].subgoals)
    assert tourism.title.startswith("到2020年，接待游客达到300万人次") and tourism.parent is doc.goals[0]
    assert tourism.scope_heading == "第四章 发展文化旅游"
    link = project(doc, "古城景区提升工程").goals[0]
    assert link.goal is tourism and link.top is doc.goals[0] and link.rank == 1
    assert any(e.kind == "subgoal" for e in link.evidence)


def test_every_link_has_a_rank_a_score_and_quoted_evidence(doc):
    for p in all_projects(doc):
        ranks = [link.rank for link in p.goals]
        assert ranks == list(range(1, len(ranks) + 1))
        scores = [link.score for link in p.goals]
        assert scores == sorted(scores, reverse=True)
        for link in p.goals:
            for e in link.evidence:
                if e.start is not None:
                    assert doc.text[e.start:e.end] == e.term
                g = e.goal_side
                if g.start is not None:
                    assert doc.text[g.start:g.end] == g.term


def test_the_sector_alone_decides_and_says_so():
    body = "第二篇 其他\n\n第一章 其他工作\n\n\t专栏2 项目\n其他：县教育局综合楼。\n"
    doc = read_text(plan(body))
    link = project(doc, "县教育局综合楼").goals[0]
    assert link.top.title == LIVELIHOOD and link.sector_only
    assert [e.kind for e in link.evidence] == ["sector"]


def test_no_theme_anywhere_gives_no_link():
    body = "第二篇 其他\n\n第一章 其他工作\n\n\t专栏2 项目\n其他：一号综合楼。\n"
    doc = read_text(plan(body))
    assert project(doc, "一号综合楼").goals == []


@pytest.mark.parametrize("text, expected", [
    ("积极发展生活性服务业", ["生活性服务业"]),
    ("农作物病虫害防治", ["病虫害防治"]),
    ("农产品质量安全水平", ["农产品质量安全"]),
    ("万元生产总值能耗", ["能耗"]),  # the denominator is no theme
    ("高新技术产业增加值占工业增加值的比重", ["高新技术产业", "增加值"]),  # nor is a share's base
])
def test_terms_are_words_in_context(text, expected):
    assert [h.term for h in find(text)] == expected


def test_the_theme_scheme_is_consistent():
    assert len(term_themes()) == sum(len(t.keywords) for t in themes().values())  # no term in two themes
    for t in themes().values():
        assert t.broader is None or t.broader in themes()


def test_links_in_rdf_and_the_named_query(doc, tmp_path):
    from plankg.graph.build import build_dataset, plan_id
    from plankg.graph.stores import OxigraphStore, RdflibStore
    from plankg.queries.named import get

    ds = build_dataset([doc])
    base = f"https://w3id.org/plankg/id/{plan_id(doc)}/"
    growth = base + doc.goals[0].key
    oxigraph = OxigraphStore(tmp_path / "store")
    oxigraph.load_dataset(ds)
    answers = []
    for store in (oxigraph, RdflibStore(dataset=ds)):
        rows = store.query(get("goal-projects").bind({"goal": growth}))["results"]["bindings"]
        by_name = {r["name"]["value"]: r for r in rows}
        logistics = by_name["城北物流园区"]
        assert logistics["rank"]["value"] == "1" and float(logistics["score"]["value"]) > 0
        assert logistics["sectorOnly"]["value"] == "false" and "物流园区" in logistics["matched"]["value"]
        scenic = by_name["古城景区提升工程"]  # through the tourism sub-goal, which rolls up to growth
        assert scenic["specificTitle"]["value"].startswith("到2020年，接待游客")
        top = store.query(get("goals").bind({}))["results"]["bindings"]
        assert [r["title"]["value"] for r in top][:1] == [doc.goals[0].title] and len(top) == 3
        assert top[0]["subgoals"]["value"] == "1"
        # Stores spell the same decimal differently (1.05, 1.050): compare values.
        answers.append(sorted((r["name"]["value"], r["rank"]["value"], Decimal(r["score"]["value"])) for r in rows))
    assert answers[0] == answers[1]
