"""Consistency rules SHACL Core cannot express: arithmetic across values, text against table.

Each rule reads facts from the graph (graph/facts.py) and yields findings in the same form
as the SHACL results. docs/audit.md gives every rule's reasoning, tolerance and severity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph

from . import facts

VIOLATION, WARNING, INFO = "violation", "warning", "info"

# Rule id -> (Chinese title, English title, what it checks).
RULES = {
    "cumulative-change": ("五年累计变化与基期、目标不符", "cumulative change contradicts baseline and target",
                          "A 〔…〕 change column must equal target minus baseline."),
    "growth-rate": ("年均增长率与基期、目标不符", "stated growth rate not implied by baseline and target",
                    "A stated average annual growth rate must agree with (target/baseline)^(1/years) - 1."),
    "text-vs-table": ("正文与指标表数值不一致", "text and table state different values",
                      "A value a sentence states for an indicator must equal the table's value for the same year."),
    "text-growth-rate": ("正文年均增长率与指标表基期、目标不符", "growth stated in the text not implied by the table",
                         "A growth rate (or its floor or ceiling) a sentence states for an indicator must be met by the "
                         "table's baseline and target."),
    "sum-of-parts": ("总数不等于分项之和", "total is not the sum of its parts",
                     "A declared total (an investment, a number of projects) must equal the sum of its stated parts."),
    "declared-count": ("声明项数与列出项数不符", "declared count differs from the items listed",
                       "A declared count (（9项）, 由7个项目组成) must equal the number of items listed."),
    "previous-plan-review": ("上期规划目标完成情况", "previous plan's targets met or missed",
                             "In a review table, whether each target was met, for information."),
    "qualitative-target": ("目标为定性表述", "target stated only in words",
                           "A binding indicator whose target is a phrase, not a number: it cannot be checked."),
}

# Tolerances, in percentage points of annual growth (docs/audit.md explains them).
GROWTH_TOLERANCE = {"exact": Decimal("0.5"), "about": Decimal("1.0")}
GROWTH_BOUND_SLACK = Decimal("0.5")


@dataclass
class Finding:
    rule: str
    severity: str
    entity: str  # IRI
    label: str  # the entity's Chinese label
    message: str
    values: dict = field(default_factory=dict)
    spans: list = field(default_factory=list)  # facts.Span: the row, the cells, the sentence
    plan: str = ""

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "entity": self.entity, "label": self.label,
                "message": self.message, "values": {k: str(v) for k, v in self.values.items()},
                "spans": [s.as_json() for s in self.spans], "plan": self.plan}


def run_rules(g: Graph) -> list[Finding]:
    inds = facts.indicators(g)
    out: list[Finding] = []
    for ind in inds.values():
        out.extend(_cumulative(ind))
        out.extend(_growth(ind))
        out.extend(_review(ind))
        out.extend(_qualitative(ind))
    statements = facts.statements(g)
    out.extend(_text_vs_table(statements, inds))
    # 年均下降3%: a rate of -3 %
    falling = {r.x for r in g.query(facts.PREFIXES + 'SELECT ?x WHERE { ?x pkg:direction "down" }')}
    out.extend(_text_growth(statements, inds, falling))
    projects = facts.projects(g)
    out.extend(_sums(projects))
    out.extend(_counts(projects, facts.categories(g)))
    return out


def _exact(v: facts.Value | None) -> bool:
    return v is not None and v.value is not None and v.qualifier in ("exact", "about") and not v.cumulative


def _places(*values: Decimal) -> int:
    return max((-v.as_tuple().exponent if v.as_tuple().exponent < 0 else 0) for v in values)


# --- cumulative change ---------------------------------------------------------------------------

def _cumulative(ind: facts.Indicator):
    base, target = ind.values.get("baseline"), ind.values.get("target")
    for role in ("growth", "actual_growth"):
        change = ind.values.get(role)
        if change is None or not change.cumulative or change.value is None:
            continue
        if not (_exact(base) and _exact(target)):
            continue
        diff = target.value - base.value
        places = _places(base.value, target.value, change.value)
        if round(diff, places) != round(change.value, places):
            yield Finding(
                "cumulative-change", VIOLATION, str(ind.iri), ind.label,
                f"{ind.label}：五年累计变化印为{change.text}，但目标{target.text}减基期{base.text}为{diff}"
                f" / the cumulative change printed is {change.text}, but target minus baseline is {diff}",
                {"baseline": base.value, "target": target.value, "printed change": change.value, "target - baseline": diff},
                [ind.span, base.span, target.span, change.span])


# --- growth rates -----------------------------------------------------------------------------------

def implied_growth(base: Decimal, end: Decimal, years: int) -> Decimal | None:
    """Average annual growth in percent from base to end over ``years``, or None if undefined."""
    if base <= 0 or end <= 0 or years <= 0:
        return None
    rate = math.exp(math.log(float(end) / float(base)) / years) - 1
    return Decimal(str(round(rate * 100, 2)))


def _growth_agrees(g: Decimal, q: str, implied: Decimal) -> tuple[bool, str]:
    """Whether an implied rate meets a stated one: a floor (不低于, 以上), a ceiling (以内), or a value."""
    if q == "at_least":
        return implied >= g - GROWTH_BOUND_SLACK, f"≥ {g - GROWTH_BOUND_SLACK}"
    if q == "at_most":
        return implied <= g + GROWTH_BOUND_SLACK, f"≤ {g + GROWTH_BOUND_SLACK}"
    tol = GROWTH_TOLERANCE.get(q, GROWTH_TOLERANCE["exact"])
    return abs(implied - g) <= tol, f"{g} ± {tol}"


def _growth(ind: facts.Indicator):
    base = ind.values.get("baseline")
    for role, end_role in (("growth", "target"), ("actual_growth", "actual")):
        stated, end = ind.values.get(role), ind.values.get(end_role)
        if stated is None or stated.value is None or stated.cumulative or stated.qualifier in ("absent", "qualitative"):
            continue
        if not (_exact(base) and _exact(end)) or base.year is None or end.year is None:
            continue
        implied = implied_growth(base.value, end.value, end.year - base.year)
        if implied is None:
            continue
        ok, bound = _growth_agrees(stated.value, stated.qualifier, implied)
        if ok:
            continue
        # Money values may be in current prices and rates in constant prices: a soft signal.
        money = (ind.unit or "").endswith("元")
        severity = WARNING if money else VIOLATION
        note = "（货币指标，增速或按可比价计算）/ (a money value: the rate may be in constant prices)" if money else ""
        yield Finding(
            "growth-rate", severity, str(ind.iri), ind.label,
            f"{ind.label}：{base.year}年{base.text}到{end.year}年{end.text}，年均增长为{implied}%，与所印{stated.text}不符{note}"
            f" / from {base.text} ({base.year}) to {end.text} ({end.year}) the average annual growth is {implied}%, "
            f"not {stated.text}",
            {"baseline": base.value, end_role: end.value, "years": end.year - base.year,
             "stated growth": stated.text, "implied growth %": implied, "accepted": bound},
            [ind.span, base.span, end.span, stated.span])


# --- text against table -------------------------------------------------------------------------------

def _text_vs_table(statements: list[facts.Statement], inds: dict):
    # A level against the target; an annual rate against the growth column; a change over the
    # period (提高3个百分点, 降低17%) against a 〔…〕 five-year change; 从… against the baseline.
    role_of = {"level": "target", "growth": "growth", "change": "growth", "baseline": "baseline"}
    for st in statements:
        ind = inds.get(st.indicator)
        if ind is None or ind.table_kind != "plan" or st.kind not in role_of:
            continue
        cell = ind.values.get(role_of[st.kind])
        said = st.value
        if cell is None or cell.value is None or said.value is None:
            continue
        if said.year is not None and cell.year is not None and said.year != cell.year:
            continue
        if st.kind in ("growth", "change") and cell.cumulative != (st.kind == "change"):
            continue  # an annual rate and a five-year change are not the same number
        # Compare in the same unit: 770亿元 in the text, 770 in a table whose unit is 亿元;
        # a number printed without a unit is taken in the table's unit. A change is compared
        # by its size: 降低17% and 〔17〕 or 〔-17〕 agree.
        said_mult = said.multiplier if said.unit else cell.multiplier
        a, b = said.value * said_mult, cell.value * cell.multiplier
        if a == b or st.kind in ("growth", "change") and abs(a) == abs(b):
            continue  # the text prints no sign: 下降2% and a cell of -2 agree
        yield Finding(
            "text-vs-table", VIOLATION, str(ind.iri), ind.label,
            f"{ind.label}：正文写{said.text}，指标表为{cell.text}（{cell.year}年）"
            f" / the text says {said.text}, the table {cell.text} ({cell.year})",
            {"text": said.text, "table": cell.text, "year": cell.year, "subject in text": st.subject},
            [st.span, said.span, cell.span])


def _text_growth(statements: list[facts.Statement], inds: dict, falling: set):
    """A growth rate stated in the text, checked against the table's baseline and target.

    Only where the table's own growth cell does not say the same thing (that one is checked
    by ``growth-rate``): a text that sets a floor (年均增长不低于8%) the table's levels cannot meet.
    """
    for st in statements:
        ind = inds.get(st.indicator)
        if ind is None or ind.table_kind != "plan" or st.kind != "growth":
            continue
        said, base, end = st.value, ind.values.get("baseline"), ind.values.get("target")
        if said.value is None or said.cumulative or not (_exact(base) and _exact(end)):
            continue
        if base.year is None or end.year is None or (said.year is not None and said.year != end.year):
            continue
        cell = ind.values.get("growth")
        if cell is not None and cell.value == said.value and cell.qualifier == said.qualifier:
            continue
        implied = implied_growth(base.value, end.value, end.year - base.year)
        if implied is None:
            continue
        rate, bound_of = said.value, said.qualifier
        if st.iri in falling:  # a fall of at least 3 % a year is a rate of at most -3 %
            rate, bound_of = -rate, {"at_least": "at_most", "at_most": "at_least"}.get(bound_of, bound_of)
        ok, bound = _growth_agrees(rate, bound_of, implied)
        if ok:
            continue
        money = (ind.unit or "").endswith("元")
        yield Finding(
            "text-growth-rate", WARNING if money else VIOLATION, str(ind.iri), ind.label,
            f"{ind.label}：正文写年均增长{said.text}，指标表{base.year}年{base.text}到{end.year}年{end.text}"
            f"的年均增长为{implied}% / the text states a growth of {said.text}, the table's {base.text} ({base.year}) "
            f"to {end.text} ({end.year}) is {implied}% a year",
            {"text": said.text, "baseline": base.value, "target": end.value, "years": end.year - base.year,
             "implied growth %": implied, "accepted": bound, "subject in text": st.subject},
            [st.span, said.span, base.span, end.span])


# --- totals and counts ---------------------------------------------------------------------------------

def _sums(projects: dict):
    for p in projects.values():
        parts = [c for c in p.components if c.investment is not None]
        if p.investment is not None and parts and len(parts) == len(p.components):
            total = sum((c.investment * c.investment_mult for c in parts), Decimal(0))
            declared = p.investment * p.investment_mult
            if total != declared:
                unit = p.investment_mult
                yield Finding(
                    "sum-of-parts", VIOLATION, str(p.iri), p.label,
                    f"{p.label}：总投资{p.investment_text}，分项合计{total / unit}{p.investment_unit or ''}"
                    f" / total investment {p.investment_text}, but its parts add up to {total / unit}{p.investment_unit or ''}",
                    {"declared total": p.investment_text, "sum of parts": f"{total / unit}{p.investment_unit or ''}",
                     "parts": "、".join(f"{c.label} {c.investment_text}" for c in parts)},
                    [p.span] + [c.span for c in parts])
        counted = [c for c in p.components if c.component_count is not None]
        if p.declared is not None and counted and len(counted) == len(p.components):
            total = sum(c.component_count for c in counted)
            if total != p.declared:
                yield Finding(
                    "sum-of-parts", VIOLATION, str(p.iri), p.label,
                    f"{p.label}：由{p.declared}个项目组成，分项合计{total}个 / declared {p.declared} projects, parts add up to {total}",
                    {"declared": p.declared, "sum of parts": total}, [p.span] + [c.span for c in counted])


def _counts(projects: dict, categories: list):
    for p in projects.values():
        listed = [c for c in p.components if c.component_count is None]
        if p.declared is not None and listed and len(listed) == len(p.components) and len(listed) != p.declared:
            yield Finding(
                "declared-count", VIOLATION, str(p.iri), p.label,
                f"{p.label}：写明由{p.declared}个项目组成，列出{len(listed)}个 / declares {p.declared} components, lists {len(listed)}",
                {"declared": p.declared, "listed": len(listed), "items": "、".join(c.label for c in listed)},
                [p.span])
    for c in categories:
        if c.declared != c.listed:
            yield Finding(
                "declared-count", VIOLATION, str(c.iri), c.label,
                f"{c.label}：标明（{c.declared}项），列出{c.listed}项 / declares {c.declared} items, lists {c.listed}",
                {"declared": c.declared, "listed": c.listed}, [c.span])


# --- previous plan, qualitative targets ------------------------------------------------------------------

def _review(ind: facts.Indicator):
    if ind.table_kind != "review":
        return
    base, target, actual = ind.values.get("baseline"), ind.values.get("target"), ind.values.get("actual")
    if target is None or actual is None or target.value is None or actual.value is None:
        return
    t, a = target.value, actual.value
    if target.qualifier == "at_most":
        met = a <= t
    elif target.qualifier == "at_least":
        met = a >= t
    elif base is not None and base.value is not None and t < base.value:
        met = a <= t  # a target below the baseline asks for a fall
    else:
        met = a >= t
    verdict = "已完成 / met" if met else "未完成 / missed"
    yield Finding(
        "previous-plan-review", INFO, str(ind.iri), ind.label,
        f"{ind.label}：目标{target.text}，实际{actual.text}：{verdict}",
        {"target": target.text, "actual": actual.text, "met": met}, [ind.span, target.span, actual.span])


def _qualitative(ind: facts.Indicator):
    target = ind.values.get("target")
    if ind.attribute == "binding" and target is not None and target.qualifier == "qualitative":
        yield Finding(
            "qualitative-target", INFO, str(ind.iri), ind.label,
            f"{ind.label}：约束性目标为定性表述“{target.text}”，无法核对 / a binding target stated in words",
            {"target": target.text}, [ind.span, target.span])
