"""Property: a target's number, unit and qualifier put back together are the printed quantity.

Clauses are built from the grammar's parts (a subject, a verb, a bound before the number, the
number, a unit of ontology/units.ttl, a bound after it). For every target emitted, the span it
points at is exactly the quantity as printed, and its value, unit and qualifier are what those
printed words say; where the words contradict each other nothing is emitted.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plankg.extraction import lexicon
from plankg.extraction.narrative import VERBS
from plankg.extraction.pipeline import process
from plankg.extraction.quantity import EXACT, PREFIXES, SUFFIXES
from plankg.extraction.source import decode_plan

HEAD = "某市国民经济和社会发展第十四个五年规划纲要\n\n第一章 目标\n到2025年，"
TAIL = "\n\n第二章 其他\n正文。\n"
SUBJECTS = ["森林覆盖率", "粮食综合生产能力", "城镇登记失业率", "研究与试验发展经费投入强度", "城乡居民人均可支配收入",
            "新增建设用地规模", "细颗粒物（PM2.5）浓度"]
BOUND_AFTER = {k: v for k, v in SUFFIXES.items() if k != "内"}
VERB_LIST = sorted(v for v in VERBS if len(v) > 1)
UNITS = sorted(u for u in lexicon.units() if u != "年")  # 2020年 would be a year
NUMBERS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2).map(str) | \
    st.integers(min_value=1, max_value=999).map(str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.sampled_from(SUBJECTS), verb=st.sampled_from(VERB_LIST),
       before=st.sampled_from([""] + sorted(PREFIXES)), number=NUMBERS,
       unit=st.sampled_from([""] + UNITS), after=st.sampled_from([""] + sorted(BOUND_AFTER)))
def test_number_unit_and_qualifier_give_back_the_printed_quantity(subject, verb, before, number, unit, after):
    printed = f"{before}{number}{unit}{after}"
    doc = process(decode_plan(f"{HEAD}{subject}{verb}{printed}。{TAIL}".encode("utf-8")))
    bound_before, bound_after = PREFIXES.get(before), BOUND_AFTER.get(after)
    if bound_before and bound_after and bound_before != bound_after:
        assert doc.targets == []  # 不低于5%以下: the words contradict each other
        return
    assert len(doc.targets) == 1
    t = doc.targets[0]
    _, verb_bound, _ = VERBS[verb]
    qualifier = bound_before or bound_after or verb_bound or EXACT
    # The span is the printed quantity; with a bound only in the verb (控制在), the verb is part of it.
    span = doc.text[t.value_start:t.value_end]
    assert span == (verb if verb_bound and not (before or after) else "") + printed
    assert span == t.quantity.text
    # Value, unit and qualifier are what the printed words say, and nothing else is in the span.
    assert (t.quantity.value, t.quantity.unit, t.quantity.qualifier) == (Decimal(number), unit or None, qualifier)
    words = [w for w in (verb if span.startswith(verb) and verb_bound else "", before, number, unit or "", after) if w]
    assert "".join(words) == span
    assert t.subject == subject.replace("（", "").replace("）", "")
