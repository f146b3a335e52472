"""Audit rules on narrative targets: hand-made graphs that break each rule once and keep it once."""

from __future__ import annotations

from rdflib import RDF, XSD, Literal, URIRef

from test_audit import BASE, PKG, SDMX, PlanGraph, rules, v


def statement(pg, n, ind, kind, text, value, qualifier="Exact", unit=None, mult=1, year=2020, direction=None):
    t = URIRef(f"{BASE}/target-{n}")
    if direction:
        pg.g.add((t, PKG.direction, Literal(direction)))
    val = URIRef(f"{t}/value")
    for triple in ((t, RDF.type, PKG.NarrativeTarget), (t, PKG.restates, ind), (t, PKG.targetKind, Literal(kind)),
                   (t, PKG.subjectText, Literal("x", lang="zh")), (t, RDF.value, val),
                   (val, PKG.printedText, Literal(text)), (val, PKG.value, Literal(value, datatype=XSD.decimal)),
                   (val, PKG.qualifier, URIRef(PKG + qualifier)), (val, PKG.cumulative, Literal(False)),
                   (val, SDMX.refPeriod, Literal(str(year), datatype=XSD.gYear))):
        pg.g.add(triple)
    if unit:
        pg.g.add((val, PKG.unitText, Literal(unit)))
        pg.g.add((val, PKG.unitMultiplier, Literal(mult)))
    pg.evidence(t, "到2020年……")


def test_a_growth_floor_in_the_text_that_the_table_cannot_meet():
    pg = PlanGraph()
    # 100 -> 140 in five years is 6.96 % a year: a text floor of 不低于8% cannot be met, 6%以上 can.
    low = pg.indicator("工业增加值", {"baseline": v("100", "100", year=2015), "target": v("140", "140", year=2020)},
                       unit="万吨", mult=10000)
    ok = pg.indicator("粮食产量", {"baseline": v("100", "100", year=2015), "target": v("140", "140", year=2020)},
                      unit="万吨", mult=10000)
    statement(pg, 1, low, "growth", "不低于8%", "8", "AtLeast", "%")
    statement(pg, 2, ok, "growth", "6%以上", "6", "AtLeast", "%")
    # The same ceiling the other way: 以内 of 5% is broken by 6.96 %.
    capped = pg.indicator("能源消费", {"baseline": v("100", "100", year=2015), "target": v("140", "140", year=2020)},
                          unit="万吨", mult=10000)
    statement(pg, 3, capped, "growth", "5%以内", "5", "AtMost", "%")
    assert rules(pg.findings()) == [("text-growth-rate", "violation", "工业增加值"),
                                    ("text-growth-rate", "violation", "能源消费")]


def test_a_change_is_compared_with_the_five_year_change_only():
    pg = PlanGraph()
    energy = pg.indicator("单位GDP能耗降低", {"growth": v("〔17〕", "17", cumulative=True, year=2020)}, unit="%", mult=1)
    water = pg.indicator("单位GDP用水量降低", {"growth": v("〔23〕", "23", cumulative=True, year=2020)}, unit="%", mult=1)
    urban = pg.indicator("城镇化率", {"target": v("60", "60", year=2020), "growth": v("1", "1", year=2020)},
                         unit="%", mult=1)
    statement(pg, 1, energy, "change", "17%", "17", unit="%")  # agrees
    statement(pg, 2, water, "change", "20%", "20", unit="%")  # disagrees
    statement(pg, 3, urban, "change", "4个百分点", "4", unit="个百分点")  # an annual cell: not comparable
    assert rules(pg.findings()) == [("text-vs-table", "violation", "单位GDP用水量降低")]


def test_a_falling_rate_is_checked_as_a_fall():
    pg = PlanGraph()
    # 100 -> 86 in five years is -2.97 % a year: 年均下降3% holds, 年均下降5%以上 cannot be met.
    kept = pg.indicator("能耗", {"baseline": v("100", "100", year=2015), "target": v("86", "86", year=2020)},
                        unit="万吨", mult=10000)
    broken = pg.indicator("煤耗", {"baseline": v("100", "100", year=2015), "target": v("86", "86", year=2020)},
                          unit="万吨", mult=10000)
    statement(pg, 1, kept, "growth", "3%", "3", unit="%", direction="down")
    statement(pg, 2, broken, "growth", "5%以上", "5", "AtLeast", "%", direction="down")
    assert rules(pg.findings()) == [("text-growth-rate", "violation", "煤耗")]
