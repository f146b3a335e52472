"""The quantity parser: every printed form, round trips, and nonsense refused."""

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plankg.extraction.quantity import (ABOUT, ABSENT, AT_LEAST, AT_MOST, EXACT, QUALITATIVE, RANGE, Quantity,
                                        QuantityError, parse_quantity, render_quantity, unit_multiplier)


@pytest.mark.parametrize("text, value, upper, qualifier, cumulative, unit", [
    ("494.1", "494.1", None, EXACT, False, None),
    ("〔10.5〕", "10.5", None, EXACT, True, None),
    ("7.1以内", "7.1", None, AT_MOST, False, None),
    ("4以内", "4", None, AT_MOST, False, None),
    ("0.7以下", "0.7", None, AT_MOST, False, None),
    ("91以上", "91", None, AT_LEAST, False, None),
    ("不低于8%", "8", None, AT_LEAST, False, "%"),
    ("9左右", "9", None, ABOUT, False, None),
    ("35-40%", "35", "40", RANGE, False, "%"),
    ("10.5万人以上", "10.5", None, AT_LEAST, False, "万人"),
    ("控制在4%以内", "4", None, AT_MOST, False, "%"),
    ("1,200.5亿元", "1200.5", None, EXACT, False, "亿元"),
    ("〔-3.5〕", "-3.5", None, EXACT, True, None),
    ("42.3\u3000", "42.3", None, EXACT, False, None),
])
def test_printed_forms(text, value, upper, qualifier, cumulative, unit):
    q = parse_quantity(text)
    assert q.text == text
    assert q.value == Decimal(value) and str(q.value) == value  # the printed digits, not a float
    assert q.upper == (Decimal(upper) if upper else None)
    assert (q.qualifier, q.cumulative, q.unit) == (qualifier, cumulative, unit)


def test_no_value_and_qualitative_targets():
    assert parse_quantity("—").qualifier == ABSENT and parse_quantity("—").value is None
    q = parse_quantity("控制在自治区约束指标内", allow_qualitative=True)
    assert (q.qualifier, q.value) == (QUALITATIVE, None)
    with pytest.raises(QuantityError):
        parse_quantity("控制在自治区约束指标内")  # only where the caller accepts words


@pytest.mark.parametrize("text", ["abc", "12..3", "", "  ", "万元生产总值能耗降低（%）", "40-35%", "〔12",
                                  "9以上左右", "达到或好于Ⅲ类水体比例(%)", "1:2:3"])
def test_nonsense_is_refused(text):
    with pytest.raises(QuantityError):
        parse_quantity(text, allow_qualitative=True)


def test_unit_multipliers():
    assert unit_multiplier("亿元") == ("元", 100_000_000)
    assert unit_multiplier("万人") == ("人", 10_000)
    assert unit_multiplier("万亿元") == ("元", 10 ** 12)
    assert unit_multiplier("%") == ("%", 1)
    assert unit_multiplier("万") == ("万", 1)  # a bare prefix is the unit itself
    assert parse_quantity("3亿立方米").multiplier == 100_000_000


decimals = st.decimals(min_value=Decimal("0"), max_value=Decimal("1e9"), places=3, allow_nan=False,
                       allow_infinity=False)
units = st.sampled_from([None, "%", "‰", "亿元", "万人", "公里", "万千瓦", "套"])


@st.composite
def quantities(draw):
    value = draw(decimals)
    qualifier = draw(st.sampled_from([EXACT, AT_MOST, AT_LEAST, ABOUT, RANGE]))
    upper = value + draw(decimals) if qualifier == RANGE else None
    return Quantity("", value=value, upper=upper, qualifier=qualifier, cumulative=draw(st.booleans()),
                    unit=draw(units))


@given(quantities())
@settings(max_examples=300)
def test_every_printed_form_round_trips(q):
    text = render_quantity(q)
    back = parse_quantity(text)
    assert (back.value, back.upper, back.qualifier, back.cumulative, back.unit) == (
        q.value, q.upper, q.qualifier, q.cumulative, q.unit)
    assert back.text == text


@given(st.text(max_size=30))
@example("౦")  # a Telugu zero: Decimal reads any Unicode digit; a plan's digits are ASCII once read
@settings(max_examples=500)
def test_any_text_parses_to_its_own_digits_or_is_refused(text):
    """Never a wrong number: a value, when there is one, is digits printed in the text."""
    try:
        q = parse_quantity(text, allow_qualitative=True)
    except QuantityError:
        return
    squashed = "".join(text.split()).replace(",", "")
    if q.value is not None:
        assert str(q.value).lstrip("-") in squashed
    else:
        assert q.qualifier in (ABSENT, QUALITATIVE)
