"""Documents as blocks (paragraphs, headings, tables of cells) and their layout as plan text.

The Word and web-page readers turn a document into a list of blocks; :func:`render` lays
them out as the text the outline reads and keeps every data table as a :class:`Grid`.

Layout rules (what the outline and ``extraction.tables`` expect):

* a paragraph is one line (a line break inside it starts a new line), without indentation;
* a data table is one line per cell, ``\\t`` + the cell's text, rows separated by a blank
  line; a slot covered by a cell merged down from the row above is a line holding only
  ``\\t`` (an empty label cell continues the one above); a slot covered by a cell merged
  from the left is not written (the merged cell is written once);
* a full-width row at the top of a table (its title, e.g. ``专栏1 …``) is written before
  it as a paragraph, a full-width row at the bottom (a ``注：`` note) after it;
* a layout table (one column, one row, a table nested in a cell, or a cell holding a
  page of text) is not data: its cells are written as paragraphs, in reading order;
* two blank lines follow a table, which closes the 专栏 box it stands in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import PlanError
from . import Extracted, Grid, GridCell

_NUMBERED = re.compile(r"^[ \t\u3000]*第[0-9〇零一二两三四五六七八九十百千]{1,6}(?:篇|章|节|部分)")
# Headings kept as printed even when synthesising numbers: they are not 篇/章/节.
_UNNUMBERED_KINDS = re.compile(r"^[ \t\u3000]*(?:前[ \t\u3000]*言|序[ \t\u3000]*言|目[ \t\u3000]*录|附[ \t\u3000]*件|专[ \t\u3000]*栏)")
_KIND_WORDS = {1: ("章",), 2: ("章", "节"), 3: ("篇", "章", "节")}
LONG_CELL = 400  # characters: a cell holding more is page layout, not a table cell
_MAX_SLOTS = 2_000_000  # cells x spans: beyond this a "table" is hostile input


@dataclass
class Para:
    text: str
    level: int | None = None  # heading level given by the document's markup (Word style, <hN>)


@dataclass
class Cell:
    blocks: list  # Para and Table, in reading order
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1

    @property
    def text(self) -> str:
        """The cell as one line: its paragraphs joined (no space between Chinese characters)."""
        return join_text(b.text for b in self.blocks if isinstance(b, Para))

    def nested(self) -> bool:
        return any(isinstance(b, Table) for b in self.blocks)


@dataclass
class Table:
    cells: list[Cell] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)


def place(rows: list[list[tuple[list, int, int]]]) -> Table:
    """Place cells given row by row as (blocks, rowspan, colspan), as HTML places them.

    Each cell takes the first column not already covered by a cell spanning down from
    an earlier row; rowspan 0 runs to the last row.
    """
    taken: set[tuple[int, int]] = set()
    table = Table()
    for r, row in enumerate(rows):
        c = 0
        for blocks, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            rowspan = len(rows) - r if rowspan <= 0 else min(rowspan, len(rows) - r)
            colspan = max(1, colspan)
            if len(taken) + rowspan * colspan > _MAX_SLOTS:
                raise PlanError("a table with more cells than any plan prints (hostile row or column spans)")
            taken.update((rr, cc) for rr in range(r, r + rowspan) for cc in range(c, c + colspan))
            table.cells.append(Cell(blocks, r, c, rowspan, colspan))
            c += colspan
    return table


def join_text(parts) -> str:
    """Join text pieces: nothing between two Chinese characters, one space otherwise."""
    out = ""
    for part in parts:
        part = clean(part)
        if not part:
            continue
        if out and not (_wide(out[-1]) and _wide(part[0])):
            out += " "
        out += part
    return out


def clean(text: str) -> str:
    """One line of text: tabs and line breaks as spaces, runs of spaces as one, no indentation."""
    return re.sub(r"[ \t\r\n\f\v\xa0]+", " ", text).strip(" \u3000")


def _wide(ch: str) -> bool:
    return ch >= "\u2e80"


def zh_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


class _HeadingNumbers:
    """Numbers for headings the document marks by style only (第N章 left to Word's list numbering).

    Used only when no heading in the document carries 第N篇/章/节 in its text: then the
    distinct heading levels, outermost first, are 篇/章/节 (three levels), 章/节 (two) or 章
    (one), and each heading is numbered among its siblings, as Word's multi-level lists
    restart a level after the level above it.
    """

    def __init__(self, blocks: list):
        heads = [b for b in _walk(blocks) if isinstance(b, Para) and b.level and b.text.strip()]
        numbered = any(_NUMBERED.match(b.text) for b in heads)
        levels = sorted({b.level for b in heads if not _UNNUMBERED_KINDS.match(b.text)})
        self.words = {} if numbered or not levels else dict(zip(levels, _KIND_WORDS[min(3, len(levels))]))
        self.counts: dict[int, int] = {}
        self.synthesised = 0

    def text(self, para: Para) -> str:
        word = self.words.get(para.level)
        if word is None or _UNNUMBERED_KINDS.match(para.text):
            return para.text
        for deeper in [lv for lv in self.counts if lv > para.level]:
            del self.counts[deeper]
        self.counts[para.level] = n = self.counts.get(para.level, 0) + 1
        self.synthesised += 1
        return f"第{zh_number(n)}{word} {clean(para.text)}"


def _walk(blocks):
    for b in blocks:
        yield b
        if isinstance(b, Table):
            for cell in b.cells:
                yield from _walk(cell.blocks)


class _Writer:
    def __init__(self):
        self.parts: list[str] = []
        self.pos = 0
        self.newlines = 0  # how many newlines the text ends with

    def write(self, s: str) -> None:
        if not s:
            return
        self.parts.append(s)
        self.pos += len(s)
        trailing = len(s) - len(s.rstrip("\n"))
        self.newlines = self.newlines + trailing if trailing == len(s) else trailing

    def line(self, text: str) -> None:
        self.write(text + "\n")

    def ensure_blank_lines(self, n: int) -> None:
        """End the text with at least ``n`` blank lines (none needed at its very start)."""
        if self.pos:
            self.write("\n" * max(0, n + 1 - self.newlines))


def render(blocks: list, fmt: str, *, encoding: str = "utf-8", number_headings: bool = False,
           notes: list[str] | None = None) -> Extracted:
    """Lay blocks out as plan text (see the module docstring); grids keep each data table's cells."""
    w = _Writer()
    grids: list[Grid] = []
    numbers = _HeadingNumbers(blocks) if number_headings else None

    def para(p: Para) -> None:
        text = numbers.text(p) if numbers is not None and p.level else p.text
        for piece in text.split("\n"):
            piece = clean(piece)
            if piece:
                w.line(piece)

    def flow(items: list) -> None:
        for b in items:
            if isinstance(b, Para):
                para(b)
            else:
                table(b)

    def table(t: Table) -> None:
        cells = sorted(t.cells, key=lambda c: (c.row, c.col))
        if not cells:
            return
        if t.n_cols <= 1 or t.n_rows <= 1 or any(c.nested() or len(c.text) > LONG_CELL for c in cells):
            for c in cells:  # page layout, not data
                flow(c.blocks)
            w.ensure_blank_lines(2)
            return
        head, body, foot = _edge_rows(cells, t.n_rows, t.n_cols)
        w.ensure_blank_lines(1)
        for c in head:
            flow(c.blocks)
        if body:
            w.ensure_blank_lines(1)
            grids.append(_grid(body, w, fmt))
        for c in foot:
            flow(c.blocks)
        w.ensure_blank_lines(2)

    flow(blocks)
    all_notes = list(notes or [])
    if numbers is not None and numbers.synthesised:
        all_notes.append(f"{numbers.synthesised} headings numbered from their Word heading style "
                         "(their text has no 第N篇/章/节)")
    return Extracted(text="".join(w.parts), format=fmt, encoding=encoding, grids=grids, notes=all_notes)


def _edge_rows(cells: list[Cell], n_rows: int, n_cols: int):
    """Split off full-width rows at the top (titles) and bottom (notes) of a table."""
    by_row: dict[int, list[Cell]] = {}
    for c in cells:
        by_row.setdefault(c.row, []).append(c)

    def full(r: int) -> bool:
        row = by_row.get(r, [])
        return len(row) == 1 and row[0].colspan >= n_cols and row[0].rowspan == 1

    top, bottom = 0, n_rows
    while top < bottom and full(top):
        top += 1
    while bottom > top and full(bottom - 1):
        bottom -= 1
    head = [by_row[r][0] for r in range(top)]
    foot = [by_row[r][0] for r in range(bottom, n_rows)]
    body = [Cell(c.blocks, c.row - top, c.col, c.rowspan, c.colspan) for c in cells if top <= c.row < bottom]
    return head, body, foot


def _grid(cells: list[Cell], w: _Writer, fmt: str) -> Grid:
    """Write a data table in the tab-per-line layout and keep its cells with their offsets."""
    owner: dict[tuple[int, int], Cell] = {}
    for c in cells:
        for r in range(c.row, c.row + c.rowspan):
            for col in range(c.col, c.col + c.colspan):
                owner[(r, col)] = c
    n_rows = max(c.row + c.rowspan for c in cells)
    n_cols = max(c.col + c.colspan for c in cells)
    grid = Grid(start=w.pos, end=w.pos, source=fmt)
    for r in range(n_rows):
        wrote = False
        for col in range(n_cols):
            c = owner.get((r, col))
            if c is None or c.col != col:
                continue  # a slot no cell covers, or one merged from the left
            w.write("\t")
            if c.row == r:
                text = c.text
                grid.cells.append(GridCell(text, c.row, c.col, c.rowspan, c.colspan, w.pos, w.pos + len(text)))
                w.line(text)
            else:
                w.line("")  # merged down from the row above
            wrote = True
        if wrote:
            grid.end = w.pos - 1
            w.write("\n")
    return grid
