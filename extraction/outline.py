"""Turn a plan text into its outline: preamble, 篇, 章, 节, 专栏, 附件, tables and paragraphs.

The reader works line by line. Each line is first classified on its own (heading, box
heading, table cell, indented line, ...); then a table of contents, if the plan has one,
is recognised as the run of headings that the body later repeats; then a single pass
builds the tree. Nothing here knows any particular plan: the rules are those of the
genre (headings 第N章 on their own line, boxes headed 专栏N, annexes 附件N, tables as
tab-indented cells one per line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import PlanError
from .model import STRUCTURE_LEVEL, Document, Node, PlanInfo
from .numerals import NUMERAL_CHARS, parse_numeral
from .source import SourceText

_NUM = f"[{NUMERAL_CHARS}]{{1,6}}"
# Markdown around a heading: blockquote marks, #, a list bullet, bold.
_QUOTE = re.compile(r"^[ \t\u3000]*(?:>[ \t\u3000]?)+")
_LEAD = r"^[ \t\u3000]*(?:>[ \t\u3000]*)*(?:#{1,6}[ \t\u3000]*)?(?:[-*+][ \t\u3000]+)?(?:\*\*)?"
_HEADING = re.compile(_LEAD + rf"第({_NUM})(篇|章|节|部分)[ \t\u3000:：、.]*(.*?)(?:\*\*)?[ \t\u3000]*$")
_ANY_HEADING = re.compile(rf"第{_NUM}(?:篇|章|节)")
_STARTS_WITH_HEADING = re.compile(_LEAD + rf"第{_NUM}(?:篇|章|节|部分)")
_BOX = re.compile(_LEAD + r"专[ \t\u3000]*栏[ \t\u3000]*([0-9一二三四五六七八九十]*)[ \t\u3000:：、.]*(.*?)(?:\*\*)?[ \t\u3000]*$")
# A box printed as an image, whose heading survives only in the image's alt text or title:
# ![](images/x.jpg "专栏3 新农村建设重点工程") or ![专栏3 新农村建设重点工程](images/x.jpg).
_IMAGE_BOX = re.compile(r"^[ \t\u3000>]*!\[(?P<alt>[^\]]*)\]\([^\s)]*(?:[ \t]*\"(?P<title>[^\"]*)\")?\)[ \t]*$")
_ANNEX = re.compile(_LEAD + r"附[ \t\u3000]*件[ \t\u3000]*([0-9一二三四五六七八九十]*)[ \t\u3000:：、.]*(.*?)[ \t\u3000]*$")
_FOREWORD = re.compile(_LEAD + r"(前[ \t\u3000]*言|序[ \t\u3000]*言|引[ \t\u3000]*言)[ \t\u3000]*$")
_MARKUP = re.compile(r"^\s*(?:</?[a-zA-Z][^>]*>|<!--.*-->|-{3,}|\*{3,}|={3,})\s*$")
_CONTENTS = re.compile(r"^[ \t\u3000#*]*(?:<[^>]+>)*目[ \t\u3000]*录")
_SENTENCE_PUNCT = re.compile(r"[，,。；;]")
# OCR may run a heading onto the end of the paragraph before it: "……保障 。第四节增进民族团结".
_TRAILING_HEADING = re.compile(rf"(?<=[。！？])[ \t\u3000]*(第{_NUM}(?:篇|章|节)[^，。；,;：:]{{1,30}})[ \t\u3000]*$")
_KIND = {"篇": "part", "部分": "part", "章": "chapter", "节": "section"}
_HEADING_MAX = 60  # longer lines are not box or annex headings
_TITLE_MAX = 30  # a longer heading title is a heading run into its first paragraph


@dataclass
class Line:
    start: int
    end: int
    text: str
    kind: str = "text"  # blank, heading, toc, box, annex, foreword, markup, cell, indented, text
    quoted: bool = False  # a Markdown blockquote line ("> …")
    heading: tuple | None = None  # (kind, numeral, number, title, title_end)


def build_document(source: SourceText) -> Document:
    """Read the outline of a plan; raise :class:`PlanError` if it has no plan structure."""
    lines = _classify(source.text)
    _mark_contents(lines)
    outline = _Builder(source.text).build(lines)
    structural = [n for n in outline.walk() if n.kind in ("part", "chapter", "section")]
    if not structural:
        raise PlanError(f"{source.path}: no recognisable plan structure (no 篇/章/节 headings)")
    _shape_preamble(outline, source.text)
    _fit_ends(outline)
    _number_unlabelled_boxes(outline)
    _assign_keys(outline)
    return Document(source=source, outline=outline, info=plan_info(outline, source.text))


# --- line classification -------------------------------------------------------------

def _split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def _classify(text: str) -> list[Line]:
    lines = _split_lines(text)
    in_front_matter = bool(lines) and lines[0].text.strip() == "---"
    for i, line in enumerate(lines):
        t = line.text
        if q := _QUOTE.match(t):
            line.quoted = True
            t = " " * q.end() + t[q.end():]  # classified as its content; offsets kept
        stripped = t.strip()
        if in_front_matter:
            line.kind = "markup"
            if i > 0 and re.fullmatch(r"-{3,}", stripped):
                in_front_matter = False
            continue
        if not stripped:
            # A tab-only line is an empty table cell, which still belongs to its row.
            line.kind = "cell" if t.startswith("\t") else "blank"
        elif (m := _IMAGE_BOX.match(t)) and (box := _BOX.match((m.group("title") or m.group("alt") or "").strip())):
            line.kind = "image-box"
            line.heading = ("box", box.group(1) or None, _num(box.group(1)), _clean_title(box.group(2)), line.end)
        elif _MARKUP.match(t):
            line.kind = "markup"
        elif len(_ANY_HEADING.findall(t)) >= 2 and "。" not in t and _STARTS_WITH_HEADING.match(t):
            line.kind = "multi"  # several headings run together: contents, or OCR of the body
        elif m := _HEADING.match(t):
            line.kind, line.heading = "heading", _heading(line, m)
        elif len(stripped) <= _HEADING_MAX and "。" not in t and (m := _BOX.match(t)):
            line.kind, line.heading = "box", ("box", m.group(1) or None, _num(m.group(1)), _clean_title(m.group(2)), line.end)
        elif len(stripped) <= _HEADING_MAX and "。" not in t and (m := _ANNEX.match(t)):
            line.kind, line.heading = "annex", ("annex", m.group(1) or None, _num(m.group(1)), m.group(2), line.end)
        elif _FOREWORD.match(t):
            line.kind, line.heading = "foreword", ("foreword", None, None, re.sub(r"\s+", "", stripped.strip("#* ")), line.end)
        elif line.quoted:
            line.kind = "text"  # a blockquote's indentation is its markup, not layout
        elif t.startswith("\t") and len(stripped) <= 40 and "。" not in stripped:
            line.kind = "cell"
        elif t.startswith("\t"):
            line.kind = "indented"
        elif t[0] in " \u3000":
            line.kind = "indented"
    return _split_trailing_headings(lines)


def _split_trailing_headings(lines: list[Line]) -> list[Line]:
    out = []
    for line in lines:
        m = _TRAILING_HEADING.search(line.text) if line.kind in ("text", "indented") else None
        hm = _HEADING.match(m.group(1)) if m else None
        if not hm:
            out.append(line)
            continue
        cut = m.start(1)
        out.append(Line(line.start, line.start + cut, line.text[:cut], line.kind))
        head = Line(line.start + cut, line.end, m.group(1), "heading")
        head.heading = _heading(head, hm)
        out.append(head)
    return out


def _clean_title(title: str) -> str:
    """A box title without Markdown emphasis or the credit line of a news agency photo."""
    title = re.sub(r"\*\*|__", "", title)
    title = re.sub(r"[ \t\u3000]+\S{1,8}(?:发|摄|供图)$", "", title)  # 　某某社发, 　某某摄
    return re.sub(r"[ \t\u3000]+", " ", title).strip()


def _num(numeral: str | None) -> int | None:
    try:
        return parse_numeral(numeral) if numeral else None
    except ValueError:
        return None


def _heading(line: Line, m: re.Match) -> tuple:
    numeral, word, title = m.group(1), m.group(2), m.group(3)
    title_end = line.start + m.end(3)
    if len(title) > _TITLE_MAX:
        # OCR ran the heading into its paragraph: keep the words before the first punctuation.
        cut = _SENTENCE_PUNCT.search(title)
        if cut:
            title = title[: cut.start()].rstrip()
            title_end = line.start + m.start(3) + len(title)
    return (_KIND[word], numeral, _num(numeral), re.sub(r"[ \t\u3000]+", " ", title).strip(), title_end)


def _mark_contents(lines: list[Line]) -> None:
    """Recognise a table of contents: headings that the body repeats from its first one.

    The run of lines from the first heading up to the heading just before that first
    heading's repeat is the contents, provided it holds nothing but headings (and blank,
    markup or short lines such as "目录").
    """
    heads = [i for i, ln in enumerate(lines) if ln.kind in ("heading", "multi")]
    if len(heads) < 2:
        return
    first = lines[heads[0]]
    first_key = _toc_key(first)
    for n, idx in enumerate(heads[1:], start=1):
        if lines[idx].kind == "heading" and _toc_key(lines[idx]) == first_key:
            end = heads[n - 1]
            break
    else:
        return
    region = range(heads[0], end + 1)
    if any(lines[i].kind in ("text", "indented", "cell") and len(lines[i].text.strip()) > 20 for i in region):
        return
    start = heads[0]
    # A "目录" line just above the first entry belongs to the contents too.
    for back in range(heads[0] - 1, max(-1, heads[0] - 4), -1):
        if _CONTENTS.match(lines[back].text):
            start = back
            break
    for i in range(start, end + 1):
        if lines[i].kind != "blank":
            lines[i].kind = "toc"


def _split_headings(line: Line) -> list[Line]:
    """Split "第三篇推进改革开放第十三章深化各项改革" into its headings."""
    starts = [m.start() for m in _ANY_HEADING.finditer(line.text)] + [len(line.text)]
    if starts[0] > 0:
        starts.insert(0, 0)
    out = []
    for a, b in zip(starts, starts[1:]):
        seg = Line(line.start + a, line.start + b, line.text[a:b])
        if m := _HEADING.match(seg.text):
            seg.kind, seg.heading = "heading", _heading(seg, m)
            out.append(seg)
    return out


def _toc_key(line: Line) -> tuple:
    """(kind, number, title) of a heading line, or of the first heading of a run-on line."""
    if line.kind == "heading":
        kind, _, number, title, _ = line.heading
        return kind, number, re.sub(r"\s", "", title)
    segments = _split_headings(line)
    return _toc_key(segments[0]) if segments else ("multi", line.start)


# --- tree building ---------------------------------------------------------------------

class _Builder:
    def __init__(self, text: str):
        self.text = text
        self.root = Node("plan", 0, len(text), title="")
        self.stack: list[Node] = []  # open structural nodes (part/annex, chapter, section)
        self.preamble: Node | None = None
        self.foreword: Node | None = None
        self.box: Node | None = None
        self.box_quoted = False  # the open box is a Markdown blockquote
        self.table: Node | None = None
        self.contents: Node | None = None
        self.blank_run = 0
        self.indent_is_signal = True

    def build(self, lines: list[Line]) -> Node:
        text_lines = [ln for ln in lines if ln.kind in ("text", "indented")]
        indented = sum(1 for ln in text_lines if ln.kind == "indented")
        # Where most paragraphs are indented, indentation says nothing about boxes.
        self.indent_is_signal = not text_lines or indented / len(text_lines) < 0.3
        prev: Line | None = None
        for line in lines:
            self._line(line, prev)
            if line.kind != "markup":
                prev = line
        self._close_box()
        _fit_ends(self.root)
        return self.root

    # containers -------------------------------------------------------------------

    def _container(self) -> Node:
        if self.stack:
            return self.stack[-1]
        if self.foreword is not None:
            return self.foreword
        return self._preamble()

    def _preamble(self) -> Node:
        if self.preamble is None:
            self.preamble = Node("preamble", 0, 0, title="卷首")
            self.root.children.append(self.preamble)
        return self.preamble

    def _add(self, parent: Node, node: Node) -> Node:
        parent.children.append(node)
        self._extend(parent, node.end)
        return node

    def _extend(self, node: Node, end: int) -> None:
        node.end = max(node.end, end)
        for open_node in self.stack:
            open_node.end = max(open_node.end, end)

    def _close_box(self) -> None:
        self.table = None
        self.box = None
        self.box_quoted = False
        self.blank_run = 0

    # one line ---------------------------------------------------------------------

    def _line(self, line: Line, prev: Line | None) -> None:
        kind = line.kind
        if kind == "markup":
            return
        if kind == "blank":
            self.blank_run += 1
            # Two blank lines end a box, except inside a table, whose cells PDF
            # conversion scatters over blank lines ("生态", "", "文明", "", "（8项）").
            if self.box is not None and self.table is None and self.blank_run >= 2:
                self._close_box()
            return
        blanks_before, self.blank_run = self.blank_run, 0

        if kind == "toc":
            if self.contents is None:
                self.contents = self._add(self._preamble(), Node("contents", line.start, line.end, title="目录"))
            self._extend(self.contents, line.end)
            return
        if kind in ("heading", "annex"):
            self._close_box()
            self._structure(line)
            return
        if kind == "multi":
            self._close_box()
            for segment in _split_headings(line):
                self._structure(segment)
            return
        if kind == "foreword":
            self._close_box()
            if not self.stack:
                _, _, _, title, _ = line.heading
                self.foreword = self._add(self._preamble(), Node("foreword", line.start, line.end, title=title))
                return
        if kind == "image-box":  # a box printed as an image: its heading only, no body
            self._close_box()
            _, numeral, number, title, _ = line.heading
            self._add(self._container(), Node("box", line.start, line.end, title=title, numeral=numeral, number=number))
            return
        if self.box is not None and self.box_quoted and not line.quoted:
            self._close_box()  # a blockquoted box ends with the blockquote
        if kind == "box":
            self._close_box()
            self.box_quoted = line.quoted
            _, numeral, number, title, _ = line.heading
            self.box = self._add(self._container(), Node("box", line.start, line.end, title=title,
                                                          numeral=numeral, number=number))
            return
        if kind == "indented" and self.box is None and self.indent_is_signal and self.stack \
                and prev is not None and prev.kind == "text":
            # A box whose 专栏 heading was lost: an indented block right under a paragraph.
            self.box = self._add(self._container(), Node("box", line.start, line.end, labelled=False))
        if kind == "cell" and self.box is None and self.stack and line.text.strip():
            self.box = self._add(self._container(), Node("box", line.start, line.end, labelled=False))
        self._content(line, prev, blanks_before)

    def _structure(self, line: Line) -> None:
        kind, numeral, number, title, title_end = line.heading
        level = STRUCTURE_LEVEL[kind]
        while self.stack and STRUCTURE_LEVEL[self.stack[-1].kind] >= level:
            self.stack.pop()
        if kind == "part" and self.stack and self.stack[0].kind == "annex":
            self.stack.clear()
        if kind == "annex":
            self.stack.clear()
        parent = self.stack[-1] if self.stack else self.root
        node = self._add(parent, Node(kind, line.start, line.end, title=re.sub(r"\s+", " ", title).strip(),
                                      numeral=numeral, number=number))
        self.stack.append(node)
        rest = self.text[title_end:line.end].strip(" \t\u3000，,。；;")
        if rest:  # the paragraph a run-on heading swallowed
            start = self.text.index(rest, title_end)
            self._add(node, Node("paragraph", start, start + len(rest)))

    def _content(self, line: Line, prev: Line | None, blanks_before: int) -> None:
        if self.table is not None and line.kind != "cell":
            if _is_cell_fragment(line.text):  # a cell wrapped onto a line of its own
                self._grow_table(line)
                return
            self.table = None
            if blanks_before >= 2:
                self.box = None
        if self.box is not None:
            if line.kind == "cell":
                if self.table is None:
                    self.table = self._add(self.box, Node("table", line.start, line.end))
                self._grow_table(line)
                return
            self._add(self.box, self._paragraph(line))
            return
        self._add(self._container(), self._paragraph(line))

    def _grow_table(self, line: Line) -> None:
        self.table.end = line.end
        self._extend(self.box, line.end)

    def _paragraph(self, line: Line) -> Node:
        skip = _QUOTE.match(line.text).end() if line.quoted else 0
        stripped = line.text[skip:].strip(" \t\u3000")
        start = line.start + line.text.index(stripped, skip) if stripped else line.start
        return Node("paragraph", start, start + len(stripped))


def _is_cell_fragment(text: str) -> bool:
    """A short run of words with no sentence end: the rest of a table cell, not a paragraph."""
    stripped = text.strip()
    return len(stripped) <= 12 and not re.search(r"[。；;]", stripped)


# --- after the tree -----------------------------------------------------------------

def _fit_ends(node: Node) -> int:
    for child in node.children:
        node.end = max(node.end, _fit_ends(child))
    return node.end


def _shape_preamble(outline: Node, text: str) -> None:
    """Group the preamble's loose lines into the plan's title and the resolution before it."""
    preamble = next((n for n in outline.children if n.kind == "preamble"), None)
    if preamble is None:
        return
    paras = [n for n in preamble.children if n.kind == "paragraph"]
    words = [text[p.start:p.end] for p in paras]
    for i, word in enumerate(words):
        clean = word.strip("*#《》 \u3000")
        if "决议" in clean or "。" in clean or len(clean) > 60:
            continue
        if not ("国民经济" in clean or any(w in clean for w in _TITLE_WORDS) and "发展" in clean):
            continue
        parts = [clean]
        # A title broken over lines: "…第十三个" / "五年规划纲要".
        for nxt in words[i + 1:i + 3]:
            if "纲要" in "".join(parts) or len(nxt) > 20 or "。" in nxt:
                break
            parts.append(nxt.strip("*#《》 \u3000"))
        title_paras = paras[i:i + len(parts)]
        title = Node("title", title_paras[0].start, title_paras[-1].end,
                     title=re.sub(r"\s+", "", "".join(parts)), children=title_paras)
        # Lines before the title that include a 决议 are the resolution adopting the plan;
        # its heading may be wrapped over the lines up to the one that says 决议.
        first_resolution = next((k for k, w in enumerate(words[:i]) if "决议" in w), None)
        group = paras[:i] if first_resolution is not None else []
        resolution_title = "".join(words[:first_resolution + 1]) if group else ""
        replaced = {id(title_paras[0]): title}
        if group:
            replaced[id(group[0])] = Node("resolution", group[0].start, group[-1].end,
                                          title=re.sub(r"\s+", "", resolution_title), children=group)
        dropped = {id(p) for p in title_paras + group}
        preamble.children = [replaced.get(id(c), c) for c in preamble.children
                             if id(c) in replaced or id(c) not in dropped]
        return


def _number_unlabelled_boxes(outline: Node) -> None:
    """Give a box that lost its 专栏 heading the number its neighbours imply.

    Between 专栏3 and 专栏6 two unlabelled boxes are 专栏4 and 专栏5; the numbers are
    given only where the count of unlabelled boxes fits the gap exactly.
    """
    boxes = outline.find("box")
    last_index, last_number = -1, 0
    for i, box in enumerate(boxes + [None]):
        if box is not None and (not box.labelled or box.number is None):
            continue
        number = box.number if box is not None else None
        gap = boxes[last_index + 1:i]
        if gap and (number is None or number - last_number - 1 == len(gap)):
            if number is not None or last_number:
                for k, unlabelled in enumerate(gap, start=1):
                    unlabelled.number = last_number + k
        if box is not None:
            last_index, last_number = i, number


def _assign_keys(outline: Node) -> None:
    """Key every node by its place: kind and number, or kind and position among its kind."""

    def visit(node: Node, prefix: str) -> None:
        seen: dict[str, int] = {}
        for child in node.children:
            seen[child.kind] = seen.get(child.kind, 0) + 1
            ident = child.number if child.number is not None and child.kind != "paragraph" else seen[child.kind]
            if child.kind == "box" and child.number is not None:
                ident = child.number
            child.key = f"{prefix}{child.kind}-{ident}"
            visit(child, child.key + "/")

    visit(outline, "")


_TITLE_WORDS = ("纲要", "规划", "计划")
_ORDINAL = re.compile(rf"第({_NUM})个五年")
_PERIOD = re.compile(r"((?:19|20)\d\d)\s*[-－—–~至到]+\s*((?:19|20)\d\d)\s*年")


def plan_info(outline: Node, text: str) -> PlanInfo:
    """The plan's title, region, ordinal and period, read from its preamble."""
    info = PlanInfo()
    title = next((n for n in outline.walk() if n.kind == "title"), None)
    info.title = title.title if title is not None else ""
    m = re.match(r"(.+?)(?:国民经济|经济和社会|经济社会)", info.title)
    info.region = m.group(1) if m else ""
    head = text[:5000]
    if m := _ORDINAL.search(info.title) or _ORDINAL.search(head):
        info.ordinal = _num(m.group(1))
    if m := _PERIOD.search(info.title) or _PERIOD.search(head):
        info.start_year, info.end_year = int(m.group(1)), int(m.group(2))
    elif info.ordinal:
        # The national five-year plans: 1st 1953-57, 2nd 1958-62, then (after the
        # 1963-65 readjustment) the 3rd from 1966 and every five years since.
        n = info.ordinal
        info.start_year = 1953 + 5 * (n - 1) if n <= 2 else 1966 + 5 * (n - 3)
        info.end_year = info.start_year + 4
    return info
