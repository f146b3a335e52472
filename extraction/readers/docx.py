"""Word documents (.docx) through python-docx: the body in order, headings, merged cells, text boxes.

python-docx opens the package and its styles; the body is walked on its XML directly,
because its high-level API skips what plans need: content controls (``w:sdt``), text
boxes (``w:txbxContent``), vertically merged cells (``w:vMerge``) and tables nested in
cells. Headings come from the paragraph's style (Heading 1, 标题 1, or a style with an
outline level) as well as from their text; see :class:`.blocks._HeadingNumbers` for
headings whose 第N章 is left to Word's list numbering.
"""

from __future__ import annotations

import io
import re

from ..errors import PlanError
from . import Extracted
from .blocks import Cell, Para, Table, render

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins", W + "moveTo"}
_SKIPPED = {W + "pPr", W + "rPr", W + "del", W + "moveFrom", _FALLBACK}  # no printed text below these
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def read(data: bytes, name: str) -> Extracted:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        levels = _style_levels(document)
        blocks = list(_blocks(document.element.body, levels))
    except PlanError:
        raise
    except Exception as exc:  # a damaged package: bad ZIP, missing part, malformed XML
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise PlanError(f"{name}: not a readable Word .docx document ({reason[:120]})") from None
    return render(blocks, "docx", number_headings=True)


def _val(el, child: str) -> str | None:
    found = el.find(W + child) if el is not None else None
    return found.get(W + "val") if found is not None else None


def _style_levels(document) -> dict[str, int]:
    """Heading level of each paragraph style: by its name, or by its outline level, or its base style's."""
    styles = {}
    for s in document.styles.element.findall(W + "style"):
        if s.get(W + "type") == "paragraph":
            outline = _val(s.find(W + "pPr"), "outlineLvl")
            styles[s.get(W + "styleId")] = (_val(s, "name") or "", _val(s, "basedOn"), outline)

    def level(style_id, depth=0):
        if style_id not in styles or depth > 10:
            return None
        name, based, outline = styles[style_id]
        if m := _HEADING_STYLE.match(name.strip()):
            return int(m.group(1))
        if outline is not None and outline.isdigit() and int(outline) < 9:
            return int(outline) + 1
        return level(based, depth + 1)

    return {sid: lv for sid in styles if (lv := level(sid)) is not None}


def _blocks(container, levels: dict[str, int]):
    """Paragraphs and tables of a body, cell or text box, in reading order."""
    for child in container:
        if child.tag == W + "p":
            yield from _paragraph(child, levels)
        elif child.tag == W + "tbl":
            yield _table(child, levels)
        elif child.tag in _CONTAINERS:
            yield from _blocks(child, levels)


def _paragraph(p, levels: dict[str, int]):
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
    outline = _val(ppr, "outlineLvl")
    if outline is not None and outline.isdigit():
        level = int(outline) + 1 if int(outline) < 9 else None
    else:
        level = levels.get(_val(ppr, "pStyle"))
    yield Para("".join(parts), level)
    for box in boxes:
        yield from _blocks(box, levels)


def _table(tbl, levels: dict[str, int]) -> Table:
    """A table with its merged cells: ``gridSpan`` across, ``vMerge`` down, legacy ``hMerge``."""
    table = Table()
    above: dict[int, Cell] = {}  # column -> the cell covering it in the row above
    for r, tr in enumerate(_rows(tbl)):
        col = int(_val(tr.find(W + "trPr"), "gridBefore") or 0)
        current: dict[int, Cell] = {}
        last: Cell | None = None
        for tc in _cells(tr):
            tcpr = tc.find(W + "tcPr")
            span = max(1, int(_val(tcpr, "gridSpan") or 1))
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None
            blocks = list(_blocks(tc, levels))
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
