"""Narrative targets on small synthetic plans: each hard case of docs/narrative.md, read as a person would."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plankg.extraction.pipeline import process
from plankg.extraction.source import decode_plan

HEAD = "某省国民经济和社会发展第十四个五年规划纲要\n\n第一章 主要任务\n"


def targets(body: str, head: str = HEAD) -> list[tuple]:
    """(subject, value, upper, unit, qualifier, kind, direction, year, implied) of each target."""
    doc = process(decode_plan((head + body + "\n\n第二章 其他\n正文。\n").encode("utf-8")))
    return [(t.subject, t.quantity.value, t.quantity.upper, t.quantity.unit, t.quantity.qualifier, t.kind,
             t.direction if t.kind in ("growth", "change") else None, t.quantity.year, t.implied)
            for t in doc.targets]


def one(body: str) -> tuple:
    found = targets(body)
    assert len(found) == 1, found
    return found[0]


D = Decimal


@pytest.mark.parametrize("clause, subject, value, unit, qualifier", [
    ("城市污水处理率不低于70%。", "城市污水处理率", "70", "%", "at_least"),  # the bound is not part of the verb
    ("城镇调查失业率低于5.5%。", "城镇调查失业率", "5.5", "%", "at_most"),
    ("全省常住人口控制在1.5万人。", "全省常住人口", "1.5", "万人", "at_most"),  # 控制在 sets a ceiling
    ("人口自然增长率控制在9‰以内。", "人口自然增长率", "9", "‰", "at_most"),
    ("粮食综合生产能力达到1.45万亿斤左右。", "粮食综合生产能力", "1.45", "万亿斤", "about"),
    ("地级及以上城市细颗粒物（PM2.5）浓度降至27微克/立方米以下。", "地级及以上城市细颗粒物PM2.5浓度", "27",
     "微克/立方米", "at_most"),
    ("能源综合生产能力达到58亿吨标准煤。", "能源综合生产能力", "58", "亿吨标准煤", "exact"),
    ("固定宽带接入速率达到100兆比特每秒。", "固定宽带接入速率", "100", "兆比特每秒", "exact"),
    ("孕产妇死亡率降到22/10万。", "孕产妇死亡率", "22", "/10万", "exact"),
    ("战略性新兴产业增加值占GDP比重超过17%。", "战略性新兴产业增加值占GDP比重", "17", "%", "at_least"),
    ("接待游客总数突破460万人次。", "接待游客总数", "460", "万人次", "at_least"),
    ("烤烟产量控制在61万吨以上。", "烤烟产量", "61", "万吨", "at_least"),  # the printed 以上 holds over 控制在
    ("原油年产量稳定在约2亿吨。", "原油年产量", "2", "亿吨", "about"),
])
def test_every_qualifier_and_unit_is_kept(clause, subject, value, unit, qualifier):
    found = one(clause)
    assert found[:5] == (subject, D(value), None, unit, qualifier)
    assert found[5] == "level" and found[7] == 2025 and found[8] is True  # no time phrase: implied end year


def test_ranges_with_any_dash():
    for dash in ("-", "－", "—", "～", "~", "至"):
        assert one(f"旅游景区达到3{dash}5家。")[:5] == ("旅游景区", D(3), D(5), "家", "range")
    assert one("城镇化率达到35%-40%。")[1:5] == (D(35), D(40), "%", "range")


def test_growth_change_and_level_are_told_apart():
    # 年均增长 with a space before the number is still a growth rate, and the verb is not in the subject.
    assert one("全区生产总值年均增长 8 %左右。")[:7] == ("全区生产总值", D(8), None, "%", "about", "growth", "up")
    assert one("单位国内生产总值二氧化碳排放降低17%。")[4:7] == ("exact", "change", "down")
    assert one("细颗粒物浓度降至27微克/立方米。")[5] == "level"  # 降至: a level
    assert one("细颗粒物浓度降为27微克/立方米。")[5] == "level"
    assert one("人均预期寿命提高1岁。")[3:7] == ("岁", "exact", "change", "up")
    assert one("人均预期寿命提高到80岁。")[5] == "level"
    assert one("专利申请数量每年增速为15%。")[:6] == ("专利申请数量", D(15), None, "%", "exact", "growth")


def test_numbers_shared_by_lists():
    both = targets("城镇化率和户籍人口城镇化率分别提高3个和4个百分点。")
    assert [(s, v, u, k) for s, v, _, u, _, k, *_ in both] == [
        ("城镇化率", D(3), "个百分点", "change"), ("户籍人口城镇化率", D(4), "个百分点", "change")]
    each = targets("化学需氧量、二氧化硫排放分别减少8%。")
    assert [(s, v, u) for s, v, _, u, *_ in each] == [("化学需氧量", D(8), "%"), ("二氧化硫排放", D(8), "%")]
    heads = targets("小学、初中毕业生升学率分别达到97%和40%。")
    assert [(s, v) for s, v, *_ in heads] == [("小学毕业生升学率", D(97)), ("初中毕业生升学率", D(40))]
    # Numbers in a row with no 分别/各: which is whose is a guess, so nothing is emitted.
    assert targets("城市污水处理率和垃圾处理率达到85%和80%。") == []


def test_a_bound_printed_once_for_a_list_is_flagged():
    doc = process(decode_plan((HEAD + "婴儿死亡率、孕产妇死亡率分别下降到3.5‰、12/10万以下。\n\n第二章 其他\n正文。\n")
                              .encode("utf-8")))
    first, second = doc.targets
    assert (second.quantity.unit, second.quantity.qualifier) == ("/10万", "at_most")
    assert first.quantity.qualifier == "exact" and any("以下" in f for f in first.flags)


def test_number_before_its_subject():
    assert one("使90%以上的贫困村通硬化路。")[:5] == ("贫困村通硬化路", D(90), None, "%", "at_least")
    assert one("新增5000万亩高效节水灌溉面积。")[:4] == ("高效节水灌溉面积", D(5000), None, "万亩")
    # A count before a noun with no verb of action is part of the subject, not a target.
    assert one("12种主要污染物排放总量比2000年削减5%以上。")[:5] == ("12种主要污染物排放总量", D(5), None, "%",
                                                                 "at_least")
    # Conditions on what is counted are not targets.
    assert targets("全面取消城区常住人口300万以下的城市落户限制。") == []
    assert targets("降低农村5岁以下儿童生长迟缓率。") == []


def test_unknown_words_after_a_number_are_refused():
    assert targets("建设10万吨级码头泊位。") == []  # 10万吨级: a class of berth, not a quantity
    assert targets("新建100余个服务站。") == []  # 100余个: more than 100, not printed as a bound we read
    assert targets("提高1小时通勤圈协同发展水平。") == []


def test_comparisons_and_past_facts_are_not_targets():
    assert targets("城镇居民收入增速高于全国平均水平2个百分点。") == []
    assert targets("森林覆盖率已达到40%。") == []


def test_time_frames_from_the_plans_own_words():
    # 今后五年 is the plan period; a later undated statement is the end year, implied.
    found = targets("今后五年经济社会发展的主要目标是：国内生产总值年均增长7%。\n\n第三章 农业\n粮食产量达到6亿吨。\n")
    assert [(s, y, i) for s, *_, y, i in found] == [("国内生产总值", 2025, False), ("粮食产量", 2025, True)]
    # A past period opening a clause frames a review: nothing in it is a target.
    assert targets("“十三五”时期，森林覆盖率达到23%，粮食产量达到6.5亿吨。") == []
    # A vision year holds for its own sentence only.
    found = targets("到2035年，人均国内生产总值达到2万美元。森林覆盖率达到26%。")
    assert [(s, y, i) for s, *_, y, i in found] == [("人均国内生产总值", 2035, False), ("森林覆盖率", 2025, True)]
    # Mid-sentence, it holds for its own clause: the numbers after it keep the plan's period.
    found = targets("“十四五”时期，到2035年人均收入达到3万美元，森林覆盖率达到24.1%。")
    assert [(s, y) for s, *_, y, _ in found] == [("人均收入", 2035), ("森林覆盖率", 2025)]
    # A year of the plan period dates its own clause.
    assert one("2023年财政性教育经费支出占国内生产总值比例达到4%。")[7] == 2023


def test_a_year_that_is_a_price_basis_is_not_a_time_frame():
    found = targets("到2025年，按2020年价格计算的国内生产总值达到120万亿元，城镇新增就业5500万人。")
    assert [(s, v, y) for s, v, *_, y, _ in found] == [
        ("按2020年价格计算的国内生产总值", D(120), 2025), ("城镇新增就业", D(5500), 2025)]


def test_subjects_are_not_cut_at_hard_line_wraps():
    assert one("全社会研究与试验发展经费\n投入强度达到2.5%。")[0] == "全社会研究与试验发展经费投入强度"


def test_baseline_then_level():
    found = targets("劳动年龄人口平均受教育年限从10.8年提高到11.3年。")
    assert [(s, v, k, y) for s, v, _, _, _, k, _, y, _ in found] == [
        ("劳动年龄人口平均受教育年限", D("10.8"), "baseline", 2020),
        ("劳动年龄人口平均受教育年限", D("11.3"), "level", 2025)]
