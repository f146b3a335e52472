"""PDF reader: the text layer of a text PDF, page by page, with its ruled tables as cell grids.

pypdfium2 (PDFium, the PDF engine of Chromium) gives every character with its box; it is
about ten times faster than pdfminer-based extraction on a plan and opens files that
pdfminer refuses (see docs/readers.md). Lines are rebuilt from the characters'
positions; the page's geometry tells which line breaks are wraps inside a paragraph (a
line reaching the right margin, the next one not indented nor set apart), and paragraph
openings keep their indentation. Pages are separated by form feeds, as ``pdftotext``
writes them, so the layout stage (:mod:`..layout`) removes page numbers and running
headers and footers the same way for a converted text and for a PDF read directly.

Ruled tables are found from the drawn rules: PDFium gives the path segments, and
pdfplumber's table geometry (snapping, intersections, cells) turns them into cells. A
table is rendered where it stands in the tab-per-line layout and kept as a :class:`Grid`.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from dataclasses import dataclass, field

from ..errors import PlanError
from . import Extracted, Grid, GridCell, Page

_RULE_WIDTH = 2.0  # points: a path segment thinner than this in one direction is a rule
_MIN_RULE = 10.0  # points: shorter paths are not table rules
_SNAP = 3.0  # points: rules this close are one rule (pdfplumber's default tolerances)
_MIN_PAGE_CHARS = 10  # a page with fewer characters has no text layer (a scan, or a blank page)
_FURNITURE_MAX = 40  # characters: longer lines between two parts of a table are text, not page furniture
_TITLE = re.compile(r"^[ \u3000]*(?:专[ \u3000]*栏|附[ \u3000]*件|表[ \u3000]*\d|第[0-9一二三四五六七八九十百]+[篇章节])")
_INDENT_MAX = 8  # ideographic spaces written for an indented line, at most


@dataclass
class _Char:
    ch: str
    x0: float
    top: float
    x1: float
    bottom: float
    space_before: str = ""  # a space character the PDF itself has before this one


@dataclass
class _Line:
    chars: list[_Char]
    text: str = ""
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0

    def __post_init__(self) -> None:
        self.chars.sort(key=lambda c: c.x0)
        self.x0 = min(c.x0 for c in self.chars)
        self.x1 = max(c.x1 for c in self.chars)
        self.top = min(c.top for c in self.chars)
        self.bottom = max(c.bottom for c in self.chars)
        self.text = _join_chars(self.chars)


@dataclass
class _Table:
    cells: list[tuple[float, float, float, float]]  # (x0, top, x1, bottom)
    top: float = 0.0
    bbox: tuple[float, float, float, float] = (0, 0, 0, 0)
    rows: list[float] = field(default_factory=list)
    cols: list[float] = field(default_factory=list)


def read(data: bytes, name: str) -> Extracted:
    pdf = _open(data, name)
    try:
        pages = [_read_page(pdf[i]) for i in range(len(pdf))]
    finally:
        pdf.close()
    empty = [n for n, p in enumerate(pages, start=1) if len(p[0]) < _MIN_PAGE_CHARS]
    if len(empty) * 2 > len(pages):
        raise PlanError(f"{name}: a PDF without a text layer on {len(empty)} of its {len(pages)} pages "
                        "(a scanned document?); run OCR on it first (for example: ocrmypdf FILE OUT.pdf)")
    extracted = _assemble(pages)
    if empty:
        extracted.notes.append(f"no text on page{'s' if len(empty) > 1 else ''} {', '.join(map(str, empty))} "
                               "(blank, or scanned without a text layer)")
    return extracted


def _open(data: bytes, name: str):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if b"%%EOF" not in data[-2048:]:
        raise PlanError(f"{name}: a truncated or damaged PDF (no end-of-file marker)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == raw.FPDF_ERR_PASSWORD or "password" in str(exc).lower():
            raise PlanError(f"{name}: an encrypted PDF that needs a password; "
                            "save an unencrypted copy (for example: qpdf --decrypt --password=PW IN OUT)") from None
        raise PlanError(f"{name}: a damaged PDF that cannot be opened") from None
    if len(pdf) == 0:
        pdf.close()
        raise PlanError(f"{name}: a PDF with no pages")
    return pdf


# --- one page ------------------------------------------------------------------------

def _read_page(page) -> tuple[list[_Char], list[_Line], list[_Table]]:
    """The page's characters, its lines outside tables, and its ruled tables."""
    import pypdfium2.raw as raw

    _, height = page.get_size()
    textpage = page.get_textpage()
    chars, space = [], ""
    for k in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(textpage.raw, k):
            continue  # spaces and line breaks PDFium inferred; the geometry says where they are
        code = raw.FPDFText_GetUnicode(textpage.raw, k)
        if 0xDC00 <= code < 0xE000 and chars and len(chars[-1].ch) == 1 and 0xD800 <= ord(chars[-1].ch) < 0xDC00:
            # The second half of a character beyond the BMP (CJK Extension B…): join the pair.
            chars[-1].ch = (chars[-1].ch + chr(code)).encode("utf-16", "surrogatepass").decode("utf-16")
            continue
        ch = chr(code)
        if ch in "\r\n\ufffe":
            continue
        if not ch.strip():
            space = space or ch
            continue
        left, bottom, right, top = textpage.get_charbox(k, loose=True)
        chars.append(_Char(ch, left, height - top, right, height - bottom, space))
        space = ""
    textpage.close()
    tables = _ruled_tables(page, height, chars)
    free = [c for c in chars if not any(_inside(c, t.bbox) for t in tables)]
    return chars, _group_lines(free), tables


def _group_lines(chars: list[_Char]) -> list[_Line]:
    """Characters whose vertical middles lie within half a line of each other form a line."""
    if not chars:
        return []
    size = statistics.median(c.bottom - c.top for c in chars)
    lines: list[list[_Char]] = []
    for c in sorted(chars, key=lambda c: (c.top + c.bottom) / 2):
        middle = (c.top + c.bottom) / 2
        if lines and middle - lines[-1][0].top - (lines[-1][0].bottom - lines[-1][0].top) / 2 <= size * 0.5:
            lines[-1].append(c)
        else:
            lines.append([c])
    return sorted((_Line(group) for group in lines), key=lambda ln: ln.top)


def _join_chars(chars: list[_Char]) -> str:
    """A line's characters in order; a space where the PDF has one, or where the gap is that of a space."""
    out = []
    size = statistics.median(c.bottom - c.top for c in chars)
    for prev, c in zip([None] + chars[:-1], chars):
        if prev is not None:
            gap = c.x0 - prev.x1
            latin = prev.ch.isascii() or c.ch.isascii()
            if c.space_before:
                out.append(c.space_before)
            elif gap > size * (0.25 if latin else 1.0):
                out.append(" ")
        out.append(c.ch)
    return "".join(out)


def _inside(c: _Char, bbox: tuple[float, float, float, float]) -> bool:
    x, y = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


# --- ruled tables ----------------------------------------------------------------------

def _ruled_tables(page, height: float, chars: list[_Char]) -> list[_Table]:
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    edges = _rules(page, height)
    if len(edges) < 4:
        return []
    edges = merge_edges(edges, _SNAP, _SNAP, _SNAP, _SNAP)
    cells = intersections_to_cells(edges_to_intersections(edges, 1, 1))
    tables = []
    for group in cells_to_tables(cells):
        # A framed paragraph (one cell) is a box drawn round text, not a table.
        if len(group) < 2:
            continue
        x0 = min(c[0] for c in group)
        top = min(c[1] for c in group)
        x1 = max(c[2] for c in group)
        bottom = max(c[3] for c in group)
        table = _Table(cells=group, top=top, bbox=(x0, top, x1, bottom))
        table.cols = _edges_of([c[0] for c in group] + [c[2] for c in group])
        table.rows = _edges_of([c[1] for c in group] + [c[3] for c in group])
        if len(table.rows) > 2 and len(table.cols) > 2:
            tables.append(table)
    return tables


def _edges_of(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _SNAP:
            out.append(v)
    return out


def _rules(page, height: float) -> list[dict]:
    """Horizontal and vertical rules drawn on the page, as pdfplumber edges (top-origin)."""
    import pypdfium2.raw as raw

    edges = []
    # The raw calls skip building a Python object for each of the page's (many) text objects.
    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_PATH:
            continue
        box = [ctypes.c_float() for _ in range(4)]
        raw.FPDFPageObj_GetBounds(obj, *box)
        left, bottom, right, top = (v.value for v in box)
        if max(right - left, top - bottom) < _MIN_RULE:
            continue  # a glyph drawn as a path, a dot, a bullet
        m = raw.FS_MATRIX()
        raw.FPDFPageObj_GetMatrix(obj, m)
        points, start = [], None
        for k in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            x, y = ctypes.c_float(), ctypes.c_float()
            raw.FPDFPathSegment_GetPoint(seg, x, y)
            point = (m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f)
            kind = raw.FPDFPathSegment_GetType(seg)
            if kind == raw.FPDF_SEGMENT_MOVETO or not points:
                start = point
            elif kind == raw.FPDF_SEGMENT_LINETO:
                edges.extend(_edge(points[-1], point, height))
            if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                edges.extend(_edge(point, start, height))
            points.append(point)
    return edges


def _edge(a, b, height: float) -> list[dict]:
    (xa, ya), (xb, yb) = a, b
    x0, x1 = sorted((xa, xb))
    top, bottom = sorted((height - ya, height - yb))
    if bottom - top < _RULE_WIDTH and x1 - x0 >= _RULE_WIDTH:
        return [{"x0": x0, "x1": x1, "top": top, "bottom": top, "width": x1 - x0, "height": 0, "orientation": "h"}]
    if x1 - x0 < _RULE_WIDTH and bottom - top >= _RULE_WIDTH:
        return [{"x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                 "orientation": "v"}]
    return []


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


# --- the document's text -------------------------------------------------------------

class _Writer:
    """Builds the extracted text, its pages, grids and the breaks the geometry says are wraps."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.pages: list[Page] = []
        self.grids: list[Grid] = []
        self.soft_breaks: list[int] = []

    def write(self, s: str) -> int:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start

    def table(self, table: _Table, chars: list[_Char], number: int, grid: Grid | None = None,
              more: bool = False) -> Grid:
        """Write a table in the tab-per-line layout (the rules of the other readers).

        A full-width row at the top (the table's title, 专栏1 …) is written before it as a
        line of text and one at the bottom (a 注： note) after it; in the body, a slot under a
        cell merged down from above is a line holding only a tab, a slot merged from the left
        is not written; two blank lines after the table close the box it stands in.

        ``grid``: the table this one continues from the page before (its repeated header rows
        are not written again); ``more``: the table goes on over the page.
        """
        cells = sorted(self._cells(table, chars, number), key=lambda c: (c.row, c.col))
        n_rows, n_cols = len(table.rows) - 1, len(table.cols) - 1

        def full_width(r: int) -> GridCell | None:
            row = [c for c in cells if c.row == r]
            return row[0] if len(row) == 1 and row[0].colspan == n_cols and row[0].rowspan == 1 else None

        top, bottom = 0, n_rows
        while top < bottom and full_width(top):
            top += 1  # a title, or on a continuation the title repeated
        while not more and bottom > top and full_width(bottom - 1):
            bottom -= 1
        titles = [full_width(r).text for r in range(top)]
        notes = [full_width(r).text for r in range(bottom, n_rows)]
        if grid is None:
            self.write("\n")
            for title in titles:
                self.write(title + "\n\n")
            grid = Grid(start=self.pos, end=self.pos, source="pdf-ruled")
            self.grids.append(grid)
            base = -top
        else:
            top += _repeated_rows(grid, cells, top)
            base = max(c.row + c.rowspan for c in grid.cells) - top
        owner = {(r, c): cell for cell in cells for r in range(cell.row, cell.row + cell.rowspan)
                 for c in range(cell.col, cell.col + cell.colspan)}
        for r in range(top, bottom):
            wrote = False
            for c in range(n_cols):
                cell = owner.get((r, c))
                if cell is None or cell.col != c or cell.row < top:
                    continue  # a slot no cell covers, merged from the left, or under a skipped row
                self.write("\t")
                if cell.row == r:
                    cell.row += base
                    cell.start = self.write(cell.text)
                    cell.end = self.pos
                    grid.cells.append(cell)
                self.write("\n")
                wrote = True
            if wrote:
                grid.end = self.pos - 1
                self.write("\n")  # a blank line between rows
        if not more:
            for note in notes:
                self.write(note + "\n")
            self.write("\n\n")
        return grid

    @staticmethod
    def _cells(table: _Table, chars: list[_Char], number: int) -> list[GridCell]:
        out = []
        for bbox in table.cells:
            row, col = _index(table.rows, bbox[1]), _index(table.cols, bbox[0])
            rowspan = max(1, _index(table.rows, bbox[3]) - row)
            colspan = max(1, _index(table.cols, bbox[2]) - col)
            inside = [c for c in chars if _inside(c, bbox)]
            text = "".join(_join_lines([ln.text for ln in _group_lines(inside)]))
            out.append(GridCell(text, row, col, rowspan, colspan, bbox=tuple(round(v, 1) for v in bbox), page=number))
        return out

    def text(self) -> str:
        return "".join(self.parts)


def _repeated_rows(grid: Grid, cells: list[GridCell], top: int) -> int:
    """How many rows at the top of a table's continuation repeat the first rows of the table."""
    def rows(cs, first):
        out: dict[int, list[str]] = {}
        for c in cs:
            out.setdefault(c.row - first, []).append(c.text)
        return out

    before, after = rows(grid.cells, 0), rows([c for c in cells if c.row >= top], top)
    k = 0
    while k in after and after.get(k) == before.get(k):
        k += 1
    return k if k < len(after) else 0


def _join_lines(texts: list[str]) -> list[str]:
    out: list[str] = []
    for t in texts:
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and t[:1].isascii() and t[:1].isalnum():
            out.append(" ")
        out.append(t)
    return out


def _assemble(pages: list[tuple[list[_Char], list[_Line], list[_Table]]]) -> Extracted:
    writer = _Writer()
    # One set of margins for the document: a page of short lines or indented blocks has its own
    # most common start, which is not the margin.
    left, right, size = _margins([ln for _, lines, _ in pages for ln in lines])
    blocks_of = [sorted([(ln.top, 0, ln) for ln in lines] + [(t.top, 1, t) for t in tables], key=lambda b: b[:2])
                 for _, lines, tables in pages]
    continued = {k for k in range(len(pages) - 1) if _continues(blocks_of[k], blocks_of[k + 1])}
    grid: Grid | None = None
    for number, (chars, lines, tables) in enumerate(pages, start=1):
        start = writer.write("\f") if number > 1 else writer.pos
        if number > 1:
            start += 1
        blocks = blocks_of[number - 1]
        last_table = max((t for t in tables), key=lambda t: t.top, default=None)
        prev: _Line | None = None
        for _, is_table, block in blocks:
            if is_table:
                more = block is last_table and number - 1 in continued
                go_on = grid if number - 2 in continued and block is _first_table(blocks) else None
                grid = writer.table(block, chars, number, go_on, more)
                prev = None
                continue
            indent = min(_INDENT_MAX, round((block.x0 - left) / size)) if size else 0
            if prev is not None and _wraps(prev, block, right, size):
                writer.soft_breaks.append(writer.pos - 1)
            writer.write("\u3000" * max(0, indent) + block.text + "\n")
            prev = block
        # The page's last line reaching the margin runs on over the page.
        if prev is not None and prev.x1 >= right - 1.5 * size:
            writer.soft_breaks.append(writer.pos - 1)
        writer.pages.append(Page(number, start, writer.pos))
    notes = [f"{len(writer.grids)} ruled tables read from their cells"] if writer.grids else []
    return Extracted(text=writer.text(), format="pdf", pages=writer.pages, grids=writer.grids,
                     notes=notes, soft_breaks=writer.soft_breaks)


def _first_table(blocks: list) -> _Table | None:
    return next((b for _, is_table, b in blocks if is_table), None)


def _continues(page: list, nxt: list) -> bool:
    """Does the last table of a page go on at the top of the next one?

    It does where nothing but a few short lines (page number, running header or footer)
    stands after it and before the next page's first table, and both have the same columns.
    """
    tables = [i for i, (_, is_table, _) in enumerate(page) if is_table]
    first = next((i for i, (_, is_table, _) in enumerate(nxt) if is_table), None)
    if not tables or first is None:
        return False
    between = [b for _, _, b in page[tables[-1] + 1:]] + [b for _, _, b in nxt[:first]]
    if len(between) > 4 or any(len(b.text) > _FURNITURE_MAX or _TITLE.match(b.text) for b in between):
        return False
    a, b = page[tables[-1]][2].cols, nxt[first][2].cols
    return len(a) == len(b) and all(abs(x - y) <= _SNAP for x, y in zip(a, b))


def _margins(lines: list[_Line]) -> tuple[float, float, float]:
    """The body's left margin (most lines start there), right margin and type size."""
    if not lines:
        return 0.0, 0.0, 0.0
    size = statistics.median(ln.bottom - ln.top for ln in lines)
    starts = sorted(round(ln.x0 / size) for ln in lines)
    left = statistics.mode(starts) * size
    left = min((ln.x0 for ln in lines if abs(ln.x0 - left) <= size / 2), default=left)
    ends = sorted(ln.x1 for ln in lines)
    right = ends[int(0.9 * (len(ends) - 1))]
    return left, right, size


def _wraps(line: _Line, nxt: _Line, right: float, size: float) -> bool:
    """A line reaching the right margin, followed closely by the next: a wrap in a paragraph."""
    return line.x1 >= right - 1.5 * size and nxt.top - line.bottom <= 0.8 * size
