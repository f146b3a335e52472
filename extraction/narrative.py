"""Quantified targets stated in the body text, linked to the table indicators they restate.

``到2020年，……全区生产总值年均增长9%左右``, ``人口自然增长率控制在9‰以内``,
``城镇新增就业10.5万人以上``: a target is a subject, a verb that frames a number, and a
quantity, in a clause whose time reference is the plan's end year or its period. The time
reference is the latest one stated before the clause, in the same paragraph or in earlier
paragraphs of the same chapter, so the review of the previous plan (到“十二五”末……) is not
taken for targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import lexicon, segment
from .model import Document, Node
from .numerals import parse_numeral
from .quantity import Quantity, QuantityError, parse_quantity
from .tables import Indicator

GROWTH_VERBS = ("年均增长", "年均递增", "年均提高", "年均下降", "年均增速", "增长", "增速")
LEVEL_VERBS = ("达到", "提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "增长到", "降低到", "降至",
               "下降到", "下降至", "减少到", "控制在", "保持在", "稳定在", "突破", "超过", "不低于", "不少于",
               "不高于", "不超过", "低于", "高于", "达", "为", "在")
_VERB = "|".join(sorted(GROWTH_VERBS + LEVEL_VERBS, key=len, reverse=True))
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CLAUSE_END = re.compile(r"[，,；;：:]")
_YEAR = re.compile(r"(?:((?:19|20)\d\d)|([二][〇零][一二三四五六七八九〇零]{2}))\s*年(?!代)")
_PERIOD = re.compile(r"[“\"「]?\s*十([一二三四五六七八九]?)\s*五\s*[”\"」]?\s*(?:期间|时期|末|期末|规划|计划|以来)")
_LEAD_NOISE = re.compile(r"^(?:到|至|截至|截止|在|——|-|其中|力争|确保|使|并|和|及|以及|将|实现|全面|基本|进一步|同时|期末)+")
_TRAIL_NOISE = re.compile(r"(?:分别|要|将|可|能|均|累计|总数|基本|力争|稳定|持续|逐步|进一步|完成|实现|到|在|为|的|从)+$")
_STOP = {"的", "和", "与", "及", "占", "其中", "全区", "全地区", "全省", "全市", "全县", "全国", "地区"}


@dataclass
class NarrativeTarget:
    subject: str
    kind: str  # "level" (a value in the end year), "growth" (a rate over the period), "baseline" (从…)
    quantity: Quantity
    start: int  # the sentence
    end: int
    clause_start: int
    clause_end: int
    value_start: int  # the quantity as printed
    value_end: int
    indicator: Indicator | None = None
    score: float = 0.0  # how well the subject matches the indicator's name
    context: list[str] = field(default_factory=list)  # the time phrase that made it a target

    @property
    def year(self) -> int | None:
        return self.quantity.year


def extract_targets(doc: Document) -> None:
    """Pipeline component: fill ``doc.targets`` and each indicator's ``mentions``."""
    pattern = _target_pattern()
    doc.targets = []
    when = None  # ("year"|"period"|"past"|..., year, phrase): the time reference in force
    for event, node in _reading_order(doc.outline):
        if event == "enter":
            # A chapter starts with no time reference; a heading may state one (“十四五”时期…主要目标).
            if node.kind in ("part", "chapter", "annex", "preamble"):
                when = None
            for t in _times(node.title, doc.info):
                when = t
        else:
            when = _scan_paragraph(doc, node, pattern, when)
    indicators = [i for t in doc.tables if t.kind == "plan" for i in t.indicators]
    segment.add_words(i.name for i in indicators)
    _tokens.cache_clear()
    for target in doc.targets:
        _link(target, indicators)


def _reading_order(node: Node):
    """("enter", heading node) and ("paragraph", node) events in reading order, boxes skipped."""
    for child in node.children:
        if child.kind == "paragraph":
            yield "paragraph", child
        elif child.kind in ("box", "table", "contents"):
            continue  # project lists and tables: capacities and cells, not narrative
        else:
            yield "enter", child
            yield from _reading_order(child)


def _target_pattern() -> re.Pattern:
    units = lexicon.unit_regex()
    return re.compile(
        rf"(?P<verb>{_VERB})?"
        rf"(?P<q>(?:不低于|不少于|不高于|不超过|低于|高于|超过)?(?P<num>\d+(?:\.\d+)?)(?:\s*[-～~]\s*\d+(?:\.\d+)?)?"
        rf"(?P<unit>{units})?(?P<suf>以上|以内|以下|左右)?)"
    )


def _scan_paragraph(doc: Document, para: Node, pattern: re.Pattern, when):
    text = doc.text
    info = doc.info
    pos = para.start
    while pos < para.end:
        m_end = _SENTENCE_END.search(text, pos, para.end)
        s_end = m_end.end() if m_end else para.end
        sentence = (pos, s_end)
        clause_start = pos
        last_subject = ""
        while clause_start < s_end:
            c = _CLAUSE_END.search(text, clause_start, s_end)
            clause_end = c.start() if c else s_end
            clause = text[clause_start:clause_end]
            for offset, t in _times(clause, info, with_offsets=True):
                # A past reference frames what follows only where it opens the clause
                # (到“十二五”末，…); mid-clause it is a comparison (高于“十三五”时期实际).
                if t[0] != "past" or offset <= 3:
                    when = t
            if when is not None and when[0] != "past":
                last_subject = _targets_in_clause(doc, pattern, sentence, clause_start, clause_end, when,
                                                  last_subject)
            clause_start = (c.end() if c else s_end)
        pos = s_end
    return when


def _times(clause: str, info, with_offsets: bool = False) -> list:
    """Time references in a clause, in order: the plan period, its end year, or the past."""
    found = []
    for m in _YEAR.finditer(clause):
        year = int(m.group(1)) if m.group(1) else parse_numeral(m.group(2))
        found.append((m.start(), _when_year(year, info, m.group(0))))
    for m in _PERIOD.finditer(clause):
        ordinal = 10 + (parse_numeral(m.group(1)) if m.group(1) else 0)
        if info.ordinal is None or ordinal > info.ordinal:
            kind = "future"
        elif ordinal == info.ordinal:
            kind = "period"
        else:
            kind = "past"
        found.append((m.start(), (kind, info.end_year if kind == "period" else None, m.group(0))))
    found = sorted((f for f in found if f[1] is not None), key=lambda x: x[0])
    return found if with_offsets else [w for _, w in found]


def _when_year(year: int, info, phrase: str):
    if info.end_year is None:
        return None
    if year == info.end_year:
        return ("year", year, phrase)
    if info.base_year is not None and year <= info.base_year:
        return ("past", year, phrase)
    if year > info.end_year:
        return ("future", year, phrase)
    return ("interim", year, phrase)


def _targets_in_clause(doc, pattern, sentence, start, end, when, last_subject) -> str:
    text = doc.text
    kind_of_time, year, phrase = when
    if kind_of_time not in ("year", "period"):
        return last_subject
    cursor = start
    for m in pattern.finditer(text, start, end):
        if not _is_target_number(text, m, start):
            continue
        verb = m.group("verb") or ""
        if not (m.group("unit") or m.group("suf") or verb):
            continue
        try:
            q = parse_quantity(m.group("q"))
        except QuantityError:
            continue
        subject = _subject(text[cursor:m.start()]) or last_subject
        cursor = m.end()
        if not subject:
            continue
        last_subject = subject
        growth = verb in GROWTH_VERBS
        baseline = text[max(start, m.start() - 1):m.start()] == "从"  # 从9.1年提高到11.2年
        kind = "growth" if growth else "baseline" if baseline else "level"
        when_year = doc.info.base_year if baseline else doc.info.end_year if growth or kind_of_time == "period" else year
        doc.targets.append(NarrativeTarget(
            subject=subject, kind=kind, quantity=q.at(when_year),
            start=sentence[0], end=sentence[1], clause_start=start, clause_end=end,
            value_start=m.start("q"), value_end=m.end("q"), context=[phrase]))
    return last_subject


def _is_target_number(text: str, m: re.Match, clause_start: int) -> bool:
    """Not a year, a date, an ordinal, a ratio, a code (G30) or part of a longer number."""
    a, b = m.start("num"), m.end("q")
    before = text[a - 1] if a > clause_start else ""
    after = text[b:b + 1]
    if before and (before.isascii() and before.isalnum() or before in "第.-/∶："):
        return False
    if after and (after in "：∶:/.年月日号届次" or after.isascii() and after.isalnum()):
        return False
    if m.group("unit") == "年" and re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
        return False  # a year, not a number of years
    return True


def _subject(raw: str) -> str:
    s = _YEAR.sub("", raw)
    s = _PERIOD.sub("", s)
    s = re.sub(r"[“”\"「」《》、（）()\s]", "", s)
    s = _LEAD_NOISE.sub("", s)
    s = _TRAIL_NOISE.sub("", s)
    return s if len(s) >= 2 else ""


# --- linking to the table -------------------------------------------------------------

def match_score(subject: str, name: str) -> float:
    """How well a narrative subject names an indicator: the smaller of the two coverages.

    The coverage of one text by another is the share of its characters that lie in a
    word (as jieba cuts it, at every granularity) found in the other; function words
    (的, 占, 全区) count on neither side. 城乡居民养老保险参保率 covers 城乡居民基本养老保险参保率
    well; 城镇基本医疗保险参保率 shares 基本, 保险 and 参保 with it but is another indicator.
    """
    if subject == name:
        return 1.0
    forward, missed_in_subject = _coverage(subject, name)
    backward, missed_in_name = _coverage(name, subject)
    if missed_in_subject >= 2 and missed_in_name >= 2:
        return 0.0  # a word swapped for another (家庭 for 用户): another indicator
    if forward < 0.75:
        return 0.0  # the subject qualifies the name (绿洲森林覆盖率 is not 森林覆盖率)
    return min(forward, backward)


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple:
    """Search tokens of a subject or name; cleared when a document teaches jieba new words."""
    return tuple(segment.search_tokens(text))


def _coverage(x: str, y: str) -> tuple[float, int]:
    """Share of x's content characters in words found in y, and how many were missed."""
    stop = {i for w in _STOP for m in re.finditer(re.escape(w), x) for i in range(m.start(), m.end())}
    marked = {i for word, start, end in _tokens(x) if word in y for i in range(start, end)}
    counted = [i for i, ch in enumerate(x) if i not in stop and ("\u4e00" <= ch <= "\u9fff" or ch.isalnum())]
    if not counted:
        return 0.0, 0
    hits = sum(1 for i in counted if i in marked)
    return hits / len(counted), len(counted) - hits


def _link(target: NarrativeTarget, indicators: list[Indicator], threshold: float = 0.7) -> None:
    best, best_score = None, 0.0
    for ind in indicators:
        if not _units_agree(target, ind):
            continue
        score = max(match_score(target.subject, ind.name), match_score(target.subject, ind.label))
        if score > best_score:
            best, best_score = ind, score
    if best is not None and best_score >= threshold:
        target.indicator, target.score = best, round(best_score, 3)
        best.mentions.append(target)


def _units_agree(target: NarrativeTarget, ind: Indicator) -> bool:
    unit = target.quantity.unit
    if target.kind == "growth":
        return unit in (None, "%")
    if unit is None or ind.unit is None:
        return True
    return lexicon.units().get(unit, (unit, 1))[0] == lexicon.units().get(ind.unit, (ind.unit, 1))[0]
