"""Projects: items of the boxes (专栏), the strategic projects of annexes, and lists in the text.

Three sources, read in this order:
- box lines, ``纺织服装项目：20万锭纺纱项目、60万锭纺纱项目、…``: the words before the colon
  are the items' category, a short line on its own (煤炭、煤电、煤化工重点项目) heads the lines below it;
- annex paragraphs that open with a project name and state an investment,
  ``互联互通工程。总投资105.8亿元，由7个项目组成。分别为…``: strategic projects with their
  investment, declared number of components, and components;
- sentences of the text that list what will be built after 重点实施 / 重点建设 / 实施.

Lists are split on 、，；。 outside brackets; a piece that ends with no project head noun
(ontology/lexicon/project-heads.txt) is the first half of a name and is joined to the next.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import lexicon
from .model import Document, Node
from .numerals import parse_numeral
from .quantity import Quantity, QuantityError, parse_quantity

_OPEN, _CLOSE = "（(［[【〔“《", "）)］]】〕”》"
_LEAD_VERBS = re.compile(r"(?:“十[一二三四五六七八九]?五”(?:期间|时期)?[，,]?)?(?:重点实施|重点建设|重点推进|加快建设|加快推进|启动|实施)")
_TRAILING = re.compile(r"(?:等(?:项目|工程|重点项目)?|等为引领的.*)$")
_HEADLESS_MAX = 8
_COMPLEMENTS = "好了完"
# Only conjunctions no place name starts with: 和 and 与 begin 和田, 和静, 和县, …
_CONJUNCTION = re.compile(r"(?:以及|及|并)")
_PROSE_TRIGGER = re.compile(r"(?:重点实施|重点建设|加快建设|实施)[好了完]?")
_CATEGORY = re.compile(r"^([^：:、，。；]{2,20})[：:]")
_INVESTMENT = re.compile(r"(估算)?总投资(?:约)?(\d+(?:\.\d+)?)(亿元|万元)")
_COMPONENT_COUNT = re.compile(r"由(?:([^，。\d]{1,30}?))?(\d+)个(?:子)?项目组成")
_COMPONENT_LIST = re.compile(r"分别(?:为|是)[：:]?")
_COUNTED_LIST = re.compile(r"(?:以)?(?P<list>[^，。；：:以]{2,80}?)等(?:为[^，。；\d]{1,6}的)?"
                           r"(?P<count>\d+|[一二两三四五六七八九十]+)(?:座|个|条|处|项|家|所)(?P<what>[^，。；]{2,20})")
_COUNTED_PART = re.compile(r"([^。，；：:]{2,30}?)(\d+)个[，,]\s*总投资(\d+(?:\.\d+)?)(亿元|万元)")


@dataclass
class Project:
    name: str
    start: int
    end: int
    source: str  # "box", "annex" or "text"
    kind: str = "project"  # "project" (a thing built or set up, with a name) or "measure" (a policy action)
    kind_reason: str = ""  # the rule that classed it
    category: str | None = None  # 纺织服装项目 (the box line's heading) or the box sub-heading
    container: str = ""  # key of the box, annex or paragraph's outline node
    chapter: str = ""  # key of the chapter (or annex) it sits in
    investment: Quantity | None = None
    investment_estimated: bool = False
    declared_components: int | None = None
    declared_component_words: list[str] = field(default_factory=list)  # 由水利、林业、畜牧3个项目组成
    components: list["Project"] = field(default_factory=list)
    component_count: int | None = None  # 城市供水项目7个: how many projects a component stands for
    numbers: list[Quantity] = field(default_factory=list)  # capacities and lengths in the name
    places: list = field(default_factory=list)  # PlaceMention inside the name
    sectors: list = field(default_factory=list)  # SectorAssignment, from extraction.sectors
    goals: list = field(default_factory=list)  # GoalLink, from extraction.goals
    key: str = ""  # its place in the plan: CONTAINER/project-N


def extract_projects(doc: Document) -> None:
    """Pipeline component: fill ``doc.projects``."""
    doc.projects = []
    for box in doc.outline.find("box"):
        if not any(c.kind == "table" for c in box.children):  # indicator boxes hold no projects
            doc.projects.extend(_box_projects(doc, box))
    for annex in doc.outline.find("annex"):
        doc.projects.extend(_annex_projects(doc, annex))
    doc.projects.extend(_prose_projects(doc, {p.name for p in doc.projects}))
    mentions = sorted((m for place in doc.places.values() for m in place.mentions), key=lambda m: m.start)
    starts = [m.start for m in mentions]
    for project in doc.projects:
        if not project.kind_reason:  # an annex's strategic project: named, with its investment
            project.kind, project.kind_reason = "project", "a strategic project of an annex, with its investment"
        for c in project.components:
            if not c.kind_reason:
                _classify(c, in_box=True, declared=True)
        for p in [project] + project.components:
            _enrich(doc, p, mentions, starts)


# --- boxes --------------------------------------------------------------------------------

def _box_projects(doc: Document, box: Node) -> list[Project]:
    out: list[Project] = []
    heading = None
    places = _place_bounds(doc)
    for para in (c for c in box.children if c.kind == "paragraph"):
        start = para.start + _marker_length(doc.text, para.start, para.end)
        text = doc.text[start:para.end]
        numbered = start > para.start
        if not numbered and _is_box_subheading(text):
            heading = _unbold(text).strip()
            continue
        declared = _declares_projects(box.title) or _declares_projects(heading or "")
        if item := _named_item(doc.text, start, para.end, numbered):  # **名称**→说明, 名称：说明, 1. 名称。说明
            p = Project(*item, "box", category=heading, container=box.key)
            _classify(p, in_box=True, declared=declared)
            out.append(p)
            continue
        category, body_start = heading, start
        if m := _CATEGORY.match(text):
            category, body_start = _unbold(m.group(1)).strip(), start + m.end()
        if _is_prose(doc.text[body_start:para.end]):
            # A box of prose is read sentence by sentence, never split at its commas: measures.
            for name, s, e in split_items(doc.text, body_start, para.end, join_headless=False, separators="。；;"):
                out.append(Project(name, s, e, "box", kind="measure", kind_reason="a sentence of a box of prose",
                                   category=category, container=box.key))
            continue
        for name, s, e in split_items(doc.text, body_start, para.end, places=places):
            p = Project(name, s, e, "box", category=category, container=box.key)
            _classify(p, in_box=True, declared=declared or _declares_projects(category or ""))
            out.append(p)
    _number(out, box.key)
    return out


def _is_box_subheading(text: str) -> bool:
    t = _unbold(text).strip()
    return 0 < len(t) <= 20 and not re.search(r"[：:，,。；;→]", t)


# Markdown and list marks an item may be written with.
_MARKER = re.compile(r"[ \t\u3000]*(?:\d{1,3}[.．、)）]|[（(][0-9一二三四五六七八九十]{1,3}[）)]|[①-⑳]|[-+•·]|\*(?!\*))[ \t\u3000]*")
_BOLD_ITEM = re.compile(r"(?:\*\*|__)(?P<name>[^*_]{2,40})(?:\*\*|__)[ \t\u3000]*(?:→|->|——|[：:]|$)")
_ARROW_ITEM = re.compile(r"(?P<name>[^→。；]{2,40}?)[ \t\u3000]*(?:→|->)")
_SENTENCE_ITEM = re.compile(r"(?P<name>[^，。；：:、,]{2,40}?)[。：:]")


def _marker_length(text: str, start: int, end: int) -> int:
    m = _MARKER.match(text, start, end)
    # A decimal opening a name (1.5万吨…) is not a list mark.
    return m.end() - start if m and m.end() < end and text[m.end()] not in "0123456789" else 0


def _unbold(text: str) -> str:
    return re.sub(r"\*\*|__", "", text)


def _named_item(text: str, start: int, end: int, numbered: bool) -> tuple[str, int, int] | None:
    """One item named at the head of its line, with a description after it that is not split:
    ``**名称**→说明``, ``**名称**：说明``, ``名称→说明``, or ``名称：说明`` / a numbered
    ``名称。说明`` whose name ends with a project head noun and whose description does not."""
    for pattern in (_BOLD_ITEM, _ARROW_ITEM, _SENTENCE_ITEM):
        m = pattern.match(text, start, end)
        if m is None:
            continue
        if pattern is _SENTENCE_ITEM:
            rest = re.split(r"[，,。；;、]", text[m.end():end], maxsplit=1)[0]
            said = text[m.end() - 1]
            verbs = lexicon.words("measure-heads.txt") + lexicon.words("construction-verbs.txt")
            described = _opens_measure(rest) or rest.startswith(verbs)
            listed = "、" in text[m.end():end] and not described  # 公路：甲公路、乙公路: a category
            if not _ends_with(m.group("name"), _heads()) or (said == "。" and not numbered) or listed \
                    or not described and _ends_with(rest, _heads()):
                continue
        s, e = _trim(text, m.start("name"), m.end("name"))
        if e - s >= 2:
            return text[s:e], s, e
    return None


def _is_prose(text: str) -> bool:
    """Sentences rather than a list: a piece between commas that opens with a policy verb, or
    sentences of more than one clause each."""
    pieces = [p for p in re.split(r"[，,；;。]", text) if p.strip()]
    if len(pieces) < 2:
        return False
    return any(_opens_measure(p.strip()) for p in pieces) or "，" in text and "、" not in text


def _declares_projects(title: str) -> bool:
    """A box or box line titled as projects: 某某重点工程, 纺织服装项目, 交通建设重点项目."""
    return bool(title) and bool(re.search(r"(?:项目|工程)", title))


# --- project or measure ------------------------------------------------------------------------

def _classify(p: Project, in_box: bool, declared: bool = False) -> None:
    """Class an item as a project (a thing built or set up, with a name) or a measure.

    In a box's list (not prose) an item is a project unless it opens with a policy verb or
    holds an unnamed quantity; in a list of the text it is a project only where it ends with
    a project head noun."""
    name = _PHASE.sub("", re.sub(r"[（(][^）)]*[）)]$", "", p.name.strip()))  # 集中供热三期 -> 集中供热
    if _opens_measure(name):
        p.kind, p.kind_reason = "measure", "opens with a verb of policy action"
    elif any(q in name for q in lexicon.words("unnamed-quantities.txt")):
        p.kind, p.kind_reason = "measure", "an unnamed quantity of things (一批, 若干), not one named thing"
    elif _ends_with(name, _heads()) and not _ends_with(name, lexicon.words("not-heads.txt")):
        p.kind, p.kind_reason = "project", "ends with a project head noun"
    elif in_box:  # a box's list is the genre's list of projects (专栏: 重点项目)
        p.kind, p.kind_reason = "project", ("an item of a box titled as projects" if declared
                                            else "an item of a box's list (not prose), which lists projects")
    else:
        p.kind, p.kind_reason = "measure", "names an action, not a thing built"


_PHASE = re.compile(r"[（(]?[一二三四五六七八九十\d]+期(?:工程)?[）)]?$")


def _opens_measure(name: str) -> bool:
    return name.startswith(lexicon.words("measure-openers.txt"))


# --- annexes ---------------------------------------------------------------------------------

def _annex_projects(doc: Document, annex: Node) -> list[Project]:
    out = []
    for para in (c for c in annex.children if c.kind == "paragraph"):
        text = doc.text[para.start:para.end]
        head, _, rest = text.partition("。")
        investment = _INVESTMENT.search(text)
        if not rest or len(head) > 30 or investment is None or not _has_head(head):
            continue
        project = Project(head.strip(), para.start, para.start + len(head), "annex", container=annex.key)
        project.investment = _money(investment)
        project.investment_estimated = bool(investment.group(1))
        project.end = para.end
        if m := _COMPONENT_COUNT.search(text):
            project.declared_components = int(m.group(2))
            if m.group(1):
                project.declared_component_words = [w for w in re.split(r"[、，,和及]", m.group(1)) if w]
        if m := _COMPONENT_LIST.search(text):
            project.components = _components(doc, para.start + m.end(), para.end, project.declared_components)
        elif m := _COUNTED_LIST.search(text):
            # …以甲、乙、丙等为引领的5座战略性山区水库: the count declared in words, and the names listed.
            project.declared_components = _count(m.group("count"))
            s = para.start + m.start("list")
            project.components = [Project(n, a, b, "annex", category=m.group("what").strip(),
                                          kind_reason="a component the annex lists by name")
                                  for n, a, b in split_items(doc.text, s, para.start + m.end("list"),
                                                             join_headless=False)]
        out.append(project)
    _number(out, annex.key)
    for project in out:
        _number(project.components, project.key)
    return out


def _components(doc: Document, start: int, end: int, declared: int | None) -> list[Project]:
    """The parts after 分别为: named items, or counted groups with their own investment.

    A list may separate its items with ， and use 、 inside one item
    (…境外铁路、公路基础设施建设项目，X机场改扩建，…): where a count is declared, the
    separators that give that count are taken, if any do; otherwise all of them.
    """
    text = doc.text[start:end]
    counted = list(_COUNTED_PART.finditer(text))
    if counted:
        parts = []
        for m in counted:
            p = Project(m.group(1).strip(), start + m.start(1), start + m.end(), "annex")
            p.component_count = int(m.group(2))
            p.investment = _money(m, value_group=3, unit_group=4)
            parts.append(p)
        return parts
    stop = text.find("。")
    stop = len(text) if stop < 0 else stop
    items = split_items(doc.text, start, start + stop, places=_place_bounds(doc))
    if declared is not None and len(items) != declared:
        coarse = split_items(doc.text, start, start + stop, separators="，,；;")
        if len(coarse) == declared:
            items = coarse
    return [Project(name, s, e, "annex") for name, s, e in items]


def _count(printed: str) -> int:
    return int(printed) if printed.isdigit() else parse_numeral(printed.replace("两", "二"))


def _money(m: re.Match, value_group: int = 2, unit_group: int = 3) -> Quantity:
    printed = m.group(value_group) + m.group(unit_group)
    return Quantity(printed, value=Decimal(m.group(value_group)), unit=m.group(unit_group))


# --- lists in the text ----------------------------------------------------------------------------

def _prose_projects(doc: Document, known: set[str]) -> list[Project]:
    out: list[Project] = []
    place_ends = _place_bounds(doc)[1]
    for para in _body_paragraphs(doc.outline):
        text = doc.text[para.start:para.end]
        for m in _PROSE_TRIGGER.finditer(text):
            end = para.start + next((i for i in range(m.end(), len(text)) if text[i] in "。；;"), len(text))
            found = []
            for name, s, e in split_items(doc.text, para.start + m.end(), end, join_headless=False):
                if _opens_measure(name):
                    break  # the list has ended: the next clause of the sentence begins
                p = Project(name, s, e, "text", container=para.key)
                # An item ending in a place name (内地与香港) ends with no head noun, whatever its last character.
                if name not in known and _is_list_item(name) and e not in place_ends:
                    _classify(p, in_box=False)
                    found.append(p)
            out.extend(found)
            known.update(p.name for p in found)
    by_container: dict[str, list[Project]] = {}
    for p in out:
        by_container.setdefault(p.container, []).append(p)
    for key, items in by_container.items():
        _number(items, key)
    return out


def _is_list_item(name: str) -> bool:
    """A whole item of a list in the text, rather than a fragment of its sentence (内地与香港,
    the words before 的): it ends with a project head or an action noun, or opens with a policy verb."""
    if not 4 <= len(name) <= 25 or "的" in name or re.search(r"[“”\"]", name):
        return False
    return _has_head(name)


def _body_paragraphs(node: Node):
    for child in node.children:
        if child.kind == "paragraph":
            yield child
        elif child.kind not in ("box", "annex", "preamble", "table", "contents"):
            yield from _body_paragraphs(child)


# --- splitting lists --------------------------------------------------------------------------------

def split_items(text: str, start: int, end: int, join_headless: bool = True,
                separators: str = "、，,；;。", places: tuple[set, set] | None = None) -> list[tuple[str, int, int]]:
    """Split the list in ``text[start:end]`` into (name, start, end) items.

    Separators inside brackets do not split: ``甲至乙（丙口岸）铁路``,
    ``某县画廊（甲景区、乙景区）`` stay whole.
    """
    pieces, depth, piece_start = [], 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in separators and depth == 0:
            pieces.append((piece_start, i))
            piece_start = i + 1
    pieces.append((piece_start, end))
    items = []
    for s, e in pieces:
        s, e = _trim(text, s, e)
        if e - s >= 2:
            items.append((s, e))
    if join_headless:
        items = _join_headless(text, items, places)
    return [(text[s:e], s, e) for s, e in items]


def _place_bounds(doc: Document) -> tuple[set, set]:
    mentions = [m for place in doc.places.values() for m in place.mentions]
    return {m.start for m in mentions}, {m.end for m in mentions}


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\u3000":
        s += 1
    if m := _CONJUNCTION.match(text, s, e):
        s = m.end()
    m = _LEAD_VERBS.match(text, s, e)
    if m:
        s = m.end()
        if s < e and text[s] in _COMPLEMENTS:  # 实施好老旧城区改造: the verb's complement, not the item's
            s += 1
    piece = text[s:e]
    t = _TRAILING.search(piece)
    if t:
        e = s + t.start()
    while e > s and text[e - 1] in " \t\u3000。":
        e -= 1
    return s, e


def _join_headless(text: str, items: list[tuple[int, int]], places: tuple[set, set] | None) -> list[tuple[int, int]]:
    """Join a piece to the next where it is the first half of one name.

    That is a short piece with no head noun (地区医院医技、科技教研综合楼项目), or a piece that
    ends with a place where the next begins with one: places listed inside one name
    (甲市、乙县火车站升级改造; …高速铁路---甲、乙高铁站项目). A long piece with no
    head noun (某县生活垃圾的资源化) is more often a whole item named after what it does.
    """
    starts, ends = places or (set(), set())
    out: list[tuple[int, int]] = []
    pending = None
    for i, (s, e) in enumerate(items):
        if pending is not None:
            s = pending
        nxt = items[i + 1] if i + 1 < len(items) else None
        headless = not _has_head(text[s:e]) and e - s <= _HEADLESS_MAX
        place_list = e in ends and nxt is not None and nxt[0] in starts and not _has_head(text[s:e])
        if nxt is not None and (headless or place_list):
            pending = s
            continue
        pending = None
        out.append((s, e))
    return out


def _heads() -> tuple[str, ...]:
    return lexicon.words("project-heads.txt")


def _ends_with(name: str, words: tuple[str, ...]) -> bool:
    return re.sub(r"[（(][^）)]*[）)]$", "", name.strip()).endswith(words)


def _has_head(name: str) -> bool:
    """Whether a piece is complete: it ends with a project head or an action noun."""
    if _ends_with(name, lexicon.words("not-heads.txt")):
        return False
    return _ends_with(name, _heads()) or _ends_with(name, lexicon.words("measure-heads.txt"))


# --- after splitting -----------------------------------------------------------------------------

def _number(projects: list[Project], container: str) -> None:
    for i, p in enumerate(projects, start=1):
        p.key = f"{container}/project-{i}"
        p.container = p.container or container


def _enrich(doc: Document, project: Project, mentions: list, starts: list[int]) -> None:
    """Chapter, place mentions and numbers of a project; ``mentions`` are the plan's place mentions
    in order of their start (``starts``), so a project looks only at those within its span."""
    chain = doc.container_of(project.start, kinds=("chapter", "annex", "part"))
    project.chapter = chain[-1].key if chain else ""
    inside = mentions[bisect.bisect_left(starts, project.start):bisect.bisect_right(starts, project.end)]
    project.places = [m for m in inside if m.end <= project.end]
    project.numbers = list(_numbers_in(project.name))


@lru_cache(maxsize=None)
def _number_pattern() -> re.Pattern:
    return re.compile(rf"(\d+(?:\.\d+)?)({lexicon.unit_regex()})")


def _numbers_in(name: str):
    for m in _number_pattern().finditer(name):
        try:
            yield parse_quantity(m.group(0))
        except QuantityError:
            continue
