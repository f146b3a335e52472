"""Quantities as plans print them: ``494.1``, ``〔10.5〕``, ``9左右``, ``7.1以内``, ``不低于8%``, ``35-40%``, ``—``.

A :class:`Quantity` keeps the printed text, the value as a :class:`~decimal.Decimal`
built from the printed digits, a qualifier, the five-year cumulative flag and the unit
printed with the number. The qualifier vocabulary is the grammar of Chinese quantity
phrases, not knowledge of any plan, so it lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

# How a printed qualifier bounds the value.
EXACT, AT_MOST, AT_LEAST, ABOUT, RANGE, ABSENT, QUALITATIVE = (
    "exact", "at_most", "at_least", "about", "range", "absent", "qualitative")

PREFIXES = {  # longest first matters: 不低于 before 低于
    "不低于": AT_LEAST, "不少于": AT_LEAST, "不小于": AT_LEAST, "超过": AT_LEAST, "高于": AT_LEAST,
    "不超过": AT_MOST, "不高于": AT_MOST, "不大于": AT_MOST, "低于": AT_MOST, "少于": AT_MOST,
    "约": ABOUT, "大约": ABOUT,
}
SUFFIXES = {"以内": AT_MOST, "以下": AT_MOST, "以上": AT_LEAST, "左右": ABOUT, "上下": ABOUT, "之内": AT_MOST,
            "内": AT_MOST}
ABSENT_MARKS = {"—", "－", "-", "--", "——", "/", "…", "…………", "无"}
# Brackets that mark a five-year cumulative value: 〔10.5〕, [10.5], 【10.5】.
_CUMULATIVE = {"〔": "〕", "[": "]", "【": "】", "［": "］"}
# Multiplier prefixes of units: 亿元, 万人, 万亿元. (千瓦 is a unit of its own, not 1000 瓦.)
_MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
# Verbs that frame a number without bounding it: 控制在4%以内 is bounded by its 以内.
NEUTRAL_PREFIXES = ("控制在", "保持在", "达到", "提高到", "降低到", "下降到", "力争", "为", "达")

_NUMBER = r"[+-]?[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_UNIT = r"[%‰]|[^0-9\s.,+\-—～~至到]{1,6}?"
_BODY = re.compile(
    rf"^(?:{'|'.join(NEUTRAL_PREFIXES)})?(?P<pre>{'|'.join(sorted(PREFIXES, key=len, reverse=True))})?"
    rf"(?P<num>{_NUMBER})(?:\s*(?P<unit1>[%‰]))?"
    rf"(?:\s*(?:-|－|—|～|~|至|到)\s*(?P<num2>{_NUMBER}))?"
    rf"(?P<unit>{_UNIT})??"
    rf"(?P<suf>{'|'.join(sorted(SUFFIXES, key=len, reverse=True))})?$"
)
# A target stated in words (控制在自治区约束指标内) opens with a verb of control or ends with a bound;
# an indicator name with its unit (万元生产总值能耗降低（%）) is not one.
_QUALITATIVE = re.compile(r"^(?:控制|达到|完成|实现|保持|确保|不低于|不高于|低于|高于|按|执行|符合|稳定)"
                          r"|(?:以内|以上|以下|内|要求|标准|任务|范围)$")
_UNIT_SUFFIX = re.compile(r"[（(][^（）()]{1,8}[)）]$")


class QuantityError(ValueError):
    """Text that is not a printed quantity."""


@dataclass(frozen=True)
class Quantity:
    text: str  # as printed
    value: Decimal | None = None
    upper: Decimal | None = None  # upper bound of a range (35-40%)
    qualifier: str = EXACT
    cumulative: bool = False  # 〔…〕: a five-year cumulative value
    unit: str | None = None  # unit printed with the number (%, 万人)
    year: int | None = None  # set by the context: the table column or the sentence

    def at(self, year: int | None) -> "Quantity":
        return replace(self, year=year)

    @property
    def multiplier(self) -> int | None:
        return unit_multiplier(self.unit)[1] if self.unit else None

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "value": str(self.value) if self.value is not None else None,
            "upper": str(self.upper) if self.upper is not None else None,
            "year": self.year,
            "qualifier": self.qualifier,
            "cumulative": self.cumulative,
            "unit": self.unit,
        }


def parse_quantity(text: str, allow_qualitative: bool = False) -> Quantity:
    """Parse one printed quantity; :class:`QuantityError` if the text is not one.

    With ``allow_qualitative``, a Chinese phrase that states a target in words
    (``控制在自治区约束指标内``) is returned as a qualitative quantity with no value.
    """
    printed = text
    s = re.sub(r"\s+", "", text)
    if not s:
        raise QuantityError("empty quantity")
    if s in ABSENT_MARKS:
        return Quantity(printed, qualifier=ABSENT)
    cumulative = False
    if s[0] in _CUMULATIVE and s.endswith(_CUMULATIVE[s[0]]):
        cumulative, s = True, s[1:-1]
    m = _BODY.match(s)
    if m is None or (m.group("unit") and not _is_unit(m.group("unit"))):
        if allow_qualitative and not cumulative and not re.search(r"[0-9]", s) \
                and _QUALITATIVE.search(s) and not _UNIT_SUFFIX.search(s):
            return Quantity(printed, qualifier=QUALITATIVE)
        raise QuantityError(f"not a quantity: {text!r}")
    value = Decimal(m.group("num").replace(",", ""))
    unit = m.group("unit1") or m.group("unit")
    upper = None
    qualifier = PREFIXES.get(m.group("pre") or "") or SUFFIXES.get(m.group("suf") or "") or EXACT
    if m.group("pre") and m.group("suf") and PREFIXES[m.group("pre")] != SUFFIXES[m.group("suf")]:
        raise QuantityError(f"contradictory qualifiers: {text!r}")
    if m.group("num2"):
        if m.group("pre") or m.group("suf"):
            raise QuantityError(f"a range with a qualifier: {text!r}")
        upper = Decimal(m.group("num2").replace(",", ""))
        if upper < value:
            raise QuantityError(f"a range that runs backwards: {text!r}")
        qualifier = RANGE
    return Quantity(printed, value=value, upper=upper, qualifier=qualifier, cumulative=cumulative, unit=unit)


def _is_unit(unit: str) -> bool:
    """A unit is a short word, not a phrase: no digits, no sentence punctuation."""
    return (not re.search(r"[0-9，。；：、()（）〔〕:;]", unit) and len(unit) <= 6
            and not any(word in unit for word in SUFFIXES))


def render_quantity(q: Quantity) -> str:
    """Print a quantity the way plans do (the inverse of :func:`parse_quantity` on values)."""
    if q.qualifier == ABSENT:
        return "—"
    if q.qualifier == QUALITATIVE:
        return q.text
    unit = q.unit or ""
    if q.qualifier == RANGE:
        body = f"{q.value}-{q.upper}{unit}"
    else:
        body = f"{q.value}{unit}"
        body = {AT_MOST: f"{body}以内", AT_LEAST: f"{body}以上", ABOUT: f"{body}左右"}.get(q.qualifier, body)
    return f"〔{body}〕" if q.cumulative else body


def unit_multiplier(unit: str | None) -> tuple[str | None, int]:
    """Split a printed unit into its base unit and the multiplier of its 万/亿 prefix.

    ``亿元`` -> (``元``, 100000000); ``万人`` -> (``人``, 10000); ``%`` -> (``%``, 1).
    A prefix alone (``万``) is a pure number multiplier.
    """
    if not unit:
        return unit, 1
    mult, i = 1, 0
    while i < len(unit) - 1 and unit[i] in _MULTIPLIERS:
        mult *= _MULTIPLIERS[unit[i]]
        i += 1
    return unit[i:], mult
