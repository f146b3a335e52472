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

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import lexicon
from .model import Document, Node
from .quantity import Quantity, QuantityError, parse_quantity

_OPEN, _CLOSE = "（(［[【〔“《", "）)］]】〕”》"
_LEAD_VERBS = re.compile(r"(?:“十[一二三四五六七八九]?五”(?:期间|时期)?[，,]?)?(?:重点实施|重点建设|重点推进|加快建设|加快推进|启动|实施)")
_TRAILING = re.compile(r"(?:等(?:项目|工程|重点项目)?|等为引领的.*)$")
_HEADLESS_MAX = 8
# Only conjunctions no place name starts with: 和 and 与 begin 和田, 和静, 和县, …
_CONJUNCTION = re.compile(r"(?:以及|及|并)")
_PROSE_TRIGGER = re.compile(r"(?:重点实施|重点建设|加快建设|实施)")
_CATEGORY = re.compile(r"^([^：:、，。；]{2,20})[：:]")
_INVESTMENT = re.compile(r"(估算)?总投资(?:约)?(\d+(?:\.\d+)?)(亿元|万元)")
_COMPONENT_COUNT = re.compile(r"由(?:([^，。\d]{1,30}?))?(\d+)个(?:子)?项目组成")
_COMPONENT_LIST = re.compile(r"分别(?:为|是)[：:]?")
_COUNTED_PART = re.compile(r"([^。，；：:]{2,30}?)(\d+)个[，,]\s*总投资(\d+(?:\.\d+)?)(亿元|万元)")


@dataclass
class Project:
    name: str
    start: int
    end: int
    source: str  # "box", "annex" or "text"
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
    for project in doc.projects:
        for p in [project] + project.components:
            _enrich(doc, p)


# --- boxes --------------------------------------------------------------------------------

def _box_projects(doc: Document, box: Node) -> list[Project]:
    out: list[Project] = []
    heading = None
    for para in (c for c in box.children if c.kind == "paragraph"):
        text = doc.text[para.start:para.end]
        if _is_box_subheading(text):
            heading = text.strip()
            continue
        category = heading
        body_start = para.start
        if m := _CATEGORY.match(text):
            category, body_start = m.group(1).strip(), para.start + m.end()
        out.extend(Project(name, s, e, "box", category=category, container=box.key)
                   for name, s, e in split_items(doc.text, body_start, para.end, places=_place_bounds(doc)))
    _number(out, box.key)
    return out


def _is_box_subheading(text: str) -> bool:
    t = text.strip()
    return len(t) <= 20 and not re.search(r"[：:，,。；;]", t)


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


def _money(m: re.Match, value_group: int = 2, unit_group: int = 3) -> Quantity:
    printed = m.group(value_group) + m.group(unit_group)
    return Quantity(printed, value=Decimal(m.group(value_group)), unit=m.group(unit_group))


# --- lists in the text ----------------------------------------------------------------------------

def _prose_projects(doc: Document, known: set[str]) -> list[Project]:
    out: list[Project] = []
    for para in _body_paragraphs(doc.outline):
        text = doc.text[para.start:para.end]
        for m in _PROSE_TRIGGER.finditer(text):
            end = para.start + next((i for i in range(m.end(), len(text)) if text[i] in "。；;"), len(text))
            found = [Project(name, s, e, "text", container=para.key)
                     for name, s, e in split_items(doc.text, para.start + m.end(), end, join_headless=False)
                     if name not in known and _looks_like_project(name)]
            out.extend(found)
            known.update(p.name for p in found)
    by_container: dict[str, list[Project]] = {}
    for p in out:
        by_container.setdefault(p.container, []).append(p)
    for key, items in by_container.items():
        _number(items, key)
    return out


# A list item of the text that opens with a verb, or runs long, names a measure, not a project.
_MEASURE = re.compile(r"^(?:开展|把|持续|围绕|按照|加快|加强|构建|拓展|强化|促进|完善|成为|建立|推进|提高|发展|推动|实现|深化|坚持|优化|培育|打造|创新|健全|提升|扩大|积极|大力|全面)")


def _looks_like_project(name: str) -> bool:
    return (4 <= len(name) <= 25 and _has_head(name) and not _MEASURE.match(name)
            and "的" not in name and not re.search(r"[“”\"]", name))


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


@lru_cache(maxsize=None)
def _heads() -> tuple[str, ...]:
    with open(lexicon.ontology_file("lexicon/project-heads.txt"), encoding="utf-8") as fh:
        words = [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def _has_head(name: str) -> bool:
    name = re.sub(r"[（(][^）)]*[）)]$", "", name.strip())
    return name.endswith(_heads())


# --- after splitting -----------------------------------------------------------------------------

def _number(projects: list[Project], container: str) -> None:
    for i, p in enumerate(projects, start=1):
        p.key = f"{container}/project-{i}"
        p.container = p.container or container


def _enrich(doc: Document, project: Project) -> None:
    chain = doc.container_of(project.start, kinds=("chapter", "annex", "part"))
    project.chapter = chain[-1].key if chain else ""
    project.places = sorted((m for place in doc.places.values() for m in place.mentions
                             if project.start <= m.start and m.end <= project.end), key=lambda m: m.start)
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
