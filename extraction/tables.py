"""Indicator tables (主要指标), read from the document's own cells or from their text layout.

Cells come from one of two sources, and both meet in the same row reader:

* a reader's :class:`~.readers.Grid` (Word, web page, PDF): rows and columns with their
  spans. A cell merged down over several rows is, in the rows below its first, an empty
  label cell (which continues the label above, as in the text layout) or, for a value or
  an attribute (约束性), the same value again. Columns are known by position, so a header
  cell spanning columns (规划目标 over 2015年 and 年均增长) heads exactly those columns;
* the tab-per-line text layout conversion leaves: one cell per tab-indented line, a row is
  the run of lines between blank lines; a line without a leading tab continues the cell
  above it (``年均`` / ``增长%``), and a row of such lines only (``文明``, ``（8项）``)
  continues the last cell of the row before.

The header rows say what each value column holds (a year, a growth rate, a planned or an
actual value); the data rows are read against them, so no column position is assumed for
any table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Document, Node
from .quantity import Quantity, QuantityError, parse_quantity

ATTRIBUTES = {"约束性": "binding", "预期性": "expected"}
_LABEL_HEADERS = re.compile(r"^(?:主要)?指标(?:名称)?$|^项目$|^类别$|^序号$")
_ATTRIBUTE_HEADER = re.compile(r"^(?:指标)?属性$|^性质$")
_YEAR = re.compile(r"((?:19|20)\d\d)年?")
_GROWTH = re.compile(r"年均|增长|增速|增幅")
_PLANNED = re.compile(r"规划|目标|计划")
_ACTUAL = re.compile(r"实际|实践|执行|完成|实现")
_COUNT = re.compile(r"[（(]\s*(\d+)\s*项\s*[)）]")
_UNIT_IN_NAME = re.compile(r"[（(]\s*([^（）()\d]{1,8}?)\s*[)）]\s*$")
_NOTE = re.compile(r"^(?:注|说明|备注|资料来源)[:：]")


@dataclass
class Column:
    label: str  # the header path: "规划目标/2015年"
    year: int | None
    role: str  # baseline, target, growth, actual, actual_growth, value
    col: int | None = None  # its first grid column, where the table was read from cells
    span: int = 1


@dataclass
class Cell:
    text: str
    start: int
    end: int
    col: int | None = None  # grid column, where the table was read from cells
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Value:
    column: Column
    quantity: Quantity
    start: int
    end: int


@dataclass
class Indicator:
    name: str
    unit: str | None
    parent: str | None  # the group row (城镇化率) a sub-indicator sits under
    category: str | None  # 经济总量和经济增长
    attribute: str | None  # binding, expected, or None where the table leaves it blank
    attribute_text: str
    values: list[Value]
    table: str  # key of the table node
    row: int  # 1-based position among the table's indicators
    start: int
    end: int
    name_start: int = 0
    name_end: int = 0
    mentions: list = field(default_factory=list)  # narrative targets restating it

    def value(self, role: str) -> Value | None:
        return next((v for v in self.values if v.column.role == role), None)

    @property
    def label(self) -> str:
        """The name a reader knows it by: a sub-indicator with its group (城镇化率: 户籍人口城镇化率)."""
        return self.name if not self.parent else f"{self.parent}：{self.name}"


@dataclass
class Category:
    name: str
    declared_count: int | None
    items: list[str]  # top-level items: indicators, or groups counted once
    start: int
    end: int


@dataclass
class IndicatorTable:
    key: str
    title: str
    columns: list[Column]
    indicators: list[Indicator]
    categories: list[Category]
    kind: str  # "plan" (baseline, target) or "review" (previous plan: planned vs actual)
    start: int
    end: int
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rows that could not be read
    read_from: str = "text"  # the cells' source: "text" (tab-per-line layout) or a reader's grid ("docx", …)


def extract_indicators(doc: Document) -> None:
    """Pipeline component: read every table of the outline into ``doc.tables``."""
    doc.tables = []
    grids = grid_tables(doc)
    for box in doc.outline.find("box"):
        for table in (c for c in box.children if c.kind == "table"):
            parsed = parse_table(doc, table, box, grids.get(id(table)))
            if parsed is not None and parsed.indicators:
                doc.tables.append(parsed)
    info = doc.info
    if info.end_year is None:
        # A plan whose title gives no period: its main table's baseline and target years do.
        for table in doc.tables:
            years = {c.role: c.year for c in table.columns if c.year}
            if table.kind == "plan" and "target" in years and "baseline" in years:
                info.start_year, info.end_year = years["baseline"] + 1, years["target"]
                break


def parse_table(doc: Document, table: Node, box: Node, grids: list | None = None) -> IndicatorTable | None:
    """Read one table node; ``grids``: the reader grids it reads (see :func:`grid_tables`), or None for its text."""
    if grids == []:
        return None  # its lines belong to a grid read with an earlier table node
    rows = [row for g in grids for row in _grid_rows(doc, g)] if grids else _rows(doc.text, table)
    header_rows = []
    while rows and _is_header(rows[0]):
        header_rows.append(rows.pop(0))
    if not header_rows:
        return None
    columns = _columns(header_rows, doc)
    out = IndicatorTable(key=table.key, title=box.title, columns=columns, indicators=[], categories=[],
                         kind="review" if any(c.role.startswith("actual") for c in columns) else "plan",
                         start=table.start, end=table.end, read_from=grids[0].source if grids else "text")
    if grids:  # the grid may run on past the node, where the outline cut it
        out.end = max(out.end, max(doc.source.from_original(g.start, g.end)[1] for g in grids))
    _read_rows(doc, rows, out)
    return out


# --- rows and cells ------------------------------------------------------------------

def grid_tables(doc: Document) -> dict[int, list]:
    """The reader grids each table node reads, by ``id`` of the node.

    A grid goes to the first table node it overlaps, which reads the whole grid even where
    the outline cut it (a long cell ends a table node); the later nodes it overlaps get an
    empty list, as their lines are that grid's cells. Nodes that overlap no grid are absent:
    their lines are read as text.
    """
    nodes = sorted(doc.outline.find("table"), key=lambda n: n.start)
    out: dict[int, list] = {}
    for grid in doc.source.grids:
        if not grid.cells:
            continue
        start, end = doc.source.from_original(grid.start, grid.end)
        for i, node in enumerate(n for n in nodes if n.start < end and start < n.end):
            out.setdefault(id(node), [])
            if i == 0:
                out[id(node)].append(grid)
    return out


def cell_tables(doc: Document) -> int:
    """How many table nodes of the outline are read from a reader's cells."""
    return sum(1 for grids in grid_tables(doc).values() if grids)


def _grid_rows(doc: Document, grid) -> list[list[Cell]]:
    """Rows of a reader's grid, one Cell per cell; a cell merged down repeats in the rows below."""
    owner = {}
    for g in grid.cells:
        for r in range(g.row, g.row + g.rowspan):
            for c in range(g.col, g.col + g.colspan):
                owner[(r, c)] = g
    n_rows = max(g.row + g.rowspan for g in grid.cells)
    n_cols = max(g.col + g.colspan for g in grid.cells)
    rows = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            g = owner.get((r, c))
            if g is None or g.col != c:
                continue
            start, end = doc.source.from_original(g.start, g.end)
            text = _squash(doc.text[start:end])
            if g.row != r and not (text in ATTRIBUTES or _is_value(text)):
                text, end = "", start  # a label merged down: continues the label above
            row.append(Cell(text, start, end, col=c, colspan=g.colspan, rowspan=g.rowspan))
        if row:
            rows.append(row)
    return rows


def _rows(text: str, table: Node) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[]]
    pos = table.start
    for raw in text[table.start:table.end].split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        if raw.startswith("\t"):
            content = raw.strip()
            offset = start + raw.index(content) if content else start + 1
            rows[-1].append(Cell(_squash(content), offset, offset + len(content)))
        elif raw.strip():
            fragment = raw.strip()
            target = rows[-1] or next((r for r in reversed(rows) if r), None)
            if target:  # continues the cell above, possibly across blank lines
                cell = target[-1]
                cell.text = _squash(cell.text + fragment)
                cell.end = start + raw.index(fragment) + len(fragment)
            else:
                rows[-1].append(Cell(_squash(fragment), start, end))
        elif rows[-1]:
            rows.append([])
    return [r for r in rows if r]


def _squash(text: str) -> str:
    """Cells are short labels and numbers: spaces inside them are conversion debris."""
    return re.sub(r"[\s\u3000]+", "", text)


def _is_header(row: list[Cell]) -> bool:
    texts = [c.text for c in row if c.text]
    if not texts:
        return False
    labelled = any(_LABEL_HEADERS.match(t) or _ATTRIBUTE_HEADER.match(t) for t in texts)
    years = sum(1 for t in texts if _YEAR.fullmatch(t))
    return labelled or years >= 1 and all(_is_header_word(t) for t in texts)


def _is_header_word(text: str) -> bool:
    return bool(_YEAR.fullmatch(text) or _GROWTH.search(text) or _PLANNED.search(text)
                or _ACTUAL.search(text) or _LABEL_HEADERS.match(text) or _ATTRIBUTE_HEADER.match(text))


# --- columns --------------------------------------------------------------------------

def _columns(header_rows: list[list[Cell]], doc: Document) -> list[Column]:
    """Leaf value columns from one or two header rows.

    In a two-row header, a top cell that is neither a year nor a growth rate
    (规划目标, 实践执行情况) spans the cells below it, shared out evenly. A header read
    from a grid with merged cells says which columns each cell spans, so nothing is shared
    out; a grid header of two rows without merged cells says nothing more than its text.
    """
    cells = [c for row in header_rows for c in row]
    if all(c.col is not None for c in cells) and (
            len(header_rows) == 1 or any(c.colspan > 1 or c.rowspan > 1 for c in cells)):
        return _grid_columns(header_rows, doc)
    def values_of(row):
        return [c.text for c in row if c.text and not _LABEL_HEADERS.match(c.text)
                and not _ATTRIBUTE_HEADER.match(c.text)]

    top = values_of(header_rows[0])
    below = [t for r in header_rows[1:] for t in values_of(r)]
    leaves: list[tuple[str, str]] = []  # (group, leaf)
    groups = [t for t in top if not (_YEAR.fullmatch(t) or _GROWTH.search(t))]
    if below and groups and len(below) % len(groups) == 0:
        per = len(below) // len(groups)
        it = iter(below)
        for t in top:
            if t in groups:
                leaves.extend((t, next(it)) for _ in range(per))
            else:
                leaves.append(("", t))
    else:
        leaves = [("", t) for t in top + below]
    return _roles(leaves, doc)


def _grid_columns(header_rows: list[list[Cell]], doc: Document) -> list[Column]:
    """Value columns by position: each grid column is headed by the path of header cells above it."""
    paths: dict[int, list[Cell]] = {}
    for row in header_rows:
        for cell in row:
            for c in range(cell.col, cell.col + cell.colspan):
                path = paths.setdefault(c, [])
                if cell.text and all(p.start != cell.start for p in path):  # a cell merged down counts once
                    path.append(cell)
    leaves: list[tuple[str, str]] = []
    places: list[list[int]] = []  # [first column, span] of each leaf
    for c in sorted(paths):
        path = paths[c]
        if not path or any(_LABEL_HEADERS.match(p.text) or _ATTRIBUTE_HEADER.match(p.text) for p in path):
            continue  # a label or attribute column, or one without a header
        if places and places[-1][0] + places[-1][1] == c and paths[places[-1][0]][-1].start == path[-1].start:
            places[-1][1] += 1  # the same leaf cell spans this column too
            continue
        leaves.append(("/".join(p.text for p in path[:-1]), path[-1].text))
        places.append([c, 1])
    columns = _roles(leaves, doc)
    for column, (col, span) in zip(columns, places):
        column.col, column.span = col, span
    return columns


def _roles(leaves: list[tuple[str, str]], doc: Document) -> list[Column]:
    def year_of(text):
        m = _YEAR.search(text)
        return int(m.group(1)) if m and not _GROWTH.search(text) else None

    years = [y for _, t in leaves if (y := year_of(t)) is not None]
    first, last = (min(years), max(years)) if years else (None, None)
    columns = []
    for group, leaf in leaves:
        label = f"{group}/{leaf}" if group else leaf
        if _GROWTH.search(leaf):
            # A growth rate runs to the latest year of its group (规划目标/2015年), or of the table.
            in_group = [y for g, t in leaves if g == group and (y := year_of(t)) is not None]
            role = "actual_growth" if _ACTUAL.search(group) else "growth"
            columns.append(Column(label, max(in_group or years or [None]), role))
            continue
        year = year_of(leaf)
        if _ACTUAL.search(group) or _ACTUAL.search(leaf):
            role = "actual"
        elif _PLANNED.search(group) or _PLANNED.search(leaf):
            role = "target"
        elif year is not None and year == first and first != last:
            role = "baseline"
        elif year is not None and year == last:
            role = "target"
        else:
            role = "value"
        columns.append(Column(label, year, role))
    return columns


# --- data rows -------------------------------------------------------------------------

def _is_value(text: str) -> bool:
    if not text:
        return False
    try:
        parse_quantity(text, allow_qualitative=True)
        return True
    except QuantityError:
        return False


@dataclass
class _Row:
    labels: list[Cell]  # leading cells that are not values: category, group, name
    cells: list[Cell]  # value cells, in column order
    attribute: Cell | None
    texts: list[str]
    by_position: bool = False  # its cells stand in the grid columns the header gives (values matched by column)

    @property
    def labels_only(self) -> bool:
        """A row of labels only (a category such as 经济总量和经济增长（9项）), its other cells blank."""
        return not any(c.text for c in self.cells) and (self.attribute is None or not self.attribute.text)


def _split_row(row: list[Cell], first_value_col: int | None) -> _Row:
    """Labels first, then values; the attribute cell wherever the table puts it.

    The attribute is the cell that says 约束性 or 预期性, or an empty last cell (left blank).
    Labels end at the first value. Where the row's cells stand in the grid columns the
    header gives (labels left of the first value column, values under value columns), the
    labels end at the first value column instead, so an empty value cell is not taken for
    a label, and values are matched to columns by position. A grid whose rows are ragged
    (cells pushed left, as a table rebuilt from text rows has them) is read in order, like text.
    """
    texts = [c.text for c in row]
    attribute = next((c for c in row if c.text in ATTRIBUTES), None)
    if attribute is None and not texts[-1] and len(texts) > 1:
        attribute = row[-1]
    rest = [c for c in row if c is not attribute]
    n_labels = next((i for i, c in enumerate(rest) if _is_value(c.text)), len(rest))
    if first_value_col is not None and all(c.col is not None for c in rest) \
            and all(c.col < first_value_col for c in rest[:n_labels] if c.text) \
            and all(c.col >= first_value_col for c in rest[n_labels:]):
        n_labels = sum(1 for c in rest if c.col < first_value_col)
        return _Row(rest[:n_labels], rest[n_labels:], attribute, texts, by_position=True)
    return _Row(rest[:n_labels], rest[n_labels:], attribute, texts)


def _pair(columns: list[Column], row: _Row) -> list[tuple[Column | None, Cell]]:
    """Value cells with their columns: by position where the row stands in the header's columns, else in order."""
    if not row.by_position:
        return list(zip(columns, row.cells))
    return [(next((k for k in columns if cell.col <= k.col < cell.col + cell.colspan), None), cell)
            for cell in row.cells]


def _read_rows(doc: Document, raw_rows: list[list[Cell]], out: IndicatorTable) -> None:
    rows = []
    first_value_col = min((c.col for c in out.columns if c.col is not None), default=None)
    for raw in raw_rows:
        if _is_header(raw):
            continue  # a header repeated after a page break
        if _NOTE.match(raw[0].text):
            out.notes.append(" ".join(c.text for c in raw))
            continue
        rows.append(_split_row(raw, first_value_col))
    data = [r for r in rows if not r.labels_only]
    # How many label columns the table has: category, [group,] name.
    width = max((len(r.labels) for r in data), default=1)
    category: Category | None = None
    group: str | None = None
    group_unit: str | None = None
    for i, r in enumerate(rows):
        if r.labels_only:  # a category such as 经济总量和经济增长（9项）
            name = next((c for c in r.labels if c.text), None)
            if name is not None:
                category, group = _enter_category(out, category, name), None
            continue
        if not r.labels:
            out.problems.append(f"row without a name: {' | '.join(r.texts)}")
            continue
        name_cell, lead = r.labels[-1], r.labels[:-1]
        if len(lead) == 1 and width >= 3 and lead[0].text and _opens_group(rows, i):
            lead = [Cell("", lead[0].start, lead[0].start), lead[0]]  # 城乡住房: a group, not a category
        if lead and lead[0].text:
            entered = _enter_category(out, category, lead[0])
            if entered is not category:
                category, group = entered, None
        if len(lead) >= 2 and lead[1].text:
            repeated = group == _split_unit(lead[1].text)[0]  # a group printed again on each of its rows
            group, group_unit = _split_unit(lead[1].text)
            if category is not None and not repeated:
                category.items.append(lead[1].text)
        elif len(lead) < 2:
            group = None
        name, unit = _split_unit(name_cell.text)
        if group is None and category is not None:
            category.items.append(name_cell.text)
        values = []
        for column, cell in _pair(out.columns, r):
            if not cell.text:
                continue
            if column is None:
                out.problems.append(f"{name}: {cell.text!r} stands under no value column")
                continue
            try:
                q = parse_quantity(cell.text, allow_qualitative=True)
            except QuantityError:  # a label or attribute cell out of place: say so, keep the row
                out.problems.append(f"{name}: {cell.text!r} under {column.label} is not a value")
                continue
            values.append(Value(column, q.at(column.year), cell.start, cell.end))
        filled = len(r.cells) - next((i for i, c in enumerate(reversed(r.cells)) if c.text), len(r.cells))
        if filled > len(out.columns) and not r.by_position:  # (blank cells padding a row out are not values)
            out.problems.append(f"{name}: {filled} values for {len(out.columns)} columns")
        attribute_text = r.attribute.text if r.attribute is not None else ""
        first = r.labels[0] if r.labels[0].text else name_cell
        out.indicators.append(Indicator(
            name=name, unit=unit or (group_unit if group else None), parent=group,
            category=category.name if category else None,
            attribute=ATTRIBUTES.get(attribute_text), attribute_text=attribute_text,
            values=values, table=out.key, row=len(out.indicators) + 1,
            start=first.start, end=max(c.end for c in r.labels + r.cells + [r.attribute] if c is not None),
            name_start=name_cell.start, name_end=name_cell.end,
        ))


def _opens_group(rows: list[_Row], i: int) -> bool:
    """Whether the next row continues a group (its category and group cells both empty)."""
    nxt = rows[i + 1] if i + 1 < len(rows) else None
    return nxt is not None and len(nxt.labels) >= 3 and not nxt.labels[0].text and not nxt.labels[1].text


def _enter_category(out: IndicatorTable, current: Category | None, cell: Cell) -> Category:
    """The category a cell names; the same as the current one when a page break repeats it."""
    m = _COUNT.search(cell.text)
    name = _COUNT.sub("", cell.text).strip()
    if current is not None and current.name == name:
        return current
    category = Category(name=name, declared_count=int(m.group(1)) if m else None, items=[],
                        start=cell.start, end=cell.end)
    out.categories.append(category)
    return category


def _split_unit(name: str) -> tuple[str, str | None]:
    """``全区生产总值（亿元）`` -> (``全区生产总值``, ``亿元``); no unit where none is printed."""
    m = _UNIT_IN_NAME.search(name)
    if not m:
        return name, None
    return name[:m.start()].strip(), m.group(1).strip()
