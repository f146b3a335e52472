"""Quantified targets stated in the body text, linked to the table indicators they restate.

``到2020年，……全区生产总值年均增长9%左右``, ``人口自然增长率控制在9‰以内``,
``城镇新增就业10.5万人以上``: a target is a subject, a verb that frames a number, and a
quantity, in a clause whose time reference is the plan's end year or its period. docs/narrative.md
states the grammar; in short:

* the quantity keeps every word that bounds it, wherever it stands: before the number (不低于,
  低于, 超过, 约), after it (以上, 以内, 以下, 左右), or in the verb (控制在 sets a ceiling, 突破 a
  floor); units are the words of ``ontology/units.ttl`` with their 万/亿 scales;
* the verb says what the number is: a level (达到, 提高到, 降至), an average annual growth rate
  (年均增长), or a change over the period (提高, 降低: ``提高3个百分点``);
* numbers shared out by 分别/各 give one target per subject (``分别提高3个和4个百分点``);
* the time reference is the latest one stated before the clause (``到2020年``, ``“十四五”时期``,
  ``今后五年``, a heading); a year beyond the plan (2035) holds for its own sentence or clause only;
  a past reference opening a clause (``“十二五”时期，``) frames a review, which is not read; a
  clause with no reference at all is dated to the plan's end year and marked ``implied``;
* anything the reader cannot account for (a word after the number that is no unit, a list
  without 分别/各, a comparison with another quantity, contradictory bounds) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import lexicon, segment
from .model import Document, Node
from .numerals import parse_numeral
from .quantity import AT_LEAST, AT_MOST, EXACT, PREFIXES, RANGE, SUFFIXES, Quantity
from .tables import Indicator

# Verb -> (kind, qualifier the verb itself sets, direction). Longest first in the pattern.
_GROWTH = ("年均增长", "年均递增", "年均提高", "年均增速", "年均增幅", "每年增长", "年增长", "增速")
_GROWTH_DOWN = ("年均下降", "年均降低", "年均减少")
_LEVEL = ("达到", "提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "增长到", "增长至", "增至",
          "升至", "升到", "上升到", "上升至", "发展到", "发展至", "扩大到", "扩大至", "降低到", "降低至", "降到", "降至", "降为", "下降到", "下降至",
          "减少到", "减少至", "减至", "减为", "缩短到", "缩短至", "缩小到", "缩小至", "保持在", "稳定在",
          "维持在", "达", "为", "在")
_CHANGE_UP = ("提高", "提升", "增加", "增长", "扩大")
_CHANGE_DOWN = ("降低", "下降", "减少", "削减", "缩短", "缩小", "压减", "压缩")
VERBS: dict[str, tuple[str, str | None, str | None]] = {
    **{v: ("growth", None, "up") for v in _GROWTH},
    **{v: ("growth", None, "down") for v in _GROWTH_DOWN},
    **{v: ("level", None, None) for v in _LEVEL},
    "控制在": ("level", AT_MOST, None),  # a ceiling: 控制在1.5万人
    "突破": ("level", AT_LEAST, None),
    **{v: ("change", None, "up") for v in _CHANGE_UP},
    **{v: ("change", None, "down") for v in _CHANGE_DOWN},
}
# Qualifiers of running text: 内 alone is left out (5年内 is a time span, not a bound).
_SUFFIXES = {k: v for k, v in SUFFIXES.items() if k != "内"}
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_DASH = r"[-－—–～~至到](?!\s*(?:19|20)\d\d\s*年)"  # 2到3家, but not 到2020年
_DIGIT = re.compile(r"\d")  # every quantity the grammar reads has one (_NUM)
_SENTENCE_END = re.compile(r"[。！？!?]")
_CLAUSE_END = re.compile(r"[，,；;：:]")
_YEAR = re.compile(r"(?:((?:19|20)\d\d)|([二][〇零][一二三四五六七八九〇零]{2}))\s*年(?!代)")
_PERIOD = re.compile(r"[“\"「]?\s*十([一二三四五六七八九]?)\s*五\s*[”\"」]?\s*(?:期间|时期|末|期末|规划|计划|以来)")
_OWN_PERIOD = re.compile(r"今后五年|未来五年|本规划期|规划期(?:内|末|间)?")
_ANY_TIME = re.compile("|".join(p.pattern for p in (_YEAR, _PERIOD, _OWN_PERIOD)))  # most clauses have none
# The same time phrases without groups, to set them aside in subjects.
_TIME_TEXT = (r"(?:(?:19|20)\d\d|二[〇零][一二三四五六七八九〇零]{2})\s*年(?!代)"
              r"|[“\"「]?\s*十[一二三四五六七八九]?\s*五\s*[”\"」]?\s*(?:期间|时期|末|期末|规划|计划|以来)"
              rf"|{_OWN_PERIOD.pattern}")
_LEAD_TIME = re.compile(rf"^(?:{_TIME_TEXT})(?:末|底|前|以前|期间)?|(?:到|至|在)?(?:{_TIME_TEXT})(?:末|底)?$")
_COMPARED = re.compile(rf"比\s*(?:{_TIME_TEXT}|上年|去年|基期)(?:末|底)?")
_LEAD_NOISE = re.compile(r"^(?:到|至|截至|截止|在|——|-|其中|力争|争取|确保|保证|努力|使|并|和|及|以及|将|要|"
                         r"基本实现|全面实现|实现|进一步|同时|期末|以后|之后|推动|促进|、)+")
_TRAIL_NOISE = re.compile(r"(?:分别|各|要|将|可|基本|力争|稳定|持续|逐步|进一步|稳步|明显|大幅|大幅度|有效|"
                          r"显著|继续|再|完成|实现|到|在|为|的|从|总体|年均|平均每年|每年|和|及|与|、)+$")
# A comparison with another quantity: 高于全国平均水平2个百分点 is not a level of 2.
_COMPARISON = re.compile(r"(?<!占|对)比(?!重|例|率|较)|高于|低于|快于|慢于|超出|多于|少于|相当于|翻")
_PAST = re.compile(r"已|曾")
_OPENS_PAST = re.compile(r"(?:到|至|截至|截止|在|于|——)?")
_GROWTH_SUBJECT = re.compile(r"(?:年均增长率|年均增速|年均增幅|年均增长|增速)$")
_GENERIC_AFTER = {"目标", "水平", "速度", "幅度", "规模", "范围", "区间", "以上", "左右"}
_STOP = {"的", "和", "与", "及", "占", "其中", "全区", "全地区", "全省", "全市", "全县", "全国", "地区"}
_SKIPPED_NODES = ("box", "table", "contents", "annex", "preamble", "title")


@dataclass(frozen=True)
class Frame:
    """A time reference in force: "year", "period", "interim", "future" or "past"."""

    kind: str
    year: int | None
    phrase: str


@dataclass
class NarrativeTarget:
    subject: str
    kind: str  # "level" (a value in the year), "growth" (an annual rate), "change" (提高3个百分点), "baseline" (从…)
    quantity: Quantity
    start: int  # the sentence
    end: int
    clause_start: int
    clause_end: int
    value_start: int  # the quantity as printed, with the words that bound it
    value_end: int
    indicator: Indicator | None = None
    score: float = 0.0  # how well the subject matches the indicator's name
    context: list[str] = field(default_factory=list)  # the time phrase that made it a target
    direction: str | None = None  # "up" or "down" for a growth or a change
    implied: bool = False  # no time reference: dated to the plan's end year
    flags: list[str] = field(default_factory=list)  # why a reading is less than certain

    @property
    def year(self) -> int | None:
        return self.quantity.year


def extract_targets(doc: Document) -> None:
    """Pipeline component: fill ``doc.targets`` and each indicator's ``mentions``."""
    doc.targets = []
    _walk(doc, doc.outline, None, _grammar())
    indicators = [i for t in doc.tables if t.kind == "plan" for i in t.indicators]
    segment.add_words(i.name for i in indicators)
    _tokens.cache_clear()
    _content.cache_clear()  # kept for one plan's linking, as its tokens are
    for target in doc.targets:
        _link(target, indicators)


def _walk(doc: Document, node: Node, inherited: Frame | None, grammar: re.Pattern) -> None:
    """Read a node's paragraphs in order; a chapter starts afresh, a section from its chapter's frame."""
    when = inherited
    for child in _join_wrapped(doc.text, node.children):
        if child.kind == "paragraph":
            when = _scan_paragraph(doc, child, grammar, when)
        elif child.kind in _SKIPPED_NODES:
            continue  # project lists, tables, annexes: capacities and cells, not narrative
        else:
            review = lexicon.words("review-headings.txt")
            start = when if child.kind == "section" or (when and when.phrase in review) else None
            if any(w in child.title for w in review):
                start = Frame("past", None, next(w for w in review if w in child.title))
            for t in _times(child.title, doc.info):
                start = t
            _walk(doc, child, start, grammar)


def _join_wrapped(text: str, children: list[Node]) -> list[Node]:
    """Paragraphs cut by a hard line wrap (no closing punctuation before the break) read as one."""
    out: list[Node] = []
    for child in children:
        prev = out[-1] if out else None
        if (child.kind == "paragraph" and prev is not None and prev.kind == "paragraph"
                and not re.search(r"[。！？；：:;!?”」）)\]>*]\s*$", text[prev.start:prev.end])
                and not text[prev.start:prev.end].strip().startswith(("#", "-", "|"))):
            out[-1] = Node("paragraph", prev.start, child.end)
        else:
            out.append(child)
    return out


@lru_cache(maxsize=1)
def _grammar() -> re.Pattern:
    units = lexicon.unit_regex() + "|万亿|亿|万"  # a bare scale is a unit too: 3.5万
    pre = "|".join(sorted(PREFIXES, key=len, reverse=True))
    suf = "|".join(sorted(_SUFFIXES, key=len, reverse=True))
    verb = "|".join(sorted(VERBS, key=len, reverse=True))
    return re.compile(
        rf"(?P<from>从)?(?P<verb>{verb})?\s*(?P<q>(?P<pre>{pre})?\s*(?P<num>{_NUM})\s*"
        rf"(?:(?P<unit1>{units})?\s*{_DASH}\s*(?P<num2>{_NUM}))?\s*(?P<unit>{units})?\s*(?P<suf>{suf})?)")


@lru_cache(maxsize=1)
def _item() -> re.Pattern:
    """One more number of a list shared out by 分别/各: 和4个百分点, 、9%."""
    units = lexicon.unit_regex() + "|万亿|亿|万"
    suf = "|".join(sorted(_SUFFIXES, key=len, reverse=True))
    return re.compile(rf"\s*[和、与及]\s*(?P<q>(?P<num>{_NUM})\s*(?P<unit>{units})?\s*(?P<suf>{suf})?)")


def _scan_paragraph(doc: Document, para: Node, grammar: re.Pattern, when: Frame | None) -> Frame | None:
    text = doc.text
    pos = para.start
    while pos < para.end:
        m_end = _SENTENCE_END.search(text, pos, para.end)
        s_end = m_end.end() if m_end else para.end
        sentence_frame = None  # a year beyond the plan that opens the sentence holds for it only
        clause_start, first, last_subject = pos, True, ""
        while clause_start < s_end:
            c = _CLAUSE_END.search(text, clause_start, s_end)
            clause_end = c.start() if c else s_end
            clause_frame = None
            lead = len(text[clause_start:clause_end]) - len(text[clause_start:clause_end].lstrip())
            for offset, t in _times(text[clause_start:clause_end], doc.info, with_offsets=True):
                opens = offset - lead <= 3
                if t.kind == "past":
                    # A past reference frames what follows only where it opens the clause
                    # (到“十二五”末，…); mid-clause it is a comparison (比2020年下降) or a basis
                    # (按2000年价格计算).
                    if opens and _OPENS_PAST.fullmatch(text[clause_start:clause_start + offset].strip()):
                        when, sentence_frame = t, None
                elif t.kind in ("future", "interim"):
                    if opens and first:
                        sentence_frame = t
                    else:
                        clause_frame = t
                else:
                    when, sentence_frame = t, None
            frame = clause_frame or sentence_frame or when
            if frame is None or frame.kind != "past":
                last_subject = _targets_in_clause(doc, grammar, (pos, s_end), clause_start, clause_end, frame,
                                                  last_subject)
            clause_start, first = (c.end() if c else s_end), False
        pos = s_end
    return when


def _times(clause: str, info, with_offsets: bool = False) -> list:
    """Time references in a clause, in order: the plan period, its end year, a later year, or the past."""
    if not _ANY_TIME.search(clause):
        return []
    found = []
    for m in _YEAR.finditer(clause):
        year = int(m.group(1)) if m.group(1) else parse_numeral(m.group(2))
        found.append((m.start(), _when_year(year, info, m.group(0))))
    for m in _PERIOD.finditer(clause):
        ordinal = 10 + (parse_numeral(m.group(1)) if m.group(1) else 0)
        if info.ordinal is None or ordinal > info.ordinal:
            frame = Frame("future", None, m.group(0))
        elif ordinal == info.ordinal:
            frame = Frame("period", info.end_year, m.group(0))
        else:
            frame = Frame("past", None, m.group(0))
        found.append((m.start(), frame))
    for m in _OWN_PERIOD.finditer(clause):
        found.append((m.start(), Frame("period", info.end_year, m.group(0))))
    found = sorted((f for f in found if f[1] is not None and (f[1].kind != "future" or f[1].year)),
                   key=lambda x: x[0])
    return found if with_offsets else [w for _, w in found]


def _when_year(year: int, info, phrase: str) -> Frame | None:
    if info.end_year is None:
        return None
    if year == info.end_year:
        return Frame("year", year, phrase)
    if info.base_year is not None and year <= info.base_year:
        return Frame("past", year, phrase)
    if year > info.end_year:
        return Frame("future", year, phrase)
    return Frame("interim", year, phrase)


# --- one clause ---------------------------------------------------------------------------------

@dataclass
class _Reading:
    """One number of a clause as the grammar read it."""

    q_start: int
    q_end: int
    num: str
    num2: str | None
    unit: str | None
    pre: str | None
    suf: str | None


def _targets_in_clause(doc, grammar, sentence, start, end, frame: Frame | None, last_subject: str) -> str:
    text = doc.text
    info = doc.info
    if info.end_year is None or not _DIGIT.search(text, start, end):
        return last_subject
    cursor = start
    pos = start
    while True:
        m = grammar.search(text, pos, end)
        if m is None:
            break
        pos = max(m.end(), m.start() + 1)
        if not _is_target_number(text, m, start):
            continue
        verb = m.group("verb") or ""
        kind, verb_qualifier, direction = VERBS.get(verb, ("level", None, None))
        items = [_Reading(m.start("q"), m.end("q"), m.group("num"), m.group("num2"),
                          m.group("unit") or m.group("unit1"), m.group("pre"), m.group("suf"))]
        if m.group("num2") and m.group("unit1") and m.group("unit") and m.group("unit1") != m.group("unit"):
            cursor = pos
            continue  # 3万人-5亿元: two different units in one range
        if m.group("num2") and re.match(r"\s*年", text[m.end("num2"):]) and len(m.group("num2")) == 4:
            cursor = pos
            continue  # 至2020年: a date, not a range
        q_end = m.end()
        while (more := _item().match(text, q_end, end)) is not None:
            items.append(_Reading(more.start("q"), more.end("q"), more.group("num"), None, more.group("unit"),
                                  None, more.group("suf")))
            q_end = more.end()
        pos = max(pos, q_end)
        before = text[cursor:m.start()]
        after = text[q_end:end].strip()
        if not (verb or items[-1].unit or items[-1].pre or items[-1].suf):
            continue  # a bare number: a code, a count in passing
        flags: list[str] = []
        subject_after = ""
        if m.group("from") and _VERB_START.match(after):
            pass  # 从9.1年提高到11.2年: the baseline, then the level
        elif after and "\u4e00" <= after[0] <= "\u9fff" and after[0] not in "的并或及和与":
            # 新增5000万亩高效节水灌溉面积: the number before what it counts, after a verb of action;
            # otherwise a word we cannot account for (no unit we know) or part of a subject (12种污染物).
            if verb or after[0] in "级型式余多" or not _action_end().search(_subject(before)):
                # 10万吨级码头: a class, not a quantity; 100余个: not a printed value
                continue
            subject_after = _subject(re.split(r"[\d，。；：,;:]", after, maxsplit=1)[0])
            if not subject_after:
                continue
            flags.append("subject after the number")
        cursor = q_end
        if unit_note := re.match(r"\s*[（(][^（）()\d]{1,4}[)）]", text[q_end:end]):
            cursor = q_end + unit_note.end()  # 80万件（套）: the unit's other name, not the next subject
        if _PAST.search(before) or _COMPARISON.search(_COMPARED.sub("", before)):
            continue  # 已达到…, 高于全国平均水平2个百分点: a fact or a comparison, not a target
        if after.startswith("的") and re.match(r"的(?:产业)?(?:规模|水平|目标)[，。；,;]?$", after):
            pass  # 2万吨的产业规模: the number's own measure, the subject is before it
        elif after.startswith("的"):
            if items[-1].unit not in ("%", "‰") or not (items[-1].pre or items[-1].suf):
                # 300万以下的城市, 节能75%的标准: a condition or a class; 90%以上的贫困村 is a share
                continue  # 300万以下的城市: a condition on what is counted, not a target
            subject_after = _subject(re.split(r"\d", after[1:], maxsplit=1)[0])
            if not subject_after or subject_after in _GENERIC_AFTER:
                continue
            flags.append("subject after the number")
        subject = _subject(before)
        if subject_after:
            subject = subject_after
        elif not subject and last_subject:
            subject = last_subject
            flags.append("subject carried from the number before")
        if not subject or re.search(r"[\d.]$", subject):
            continue  # no subject, or one glued to another number (企业2到3家 read wrongly)
        if kind == "level" and not subject_after and (g := _GROWTH_SUBJECT.search(before.strip())):
            # 年均增长率为7%, 增速15%以上: the subject names a growth rate
            kind, direction, subject = "growth", "up", _subject(before.strip()[:g.start()]) or subject
        last_subject = subject
        baseline = bool(m.group("from"))  # 从9.1年提高到11.2年
        if baseline:
            kind = "baseline"
        subjects = _share_out(subject, before, items, flags)
        if subjects is None:
            continue
        for subj, item in subjects:
            q = _quantity(text, item, items[-1], verb, verb_qualifier, m, flags)
            if q is None:
                continue
            year, implied, phrase = _year(frame, kind, info)
            target = NarrativeTarget(
                subject=subj, kind=kind, quantity=q.at(year), start=sentence[0], end=sentence[1],
                clause_start=start, clause_end=end, value_start=_q_start(m, item, verb_qualifier),
                value_end=item.q_end, context=[phrase] if phrase else [], direction=direction,
                implied=implied, flags=list(flags))
            doc.targets.append(target)
    return last_subject


def _q_start(m: re.Match, item: _Reading, verb_qualifier) -> int:
    """The printed quantity starts at the verb when the verb bounds it (控制在1.5万人)."""
    if item.q_start == m.start("q") and verb_qualifier and not (item.pre or item.suf):
        return m.start("verb")
    return item.q_start


def _year(frame: Frame | None, kind: str, info) -> tuple[int | None, bool, str]:
    if kind == "baseline":
        return info.base_year, False, frame.phrase if frame else ""
    if frame is None:
        return info.end_year, True, ""
    if kind in ("growth", "change") or frame.kind == "period":
        return (frame.year if frame.kind in ("future", "interim") else info.end_year), False, frame.phrase
    return frame.year, False, frame.phrase


def _share_out(subject: str, before: str, items: list[_Reading], flags: list[str]):
    """Pair subjects and numbers: one each, or shared out by 分别 (in order) or 各 (the same to all)."""
    shared = re.search(r"(分别|各)", before[-8:])
    parts = [p for p in re.split(r"[、和与及]", subject) if p]
    if len(items) == 1 and not (shared and len(parts) > 1):
        return [(subject, items[0])]
    if not shared:
        return None  # numbers in a row with no 分别/各: which is whose is a guess
    if len(items) == 1:
        flags.append(f"one number for each subject ({shared.group(1)})")
        return [(p, items[0]) for p in parts]
    if len(parts) != len(items):
        return None
    flags.append("numbers shared out by 分别")
    return list(zip(_share_head(parts), items))


def _share_head(parts: list[str]) -> list[str]:
    """小学、初中毕业生升学率: a short first part takes the head the last part's first word is joined to."""
    words = segment.words(parts[-1])
    if len(words) < 2 or not all(len(p) <= 3 and len(p) == len(words[0]) for p in parts[:-1]):
        return parts
    head = parts[-1][len(words[0]):]
    return [p + head for p in parts[:-1]] + [parts[-1]]


_VERB_START = re.compile(rf"(?:{'|'.join(sorted(VERBS, key=len, reverse=True))})\s*\d")
_TRAIL_STRIP = re.compile(rf"(?:{'|'.join(sorted(VERBS, key=len, reverse=True))})\s*$")


def _quantity(text, item: _Reading, last: _Reading, verb: str, verb_qualifier, m, flags) -> Quantity | None:
    """The item's Quantity: its own qualifier and unit, or the list's shared ones (the last item's).

    In ``3个和4个百分点`` the unit is printed once, for both, and so is a bound printed after it;
    in ``97%和40%左右`` each number has its unit, and the 左右 is the last one's (the others are
    flagged: the bound may have been meant for them too).
    """
    unit, suf = item.unit, item.suf
    if last is not item:
        own_unit = bool(unit) and not (last.unit or "").startswith(unit) or unit == last.unit
        if not own_unit:
            unit = last.unit  # 3个和4个百分点, 8、9%: the unit printed once for all
        if last.suf and not suf:
            if own_unit:
                flags.append(f"the list ends with {last.suf}: it may bound this number too")
            else:
                suf = last.suf
    pre_q = PREFIXES.get(item.pre or "")
    suf_q = _SUFFIXES.get(suf or "")
    if pre_q and suf_q and pre_q != suf_q:
        return None  # 不低于5%以下: contradictory bounds
    qualifier = pre_q or suf_q or verb_qualifier or EXACT
    printed = text[_q_start(m, item, verb_qualifier):item.q_end].strip()
    value = Decimal(item.num.replace(",", ""))
    upper = Decimal(item.num2.replace(",", "")) if item.num2 else None
    if upper is not None:
        if item.pre or suf or upper < value:
            return None  # a range with a bound as well, or backwards: which value holds is unclear
        qualifier = RANGE
    return Quantity(printed, value=value, upper=upper, qualifier=qualifier, unit=unit)


def _is_target_number(text: str, m: re.Match, clause_start: int) -> bool:
    """Not a year, a date, an ordinal, a ratio, a code (G30) or part of a longer number."""
    a, b = m.start("num"), m.end("q")
    before = text[a - 1] if a > clause_start else ""
    if m.group("pre"):
        before = ""
    if re.search(r"[\d.]\s+$", text[max(0, a - 8):a]):
        return False  # 1 .⏎2万平方公里: a number cut by a line break
    after = text[b:b + 1]
    if before and (before.isascii() and before.isalnum() or before in "第.-/∶：·"):
        return False
    if after and (after in "：∶:/.年月日号届次期" or after.isascii() and after.isalnum()):
        return False
    if (m.group("unit") or "") in ("年", "") and re.fullmatch(r"(?:19|20)\d\d", m.group("num")) \
            and text[m.end("num"):m.end("num") + 3].lstrip().startswith("年"):
        return False  # a year, not a number of years
    return True


def _subject(raw: str) -> str:
    """The words naming what is measured: time phrases and framing words at either end set aside."""
    s = _COMPARED.sub("", raw)
    s = re.sub(r"[“”\"「」《》（）()\s*#。！？]", "", s)
    s = _TRAIL_STRIP.sub("", s)
    for _ in range(3):
        s = _LEAD_NOISE.sub("", s)
        s = _LEAD_TIME.sub("", s)
        s = _TRAIL_NOISE.sub("", s)
    return s if len(s) >= 2 or re.fullmatch(r"[\u4e00-\u9fff]", s) else ""  # 羊达到450万只: one word


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
    if forward < 0.75:
        return 0.0  # the subject qualifies the name (绿洲森林覆盖率 is not 森林覆盖率)
    backward, missed_in_name = _coverage(name, subject)
    if missed_in_subject >= 2 and missed_in_name >= 2:
        return 0.0  # a word swapped for another (家庭 for 用户): another indicator
    return min(forward, backward)


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple:
    """Search tokens of a subject or name; cleared when a document teaches jieba new words."""
    return tuple(segment.search_tokens(text))


def _coverage(x: str, y: str) -> tuple[float, int]:
    """Share of x's content characters in words found in y, and how many were missed."""
    counted = _content(x)
    if not counted:
        return 0.0, 0
    marked = {i for word, start, end in _tokens(x) if word in y for i in range(start, end)}
    hits = sum(1 for i in counted if i in marked)
    return hits / len(counted), len(counted) - hits


@lru_cache(maxsize=8192)
def _content(x: str) -> tuple[int, ...]:
    """Offsets of x's content characters: Han, letters and digits outside the function words."""
    stop = {i for w in _STOP for m in re.finditer(re.escape(w), x) for i in range(m.start(), m.end())}
    return tuple(i for i, ch in enumerate(x) if i not in stop and ("\u4e00" <= ch <= "\u9fff" or ch.isalnum()))


def _link(target: NarrativeTarget, indicators: list[Indicator], threshold: float = 0.7) -> None:
    best, best_score = None, 0.0
    variants = _subject_variants(target.subject)
    for ind in indicators:
        if not _units_agree(target, ind):
            continue
        names = (ind.name,) if ind.label == ind.name else (ind.name, ind.label)
        score = max(match_score(s, n) for s in variants for n in names)
        if score > best_score:
            best, best_score = ind, score
    if best is not None and best_score >= threshold:
        target.indicator, target.score = best, round(best_score, 3)
        best.mentions.append(target)


@lru_cache(maxsize=1)
def _action_end() -> re.Pattern:
    """A subject that ends with a verb of action (建成, 新增): what it counts follows the number."""
    words = lexicon.words("target-actions.txt")  # longest first
    return re.compile(rf"(?:{'|'.join(words)})$")


def _subject_variants(subject: str) -> list[str]:
    """The subject, and its object where it opens with who acts and how (地区计划建设安居富民工程)."""
    out = [subject]
    m = _action_pattern().search(subject)
    if m and len(subject) - m.end() >= 4:
        out.append(subject[m.end():])
    if (e := _action_end().search(out[-1])) and e.start() >= 4:
        out.append(out[-1][:e.start()])  # 安居富民工程建设: the object without the action after it
    return out


@lru_cache(maxsize=1)
def _action_pattern() -> re.Pattern:
    """A subject opening with who acts and how: at most a few words, then an action word."""
    words = lexicon.words("target-actions.txt")  # longest first
    return re.compile(rf"^.{{0,6}}?(?:{'|'.join(words)})")


def _units_agree(target: NarrativeTarget, ind: Indicator) -> bool:
    unit = target.quantity.unit
    if target.kind == "growth":
        return unit in (None, "%")
    if unit is None or ind.unit is None:
        return True
    return lexicon.units().get(unit, (unit, 1))[0] == lexicon.units().get(ind.unit, (ind.unit, 1))[0]
