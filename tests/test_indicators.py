"""Indicator tables of the sample, every row written out by hand from the plan text."""

from decimal import Decimal

import pytest

from plankg.extraction.pipeline import process, read
from plankg.extraction.source import decode_plan

from support import shared_plan

B, E = "binding", "expected"

# 专栏1 “十二五”规划主要指标完成情况测算表: category, name, unit, attribute,
# 2010, planned 2015, planned growth, actual 2015, actual growth.
REVIEW_TABLE = [
    ("经济总量", "全区生产总值", "亿元", E, "285.5", "750", "20以上", "494.1", "13.8"),
    ("经济总量", "全社会固定资产投资", "亿元", E, "151", "460", "25以上", "329.6", "16.9"),
    ("经济总量", "地方财政一般公共预算收入", "亿元", E, "18.3", "44.79", "20", "40.4", "17.2"),
    ("经济总量", "社会消费品零售总额", "亿元", E, "40.7", "95", "18", "78.3", "14"),
    ("经济总量", "外贸进出口总额", "亿美元", E, "5", "12.5", "20", "6", "3.7"),
    ("经济结构", "工业增加值", "亿元", E, "85.4", "380", "30.6", "117.9", "19.4"),
    ("经济结构", "城镇化率", "%", E, "39.3", "48", "—", "46", "—"),
    ("资源环境", "农业灌溉水有效利用系数", None, E, "0.55", "0.6", "—", "0.6", "—"),
    ("资源环境", "森林覆盖率", "%", B, "6.42", "7.9", "—", "12.68", "—"),
    ("资源环境", "城市建成区绿化覆盖率", "%", B, "31.3", "35.6", "—", "36.5", "—"),
    ("民生保障", "人口自然增长率", "‰", B, "7.32", "10以内", "—", "7.1以内", "—"),
    ("民生保障", "城镇登记失业率", "%", B, "1.95", "4以内", "—", "1.3", "—"),
    ("民生保障", "新型农村社会养老保险参保率", "%", B, "85", "95", "—", "97", "—"),
    ("民生保障", "城镇居民人均可支配收入", "元", E, "12569", "26200", "16", "25097", "14.8"),
    ("民生保障", "农牧民人均纯收入", "元", E, "8862", "12000", "6.3", "13583", "8.9"),
]

# 专栏2 “十三五”期间经济社会发展的主要指标: category, group, name, unit, attribute, 2015, 2020, growth.
ECO, INN, LIV, ENV = "经济总量和经济增长", "创新驱动", "民生福祉", "生态文明"
QUAL = "控制在自治区约束指标内"
MAIN_TABLE = [
    (ECO, None, "全区生产总值", "亿元", E, "494.1", "770", "9左右"),
    (ECO, None, "工业增加值", "亿元", E, "117.9", "225", "13左右"),
    (ECO, None, "全社会固定资产投资", "亿元", E, "329.6", "662", "15"),
    (ECO, None, "地方财政一般公共预算收入", "亿元", E, "40.4", "55.4", "6.5"),
    (ECO, None, "社会消费品零售总额", "亿元", E, "78.3", "138", "12"),
    (ECO, None, "外贸进出口总额", "亿美元", E, "6", "9", "8左右"),
    (ECO, "城镇化率", "常住人口城镇化率", "%", E, "46", "54", "〔8〕"),
    (ECO, "城镇化率", "户籍人口城镇化率", "%", E, "42.3", "50", "〔1.7〕"),
    (ECO, None, "第三产业占全区生产总值的比重", "%", E, "35.7", "38", "〔2.3〕"),
    (ECO, None, "城乡居民收入", "元", E, "18590", "27000", "不低于8%"),
    (INN, None, "每万人发明专利拥有量", "件", E, "0.2", "0.5", "—"),
    (INN, None, "研究与实验发展经费投入强度", None, E, "0.07", "0.13", "13"),
    (INN, "互联网普及率", "固定宽带用户普及率", "%", E, "42", "72", "〔30〕"),
    (INN, "互联网普及率", "移动互联网用户普及率", "%", E, "60", "90", "〔30〕"),
    (LIV, None, "人口自然增长率", "‰", B, "7.1以内", "9以内", "9以内"),
    (LIV, None, "城镇登记失业率", "%", B, "1.3", "4以内", "9以内"),
    (LIV, None, "城镇新增就业人数", "万人", E, "—", "〔10.5〕", "—"),
    (LIV, None, "九年义务教育巩固率", "%", B, "94", "98", "〔4〕"),
    (LIV, None, "高中阶段毛入学率", "%", B, "88.2", "91", "〔2.8〕"),
    (LIV, None, "劳动年龄人口平均受教育年限", "年", B, "9.1", "11.2", "4.4"),
    (LIV, None, "城乡居民基本养老保险参保率", "%", B, "97", "99", "〔2〕"),
    (LIV, "城乡住房", "城镇保障性安居工程", "套", B, "〔35033〕", "〔22026〕", "—"),
    (LIV, "城乡住房", "城镇棚户区改造", "套", B, "〔14679〕", "〔14042〕", "—"),
    (LIV, "城乡住房", "农村安居富民工程", "户", B, "〔31829〕", "〔70736〕", "—"),
    (LIV, None, "农村贫困人口脱贫人数", "人", B, "〔51640〕", "〔34453〕", "—"),
    (ENV, None, "耕地保有量", "万公顷", B, "44", "44", "—"),
    (ENV, None, "新增建设用地", "万亩", B, "〔12.77〕", "〔7.18〕", "—"),
    (ENV, None, "农业灌溉水有效利用系数", None, B, "0.6", "0.63", "〔0.03〕"),
    (ENV, "森林增长", "森林覆盖率", "%", B, "12.68", "13", "〔0.32〕"),
    (ENV, "森林增长", "森林蓄积量", "亿立方米", None, "0.055", "0.061", "—"),
    (ENV, None, "万元生产总值能耗降低", "%", B, "〔14.2〕", QUAL, None),
    (ENV, None, "单位生产总值二氧化碳排放降低", "%", B, "15.9", QUAL, None),
    (ENV, "主要污染物排放削减量", "化学需氧量", "吨", B, "〔24478〕", QUAL, None),
    (ENV, "主要污染物排放削减量", "氨氮", "吨", B, "〔1113〕", QUAL, None),
    (ENV, "主要污染物排放削减量", "二氧化硫", "吨", B, "〔10020〕", QUAL, None),
    (ENV, "主要污染物排放削减量", "氮氧化物", "吨", B, "〔11095〕", QUAL, None),
    (ENV, "地表水质量", "达到或好于Ⅲ类水体比例", "%", B, "90.9", "91以上", "—"),
    (ENV, "地表水质量", "劣Ⅴ类水体比例", "%", B, "1", "0.7以下", "—"),
]


@pytest.fixture(scope="module")
def doc():
    from plankg import sample_plan_path
    return read(sample_plan_path())


def text_of(value):
    return value.quantity.text.strip().replace("\u3000", "") if value else None


def test_two_tables_with_columns_read_from_headers(doc):
    review, main = doc.tables
    assert review.kind == "review" and main.kind == "plan"
    assert [(c.year, c.role) for c in review.columns] == [
        (2010, "baseline"), (2015, "target"), (2015, "growth"), (2015, "actual"), (2015, "actual_growth")]
    assert [(c.year, c.role) for c in main.columns] == [(2015, "baseline"), (2020, "target"), (2020, "growth")]
    assert review.problems == [] and main.problems == []


def test_review_table_every_row(doc):
    rows = [(i.category, i.name, i.unit, i.attribute, *(text_of(i.value(r)) for r in
             ("baseline", "target", "growth", "actual", "actual_growth"))) for i in doc.tables[0].indicators]
    assert rows == REVIEW_TABLE


def test_main_table_every_row(doc):
    rows = [(i.category, i.parent, i.name, i.unit, i.attribute,
             *(text_of(i.value(r)) for r in ("baseline", "target", "growth"))) for i in doc.tables[1].indicators]
    assert rows == MAIN_TABLE


def test_categories_and_declared_counts(doc):
    cats = [(c.name, c.declared_count, len(c.items)) for c in doc.tables[1].categories]
    # Each category's （N项） counts its top-level items, a group such as 城镇化率 once.
    assert cats == [(ECO, 9, 9), (INN, 3, 3), (LIV, 9, 9), (ENV, 8, 8)]


def test_quantities_keep_value_qualifier_year_and_cumulative_flag(doc):
    by_name = {i.name: i for i in doc.tables[1].indicators}
    growth = by_name["全区生产总值"].value("growth").quantity
    assert (growth.value, growth.qualifier, growth.year) == (Decimal("9"), "about", 2020)
    target = by_name["城镇新增就业人数"].value("target").quantity
    assert (target.value, target.cumulative, target.qualifier) == (Decimal("10.5"), True, "exact")
    assert by_name["城镇新增就业人数"].value("baseline").quantity.qualifier == "absent"
    assert by_name["劣Ⅴ类水体比例"].value("target").quantity.qualifier == "at_most"
    assert by_name["达到或好于Ⅲ类水体比例"].value("target").quantity.qualifier == "at_least"
    income = by_name["城乡居民收入"].value("growth").quantity
    assert (income.value, income.qualifier, income.unit) == (Decimal("8"), "at_least", "%")
    assert by_name["户籍人口城镇化率"].value("baseline").quantity.value == Decimal("42.3")
    assert by_name["化学需氧量"].value("target").quantity.qualifier == "qualitative"
    assert by_name["全区生产总值"].value("baseline").quantity.year == 2015


def test_every_cell_points_at_its_text(doc, sample_text):
    for table in doc.tables:
        for ind in table.indicators:
            where = doc.locate(ind.name_start, ind.name_end)
            assert where["text"].startswith(ind.name)
            for v in ind.values:
                assert doc.locate(v.start, v.end)["text"].strip() == v.quantity.text.strip()
    gdp = doc.tables[1].indicators[0]
    assert doc.locate(gdp.name_start, gdp.name_end)["line"] == 278


def test_narrative_targets_restate_table_indicators(doc):
    by_name = {i.name: i for i in doc.tables[1].indicators}

    def mentions(name):
        return [(t.kind, t.quantity.text) for t in by_name[name].mentions]

    # 第二篇第三章 发展目标 and the chapters after it, read by hand.
    assert ("growth", "9%左右") in mentions("全区生产总值")
    assert ("level", "770亿元") in mentions("全区生产总值")
    assert mentions("人口自然增长率") == [("level", "9‰以内")]
    assert ("level", "10.5万人以上") in mentions("城镇新增就业人数")
    assert ("level", "99%") in mentions("城乡居民基本养老保险参保率")  # 城乡居民养老保险参保率 in the text
    # 城乡居民收入不低于27000元: the bound is part of the quantity (it was once read as 27000元 exact).
    assert ("level", "不低于27000元") in mentions("城乡居民收入")
    assert ("level", "49.96万公顷") in mentions("耕地保有量")  # the text disagrees with the table's 44
    assert ("level", "13%") in mentions("森林覆盖率")
    assert ("baseline", "9.1年") in mentions("劳动年龄人口平均受教育年限")
    # Near names that are other indicators are not linked.
    subjects = {t.subject: t.indicator for t in doc.targets}
    assert subjects["城镇基本医疗保险参保率"] is None
    assert subjects["绿洲森林覆盖率"] is None
    assert subjects["固定宽带家庭普及率"] is None


def test_review_of_previous_plan_is_not_read_as_targets(doc):
    first_chapter = next(n for n in doc.outline.walk() if n.key == "part-1/chapter-1")
    assert not [t for t in doc.targets if first_chapter.start <= t.start < first_chapter.end]


def test_narrative_target_spans(doc):
    target = next(t for t in doc.targets if t.subject == "人口自然增长率")
    assert doc.locate(target.value_start, target.value_end)["text"] == "9‰以内"
    assert doc.locate(target.start, target.end)["line"] == 260
    assert target.quantity.year == 2020 and target.quantity.qualifier == "at_most"


def test_plans_without_tables_still_give_narrative_targets():
    doc = read(shared_plan("yunnan-10th.txt"))
    assert doc.tables == []
    found = {(t.subject, t.quantity.text) for t in doc.targets}
    assert ("人口自然增长率", "10‰以下") in found  # "控制在1 0 ‰以下": OCR-spaced digits
    assert ("森林覆盖率", "48%") in found
    assert all(t.quantity.year == 2005 for t in doc.targets if t.kind != "baseline")
    national = read(shared_plan("national-14th.md"))
    found = {(t.subject, t.quantity.text) for t in national.targets}
    assert ("城镇调查失业率", "5.5%以内") in found and ("森林覆盖率", "24.1%") in found


def test_header_layout_is_read_not_assumed():
    """A table with its columns in another order and a header of its own words."""
    text = ("第一章 目标\n到2025年，全市生产总值达到1200亿元。\n\t专栏1 主要指标\n"
            "\t指标名称\n\t属性\n\t2025年\n\t2020年\n\t年均增长\n\n"
            "\t全市生产总值（亿元）\n\t预期性\n\t1200\n\t900\n\t6左右\n\n"
            "\t森林覆盖率（%）\n\t约束性\n\t40\n\t38\n\t〔2〕\n\n\n第二章 其他\n正文。\n")
    doc = process(decode_plan(text.encode("utf-8")))
    table = doc.tables[0]
    assert [(c.year, c.role) for c in table.columns] == [(2025, "target"), (2020, "baseline"), (2025, "growth")]
    rows = [(i.name, i.unit, i.attribute, *(text_of(i.value(r)) for r in ("baseline", "target", "growth")))
            for i in table.indicators]
    assert rows == [("全市生产总值", "亿元", E, "900", "1200", "6左右"), ("森林覆盖率", "%", B, "38", "40", "〔2〕")]
    target = doc.targets[0]
    assert (target.subject, target.quantity.text, target.indicator.name) == ("全市生产总值", "1200亿元", "全市生产总值")
