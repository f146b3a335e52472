"""Word documents (.docx) through python-docx: the body in order, headings, merged cells, text boxes.

python-docx opens the package and its styles; the body is walked on its XML directly,
because its high-level API skips what plans need: content controls (``w:sdt``), text
boxes (``w:txbxContent``), vertically merged cells (``w:vMerge``) and tables nested in
cells. Headings come from the paragraph's style (Heading 1, 标题 1, or a style with an
outline level) as well as from their text. Numbers that Word's list numbering prints
(第一章, （一）, 1.) are not in the paragraph's text: they are rebuilt from the numbering
part (``w:numPr`` of the paragraph or its style) and written before the text, as Word
shows them. Headings that carry no number either way are numbered from their style level
(see :class:`.blocks._HeadingNumbers`).
"""

from __future__ import annotations

import io
import re

from ..errors import PlanError
from . import Extracted
from .blocks import Cell, Para, Table, render, zh_number

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins", W + "moveTo"}
_SKIPPED = {W + "pPr", W + "rPr", W + "del", W + "moveFrom", _FALLBACK}  # no printed text below these
_MAX_COLUMNS = 63  # Word allows no more columns in a table
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def read(data: bytes, name: str) -> Extracted:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        styles = _Styles(document)
        blocks = list(_blocks(document.element.body, styles))
    except PlanError:
        raise
    except Exception as exc:  # a damaged package: bad ZIP, missing part, malformed XML
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PlanError(f"{name}: not a readable Word .docx document ({reason[:120]})") from None
    return render(blocks, "docx", number_headings=True)


def _val(el, child: str) -> str | None:
    found = el.find(W + child) if el is not None else None
    return found.get(W + "val") if found is not None else None


class _Styles:
    """What paragraph styles say: heading levels (by name, outline level or base style) and list numbering."""

    def __init__(self, document):
        styles = {}
        for st in document.styles.element.findall(W + "style"):
            if st.get(W + "type") == "paragraph":
                ppr = st.find(W + "pPr")
                styles[st.get(W + "styleId")] = (_val(st, "name") or "", _val(st, "basedOn"), ppr)
        self.levels = {sid: lv for sid in styles if (lv := _inherit(styles, sid, _style_level)) is not None}
        self.numbering = {sid: n for sid in styles if (n := _inherit(styles, sid, _num_pr)) is not None}
        self.lists = _Lists(document)


def _inherit(styles: dict, style_id, get, depth: int = 0):
    """A style's own value, else its base style's."""
    if style_id not in styles or depth > 10:
        return None
    name, based, ppr = styles[style_id]
    value = get(name, ppr)
    return value if value is not None else _inherit(styles, based, get, depth + 1)


def _style_level(name: str, ppr) -> int | None:
    if m := _HEADING_STYLE.match(name.strip()):
        return int(m.group(1))
    outline = _val(ppr, "outlineLvl")
    return int(outline) + 1 if outline is not None and outline.isdigit() and int(outline) < 9 else None


def _num_pr(_name, ppr) -> tuple[str, int] | None:
    num_pr = ppr.find(W + "numPr") if ppr is not None else None
    if num_pr is None or _val(num_pr, "numId") is None:
        return None
    return _val(num_pr, "numId"), _int(_val(num_pr, "ilvl"), 0)


def _int(text: str | None, default: int) -> int:
    """An integer attribute; a missing or malformed one is the default (Word does the same)."""
    return int(text) if text and text.isdigit() and len(text) < 7 else default


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "japaneseCounting",
               "ideographDigital", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return zh_number(n)
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    if fmt in ("upperLetter", "lowerLetter") and n >= 1:
        letter = _LETTERS[(n - 1) % 26] * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and n >= 1:
        roman = ""
        for value, digits in _ROMAN:
            while n >= value:
                roman, n = roman + digits, n - value
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    return str(n)  # decimal, decimalZero and the rest


class _Lists:
    """Word's list numbering, counted as Word counts it: per list, a level restarting below the one above."""

    def __init__(self, document):
        from docx.opc.constants import RELATIONSHIP_TYPE

        self.levels: dict[str, dict[int, tuple[int, str, str, str]]] = {}  # numId -> ilvl -> start, fmt, text, suffix
        self.counts: dict[str, dict[int, int]] = {}
        try:
            root = document.part.part_related_by(RELATIONSHIP_TYPE.NUMBERING).element
        except KeyError:
            return
        abstract = {a.get(W + "abstractNumId"): a for a in root.findall(W + "abstractNum")}
        for num in root.findall(W + "num"):
            levels = {}
            definition = abstract.get(_val(num, "abstractNumId"))
            for lvl in definition.findall(W + "lvl") if definition is not None else []:
                levels[_int(lvl.get(W + "ilvl"), 0)] = (_int(_val(lvl, "start"), 1), _val(lvl, "numFmt") or "decimal",
                                                        _val(lvl, "lvlText") or "", _val(lvl, "suff") or "tab")
            for override in num.findall(W + "lvlOverride"):
                ilvl, start = _int(override.get(W + "ilvl"), 0), _val(override, "startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = (_int(start, 1),) + levels[ilvl][1:]
            self.levels[num.get(W + "numId")] = levels

    def label(self, num_id: str, ilvl: int) -> str:
        """The number Word prints before the next paragraph of list ``num_id`` at level ``ilvl``."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counts.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        _, fmt, text, suffix = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""

        def number(m):
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            return _format(counts.get(k, levels[k][0]), levels[k][1])

        return re.sub(r"%([1-9])", number, text) + ("" if suffix == "nothing" else " ")


def _blocks(container, styles: _Styles):
    """Paragraphs and tables of a body, cell or text box, in reading order."""
    for child in container:
        if child.tag == W + "p":
            yield from _paragraph(child, styles)
        elif child.tag == W + "tbl":
            yield _table(child, styles)
        elif child.tag in _CONTAINERS:
            yield from _blocks(child, styles)


def _paragraph(p, styles: _Styles):
    parts: list[str] = []
    boxes: list = []

    def walk(el):
        for child in el:
            tag = child.tag
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                parts.append(" ")
            elif tag in (W + "br", W + "cr"):
                if child.get(W + "type") in (None, "textWrapping"):
                    parts.append("\n")
            elif tag == W + "txbxContent":
                boxes.append(child)  # a text box: its paragraphs follow the one that anchors it
            elif tag not in _SKIPPED and isinstance(tag, str):
                walk(child)

    walk(p)
    ppr = p.find(W + "pPr")
    style = _val(ppr, "pStyle")
    outline = _val(ppr, "outlineLvl")
    if outline is not None and outline.isdigit():
        level = int(outline) + 1 if int(outline) < 9 else None
    else:
        level = styles.levels.get(style)
    numbered = _num_pr("", ppr) or styles.numbering.get(style)
    label = styles.lists.label(*numbered) if numbered else ""
    text = "".join(parts)
    yield Para(label + text if text.strip() else text, level)
    for box in boxes:  # a framed block (often a 专栏): laid out like a one-cell table, which closes it
        yield Table([Cell(list(_blocks(box, styles)))])


def _table(tbl, styles: _Styles) -> Table:
    """A table with its merged cells: ``gridSpan`` across, ``vMerge`` down, legacy ``hMerge``."""
    table = Table()
    above: dict[int, Cell] = {}  # column -> the cell covering it in the row above
    for r, tr in enumerate(_rows(tbl)):
        col = min(_int(_val(tr.find(W + "trPr"), "gridBefore"), 0), _MAX_COLUMNS)
        current: dict[int, Cell] = {}
        last: Cell | None = None
        for tc in _cells(tr):
            tcpr = tc.find(W + "tcPr")
            span = min(max(1, _int(_val(tcpr, "gridSpan"), 1)), _MAX_COLUMNS)
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None
            blocks = list(_blocks(tc, styles))
            if vmerge is not None and vmerge.get(W + "val") in (None, "continue") and col in above \
                    and above[col].col == col:
                cell = above[col]  # continues the cell above: one cell, one more row
                cell.rowspan = r - cell.row + 1
                cell.blocks += [b for b in blocks if not isinstance(b, Para) or b.text.strip()]
            elif hmerge is not None and hmerge.get(W + "val") in (None, "continue") and last is not None:
                cell = last
                cell.colspan += span
            else:
                cell = Cell(blocks, r, col, 1, span)
                table.cells.append(cell)
            for c in range(col, col + span):
                current[c] = cell
            last = cell
            col += span
        above = current
    return table


def _rows(tbl):
    for child in tbl:
        if child.tag == W + "tr":
            yield child
        elif child.tag in _CONTAINERS:
            yield from _rows(child)


def _cells(tr):
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag in _CONTAINERS:
            yield from _cells(child)
