"""Word and web-page readers: the sample rendered into .docx and .html as those tools make them, read back.

The fixtures are built here from the sample's text: its lines become paragraphs (headings
with heading styles or tags), and its two indicator tables, written in the text as one cell
per tab-indented line, become real tables with merged cells (a category cell merged down
its rows, 规划目标 spanning its two columns). Every indicator row is then checked against the
hand-checked rows of tests/test_indicators.py.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from plankg import sample_plan_path
from plankg.extraction import PlanError
from plankg.extraction.pipeline import process
from plankg.extraction.readers import sniff
from plankg.extraction.source import read_bytes, read_plan

from support import run_cli
from test_indicators import MAIN_TABLE, REVIEW_TABLE, text_of

HEADING = re.compile(r"^第[一二三四五六七八九十]+(篇|章|节)")
VALUE = re.compile(r"^(?:[\d〔—]|控制|不低于)")  # how the two tables print a value
ATTRIBUTES = ("约束性", "预期性")


# --- the sample taken apart, from its text ----------------------------------------------

def sample_items() -> list[tuple[str, object]]:
    """The sample as ("line", text) and ("table", rows of cell texts) items, in order.

    A table starts at its ``\\t指标`` header line; a cell is a tab-indented line, rows are
    separated by blank lines, and a line without a tab continues the cell before it.
    """
    lines = Path(sample_plan_path()).read_text(encoding="utf-8").split("\n")
    items, i = [], 0
    while i < len(lines):
        if lines[i] != "\t指标":
            items.append(("line", lines[i]))
            i += 1
            continue
        rows: list[list[str]] = [[]]
        while i < len(lines):
            line = lines[i]
            if HEADING.match(line) or line.startswith("\t注") or not line.startswith("\t") and len(line) > 12:
                break
            if line.startswith("\t"):
                rows[-1].append(line.strip())
            elif line.strip():
                cells = rows[-1] or rows[-2]
                cells[-1] += "\n" + line.strip()
            elif rows[-1]:
                rows.append([])
            i += 1
        items.append(("table", [r for r in rows if r]))
    return items


@dataclass
class Spec:
    """A merged cell of a fixture table."""
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


# Header shapes as the tables are drawn: (rowspan, colspan) of each non-empty header cell in order.
REVIEW_HEADER = [[(2, 2), (2, 1), (1, 2), (1, 2), (2, 1)], [(1, 1)] * 4]  # 指标 2010年 规划目标 实践执行情况 属性
MAIN_HEADER = [[(1, 3), (1, 1), (1, 1), (1, 1), (1, 1)]]  # 指标 2015年 2020年 年均增长 属性


def table_specs(rows: list[list[str]], header: list, labels: int, values: int, *, merge_attributes: bool,
                title: str | None = None, note: str | None = None, repeat_labels: bool = False) -> list[Spec]:
    """The cells of a table drawn from its text rows, merged as a Word or web author merges them.

    ``labels`` columns (category, [group,] name) come first, then ``values`` columns and the
    attribute. A category cell is merged down its rows; a group cell (城镇化率) down its
    sub-indicators, and a name without a group spans the group column. A row printing fewer
    values than there are columns spans its last value over the rest (控制在…指标内).
    Identical qualitative values are merged down, and with ``merge_attributes`` identical
    attributes too. With ``repeat_labels`` nothing is merged down: the category and the group
    are printed again on each of their rows, as a table exported from a spreadsheet has them.
    """
    width = labels + values + 1
    specs: list[Spec] = []
    r = 0
    if title:
        specs.append(Spec(title, 0, 0, colspan=width))
        r = 1
    header_texts = [c for row in rows[:len(header)] for c in row if c]
    shapes = [shape for row in header for shape in row]
    taken: set = set()
    for hr, row_shapes in enumerate(header):
        col = 0
        for rowspan, colspan in row_shapes:
            while (hr, col) in taken:
                col += 1
            specs.append(Spec(header_texts.pop(0), r + hr, col, rowspan, colspan))
            taken.update((hr + a, col + b) for a in range(rowspan) for b in range(colspan))
            col += colspan
    assert not header_texts and len(shapes) == len(specs) - bool(title)
    r += len(header)
    category = group = None
    pending = None
    above: dict[int, Spec] = {}
    for cells in rows[len(header):]:
        if cells[0] == "指标":
            continue  # the header repeated after a page break: drawn once
        vals = [c for c in cells if VALUE.match(c)]
        attr = cells[-1] if cells[-1] in ATTRIBUTES or (vals and not cells[-1]) else None
        lead = cells[:cells.index(vals[0])] if vals else cells
        if not vals and attr is None:
            pending = lead[0]  # a category printed on a row of its own
            continue
        name, lead = lead[-1], lead[:-1]
        cat_text, group_text = (pending, None) if pending else (None, None)
        if labels == 2:
            cat_text = cat_text or (lead[0] if lead and lead[0] else None)
        elif pending and len(lead) == 1:
            group_text = lead[0]
        elif len(lead) == 2:
            cat_text = cat_text or lead[0] or None
            group_text = lead[1]  # "" continues the group above
        pending = None
        if cat_text and (category is None or category.text != cat_text) or repeat_labels:
            category = Spec(cat_text or category.text, r, 0)
            specs.append(category)
        else:
            category.rowspan += 1
        name_col = labels - 1
        if labels == 3:
            if group_text:
                group = Spec(group_text, r, 1)
                specs.append(group)
            elif group_text == "" and group is not None:
                if repeat_labels:
                    group = Spec(group.text, r, 1)
                    specs.append(group)
                else:
                    group.rowspan += 1
            else:
                group, name_col = None, 1
        specs.append(Spec(name, r, name_col, colspan=labels - name_col))
        row_values = [(v, labels + j, 1 + (values - len(vals) if j == len(vals) - 1 else 0))
                      for j, v in enumerate(vals)] + [(attr or "", labels + values, 1)]
        for text, col, colspan in row_values:
            prev = above.get(col)
            mergeable = text and not re.search(r"\d", text) and (text not in ATTRIBUTES or merge_attributes) \
                and not repeat_labels
            if mergeable and prev and prev.text == text and prev.colspan == colspan and prev.row + prev.rowspan == r:
                prev.rowspan += 1
            else:
                above[col] = Spec(text, r, col, colspan=colspan)
                specs.append(above[col])
        r += 1
    if note:
        specs.append(Spec(note, r, 0, colspan=width))
    return specs


def ragged_document():
    """The sample's tables as a naive converter rebuilds them: one table row per text row, cells pushed
    left and padded with blank cells at the end, no merged cells."""
    out = []
    for kind, value in sample_items():
        if kind == "table":
            width = max(len(row) for row in value)
            value = [Spec(text, r, c) for r, row in enumerate(value) for c, text in enumerate(row + [""] * (width - len(row)))]
        out.append((kind, value))
    return out


def sample_document(merge_attributes: bool, titles_in_tables: bool, repeat_labels: bool = False):
    """The sample as ("line", text) and ("table", specs) items; box titles and notes inside tables or not."""
    items = sample_items()
    out: list = []
    shapes = iter([(REVIEW_HEADER, 2, 5), (MAIN_HEADER, 3, 3)])
    for n, (kind, value) in enumerate(items):
        if kind == "line":
            if out and out[-1][0] == "table" and titles_in_tables and value.startswith("\t注"):
                out[-1][1].append(Spec(value.strip(), max(s.row + s.rowspan for s in out[-1][1]), 0,
                                       colspan=max(s.col + s.colspan for s in out[-1][1])))
                continue
            out.append((kind, value))
            continue
        header, labels, values = next(shapes)
        title = None
        if titles_in_tables:  # the 专栏 heading drawn as the table's first, full-width row
            while not out[-1][1].strip():
                out.pop()
            title = out.pop()[1].strip()
        out.append(("table", table_specs(value, header, labels, values, merge_attributes=merge_attributes,
                                         title=title, repeat_labels=repeat_labels)))
    assert sum(1 for k, _ in out if k == "table") == 2
    return out


# --- writers: a Word document and a web page -------------------------------------------

STYLE = {"篇": "Heading 1", "章": "Heading 2", "节": "Heading 3"}


def to_docx(items) -> bytes:
    document = docx.Document()
    for kind, value in items:
        if kind == "line":
            text = value.strip()
            if text:
                m = HEADING.match(text)
                document.add_paragraph(text, style=STYLE[m.group(1)] if m else None)
            continue
        n_rows = max(s.row + s.rowspan for s in value)
        n_cols = max(s.col + s.colspan for s in value)
        table = document.add_table(rows=n_rows, cols=n_cols)
        grid = table._cells  # before merging: one per slot, row by row (table.cell() recomputes it each call)
        for s in value:
            cell = grid[s.row * n_cols + s.col]
            if s.rowspan > 1 or s.colspan > 1:
                cell = cell.merge(grid[(s.row + s.rowspan - 1) * n_cols + s.col + s.colspan - 1])
            first, *rest = s.text.split("\n")
            cell.text = first
            for line in rest:  # a cell printed over two lines: two paragraphs (年均 / 增长%)
                cell.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


CHROME_HEAD = """<header class="site-header"><div class="logo">某某市人民政府门户网站</div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li><li><a href="/fg">规划计划</a></li></ul></nav></header>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/fg">规划计划</a> &gt; 正文</div>
<div class="main"><div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2016-04-01　来源：发展和改革委员会</div>
<div class="content">
"""
CHROME_TAIL = """</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="prevnext"><a href="/p1">上一篇：关于做好春耕生产工作的通知</a> <a href="/p2">下一篇：政府工作报告</a></div>
</div>
<aside class="sidebar"><h3>相关链接</h3><ul><li><a href="/a">国家发展改革委</a></li><li><a href="/b">统计局</a></li></ul></aside>
</div>
<footer><p>版权所有：某某市人民政府办公室　地址：人民路1号　联系电话：0000-0000000</p></footer>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.content p {{ text-indent: 2em; }}</style>
"""
CHROME_WORDS = ("某某市人民政府门户网站", "政务公开", "当前位置", "分享到", "上一篇", "相关链接", "版权所有", "统计代码",
                "发布时间")
H_TAG = {"篇": "h2", "章": "h3", "节": "h4"}


def to_html(items, charset: str, title: str) -> str:
    parts = []
    for kind, value in items:
        if kind == "line":
            text = value.strip()
            if text:
                m = HEADING.match(text)
                tag = H_TAG[m.group(1)] if m else "p"
                parts.append(f"<{tag}>{escape(text)}</{tag}>")
            continue
        parts.append('<table border="1">')
        for r in range(max(s.row + s.rowspan for s in value)):
            cells = "".join(
                f'<td rowspan="{s.rowspan}" colspan="{s.colspan}">{"<br>".join(map(escape, s.text.split(chr(10))))}</td>'
                for s in sorted(value, key=lambda s: s.col) if s.row == r)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{escape(title)}</title></head><body>\n" + CHROME_HEAD.format(title=escape(title))
            + "\n".join(parts) + CHROME_TAIL + "</body></html>\n")


# --- the sample, read back ------------------------------------------------------------

def review_rows(table):
    return [(i.category, i.name, i.unit, i.attribute, *(text_of(i.value(r)) for r in
             ("baseline", "target", "growth", "actual", "actual_growth"))) for i in table.indicators]


def main_rows(table):
    return [(i.category, i.parent, i.name, i.unit, i.attribute,
             *(text_of(i.value(r)) for r in ("baseline", "target", "growth"))) for i in table.indicators]


def structure(doc):
    return [(n.kind, n.number, n.title) for n in doc.outline.walk() if n.kind in ("part", "chapter", "section")]


@pytest.fixture(scope="module")
def text_doc():
    return process(read_plan(sample_plan_path()))


@pytest.fixture(scope="module")
def title(text_doc):
    return text_doc.info.title


def fixtures(title):
    plain = sample_document(merge_attributes=False, titles_in_tables=False)
    merged = sample_document(merge_attributes=True, titles_in_tables=True)
    return {
        "docx": ("plan.docx", to_docx(plain)),
        "docx-titled": ("plan.docx", to_docx(merged)),
        "docx-repeated": ("plan.docx", to_docx(sample_document(False, False, repeat_labels=True))),
        "html-utf8": ("plan.html", to_html(plain, "utf-8", title).encode("utf-8")),
        "html-gb2312": ("plan.htm", to_html(merged, "gb2312", title).encode("gbk")),
        "html-ragged": ("plan.html", to_html(ragged_document(), "utf-8", title).encode("utf-8")),
    }


@pytest.fixture(scope="module")
def documents(title):
    return fixtures(title)


@pytest.fixture(scope="module", params=["docx", "docx-titled", "docx-repeated", "html-utf8", "html-gb2312",
                                                 "html-ragged"])
def rendered(request, documents):
    name, data = documents[request.param]
    return request.param, process(read_bytes(data, name))


def test_every_indicator_row_read_from_cells(rendered):
    variant, doc = rendered
    assert doc.source.format == variant.split("-")[0]
    review, main = doc.tables
    assert (review.read_from, main.read_from) == (doc.source.format,) * 2
    assert review_rows(review) == REVIEW_TABLE
    assert main_rows(main) == MAIN_TABLE
    assert review.problems == [] and main.problems == []
    assert [(c.year, c.role) for c in review.columns] == [
        (2010, "baseline"), (2015, "target"), (2015, "growth"), (2015, "actual"), (2015, "actual_growth")]
    assert [(c.label, c.role) for c in review.columns][1:3] == [("规划目标/2015年", "target"),
                                                                ("规划目标/年均增长%", "growth")]
    cats = [(c.name, c.declared_count, len(c.items)) for c in main.categories]
    assert cats == [("经济总量和经济增长", 9, 9), ("创新驱动", 3, 3), ("民生福祉", 9, 9), ("生态文明", 8, 8)]


def test_outline_and_title_as_in_the_text(rendered, text_doc):
    _, doc = rendered
    assert structure(doc) == structure(text_doc)
    assert doc.info.title == text_doc.info.title
    assert [b.title for b in doc.outline.find("box") if b.number in (1, 2)] == \
        [b.title for b in text_doc.outline.find("box") if b.number in (1, 2)]


def test_every_value_points_at_its_cell(rendered):
    _, doc = rendered
    for table in doc.tables:
        for ind in table.indicators:
            assert doc.locate(ind.name_start, ind.name_end)["text"].replace(" ", "").startswith(ind.name)
            for v in ind.values:
                assert doc.locate(v.start, v.end)["text"].strip() == v.quantity.text.strip()


def test_web_page_chrome_dropped_and_encoding_honoured(documents):
    for variant in ("html-utf8", "html-gb2312"):
        name, data = documents[variant]
        source = read_bytes(data, name)
        assert not [w for w in CHROME_WORDS if w in source.original], variant
        assert "第三篇 确保社会稳定和长治久安" in source.original
    assert source.encoding == "gb18030"
    assert source.notes == ("declared gb2312, decoded as gb18030 (its superset)",)


# --- merged cells on tiny tables -----------------------------------------------------------

def grid_of(extracted):
    (grid,) = extracted.grids
    return [(c.text, c.row, c.col, c.rowspan, c.colspan) for c in grid.cells]


def docx_bytes(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_merged_cells_expanded():
    from plankg.extraction.readers import docx as reader

    def build(d):
        t = d.add_table(rows=3, cols=3)
        t.cell(0, 0).merge(t.cell(1, 0)).text = "类别"  # vMerge restart / continue
        t.cell(0, 1).merge(t.cell(0, 2)).text = "规划目标"  # gridSpan 2
        t.cell(1, 1).text, t.cell(1, 2).text = "2020年", "增长"
        t.cell(2, 0).text, t.cell(2, 1).text, t.cell(2, 2).text = "甲", "1", "2"

    out = reader.read(docx_bytes(build), "t.docx")
    assert grid_of(out) == [("类别", 0, 0, 2, 1), ("规划目标", 0, 1, 1, 2), ("2020年", 1, 1, 1, 1),
                            ("增长", 1, 2, 1, 1), ("甲", 2, 0, 1, 1), ("1", 2, 1, 1, 1), ("2", 2, 2, 1, 1)]
    # The text layout: the merged-down slot is an empty cell line, the merged-across one is not written.
    assert out.text == "\t类别\n\t规划目标\n\n\t\n\t2020年\n\t增长\n\n\t甲\n\t1\n\t2\n\n\n"
    for cell in out.grids[0].cells:
        assert out.text[cell.start:cell.end] == cell.text


def test_html_rowspan_colspan_placed_as_browsers_do():
    from plankg.extraction.readers import html as reader

    page = ("<html><body><table><tr><td rowspan=2>A</td><td colspan=2>B</td></tr>"
            "<tr><td>C</td><td rowspan=0>D</td></tr><tr><td>E</td><td colspan=0>F</td></tr></table></body></html>")
    out = reader.read(page.encode(), "t.html")
    # C is pushed right of A's rowspan; D runs to the last row (rowspan 0); colspan 0 counts as 1.
    assert grid_of(out) == [("A", 0, 0, 2, 1), ("B", 0, 1, 1, 2), ("C", 1, 1, 1, 1), ("D", 1, 2, 2, 1),
                            ("E", 2, 0, 1, 1), ("F", 2, 1, 1, 1)]


def test_hostile_spans_refused_in_one_line():
    page = "<html><body><table>" + "<tr><td rowspan=65534 colspan=1000>x</td><td>1</td></tr>" * 300 + "</table></body></html>"
    with pytest.raises(PlanError, match="hostile row or column spans"):
        read_bytes(page.encode(), "t.html")


def test_docx_text_boxes_and_nested_tables_kept():
    from plankg.extraction.readers import docx as reader

    box = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wps:txbx><w:txbxContent><w:p><w:r><w:t>专栏1 重点工程</w:t></w:r></w:p></w:txbxContent></wps:txbx>'
        '</w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>专栏1 重点工程</w:t>'
        '</w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>')

    def build(d):
        d.add_paragraph("锚定段落。")._p.append(box)
        outer = d.add_table(rows=1, cols=2)
        outer.cell(0, 0).text = "左栏"
        inner = outer.cell(0, 1).add_table(rows=2, cols=2)
        for (r, c), text in {(0, 0): "指标", (0, 1): "2020年", (1, 0): "森林覆盖率（%）", (1, 1): "13"}.items():
            inner.cell(r, c).text = text

    out = reader.read(docx_bytes(build), "t.docx")
    # The text box once, after its anchor, closed by two blank lines like a box; the outer table is layout.
    assert out.text.startswith("锚定段落。\n专栏1 重点工程\n\n\n左栏\n")
    assert grid_of(out) == [("指标", 0, 0, 1, 1), ("2020年", 0, 1, 1, 1), ("森林覆盖率（%）", 1, 0, 1, 1),
                            ("13", 1, 1, 1, 1)]


def test_docx_headings_from_styles_without_numbers():
    from plankg.extraction.readers import docx as reader

    def build(d):
        d.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)  # as WPS names it
        d.add_paragraph("某市国民经济和社会发展第十四个五年规划纲要")
        for chapter in ("发展基础", "发展目标"):
            d.add_paragraph(chapter, style="标题 1")
            d.add_paragraph("加快发展", style="Heading 2")
            d.add_paragraph("正文。")
            d.add_paragraph("深化改革", style="Heading 2")
            d.add_paragraph("正文。")
        d.add_paragraph("附件1 重大项目", style="标题 1")

    source = read_bytes(docx_bytes(build), "t.docx")
    doc = process(source)
    assert structure(doc) == [("chapter", 1, "发展基础"), ("section", 1, "加快发展"), ("section", 2, "深化改革"),
                              ("chapter", 2, "发展目标"), ("section", 1, "加快发展"), ("section", 2, "深化改革")]
    assert source.notes == ("6 headings numbered from their Word heading style (their text has no 第N篇/章/节)",)
    assert [n.heading for n in doc.outline.find("annex")] == ["附件1 重大项目"]


def test_docx_numbered_headings_kept_as_printed():
    from plankg.extraction.readers import docx as reader

    def build(d):
        d.add_paragraph("第一章 发展基础", style="Heading 1")
        d.add_paragraph("前言", style="Heading 1")  # not numbered: the text carries the numbers
        d.add_paragraph("第一节 成就", style="Heading 2")

    out = reader.read(docx_bytes(build), "t.docx")
    assert out.text == "第一章 发展基础\n前言\n第一节 成就\n" and out.notes == []


@pytest.mark.parametrize("meta, encoding", [
    ('<meta charset="gbk">', "gb18030"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=GB2312">', "gb18030"),
    ("", "gb18030"),  # nothing declared, not UTF-8
    ('<meta charset="utf-8">', "utf-8"),
])
def test_declared_encodings(meta, encoding):
    text = "第一章 总则\n镕铖，森林覆盖率达到13%。"  # 镕 is in GBK, not in GB2312
    page = f"<html><head>{meta}</head><body><p>第一章 总则</p><p>镕铖，森林覆盖率达到13%。</p></body></html>"
    data = page.encode("utf-8" if encoding == "utf-8" else "gbk")
    source = read_bytes(data, "t.html")
    assert source.encoding == encoding and source.original == text + "\n"


def test_formats_sniffed_from_content():
    assert sniff(b"<!DOCTYPE html><html>", "plan.txt") == "html"
    assert sniff("\ufeff<html><body>".encode("utf-16-le"), "plan") == "html"
    assert sniff("第一章 总则\n正文。".encode("utf-8"), "plan.html") == "text"  # a text misnamed .html
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "plan.docx") == "doc"
    assert sniff(docx_bytes(lambda d: d.add_paragraph("x")), "plan.bin") == "docx"


# --- bad documents through the real command ---------------------------------------------

def bad_documents(title):
    good = docx_bytes(lambda d: d.add_paragraph("第一章 总则"))
    return [
        ("corrupt.docx", good[: len(good) // 2], "not a readable Word .docx document"),
        ("noise.docx", b"PK\x03\x04" + b"\x00\x13junk" * 50, "not a readable Word .docx document"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "legacy Word .doc file; convert it first"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le")
         + b"\x00" * 500, "an encrypted (password-protected) Office document"),
        ("news.html", ("<html><head><meta charset='gb2312'></head><body><nav>首页</nav><div class='content'>"
                       "<p>今天天气晴朗，市民出行踊跃。</p></div></body></html>").encode("gbk"),
         "no recognisable plan structure"),
        ("empty.html", b"<html><body><nav><a href='/'>home</a></nav></body></html>", "no text in the document"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_documents_one_line_exit_2(tmp_path, case, title):
    name, data, message = bad_documents(title)[case]
    path = tmp_path / name
    path.write_bytes(data)
    res = run_cli("outline", str(path))
    err = res.stderr.decode()
    assert res.returncode == 2 and res.stdout == b""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_outline_command_shows_the_reader(tmp_path, documents):
    name, data = documents["docx"]
    path = tmp_path / name
    path.write_bytes(data)
    res = run_cli("outline", str(path))
    assert res.returncode == 0, res.stderr.decode()
    lines = res.stdout.decode().splitlines()
    assert lines[2] == "read as docx · 2 of 2 tables from cells"
    text = run_cli("outline").stdout.decode().splitlines()
    assert text[2] == "read as text · 0 of 2 tables from cells"


def test_a_grid_cut_by_the_outline_is_still_read_whole():
    """A long cell ends the outline's table node (it reads as a paragraph); the grid is read whole."""
    long = "控制在国家和自治区下达的约束性指标以内，并确保全面完成国家下达的节能减排目标任务，不突破总量控制要求"
    rows = [["指标", "2015年", "2020年", "属性"], ["全市生产总值（亿元）", "900", "1200", "预期性"],
            ["单位生产总值能耗降低（%）", "〔14〕", long, "约束性"], ["森林覆盖率（%）", "38", "40", "约束性"]]
    table = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    page = f"<html><body><p>第一章 发展目标</p><p>专栏1 主要指标</p><table>{table}</table><p>第二章 其他</p></body></html>"
    doc = process(read_bytes(page.encode(), "t.html"))
    assert len(doc.outline.find("table")) == 2  # the outline cut it at the long cell
    (table,) = doc.tables
    assert [(i.name, text_of(i.value("baseline")), text_of(i.value("target")), i.attribute)
            for i in table.indicators] == [("全市生产总值", "900", "1200", "expected"),
                                           ("单位生产总值能耗降低", "〔14〕", long, "binding"),
                                           ("森林覆盖率", "38", "40", "binding")]
    assert table.read_from == "html" and table.problems == []


def test_docx_numbers_from_word_list_numbering():
    """第一章 printed by Word's multi-level list (numbering.xml), not in the paragraphs' text."""
    from plankg.extraction.readers import docx as reader

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def lvl(ilvl, fmt, text, start=1):
        return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/><w:suff w:val="space"/></w:lvl>')

    def build(d):
        numbering = d.part.numbering_part.element
        numbering.append(parse_xml(f'<w:abstractNum {w} w:abstractNumId="7">{lvl(0, "chineseCounting", "第%1章")}'
                                   f'{lvl(1, "chineseCounting", "第%2节")}</w:abstractNum>'))
        numbering.append(parse_xml(f'<w:abstractNum {w} w:abstractNumId="8">{lvl(0, "decimal", "%1.", 3)}'
                                   '</w:abstractNum>'))
        numbering.append(parse_xml(f'<w:num {w} w:numId="7"><w:abstractNumId w:val="7"/></w:num>'))
        numbering.append(parse_xml(f'<w:num {w} w:numId="8"><w:abstractNumId w:val="8"/></w:num>'))

        def numbered(text, num_id, ilvl, style=None):
            p = d.add_paragraph(text, style=style)
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {w}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))

        for chapter in ("发展基础", "发展目标"):
            numbered(chapter, 7, 0, "Heading 1")
            numbered("主要成就", 7, 1, "Heading 2")
            numbered("面临形势", 7, 1, "Heading 2")
        numbered("项目甲", 8, 0)  # a decimal list starting at 3
        numbered("项目乙", 8, 0)

    out = reader.read(docx_bytes(build), "t.docx")
    assert out.text.split("\n") == ["第一章 发展基础", "第一节 主要成就", "第二节 面临形势", "第二章 发展目标",
                                    "第一节 主要成就", "第二节 面临形势", "3. 项目甲", "4. 项目乙", ""]
    assert out.notes == []


# --- a real plan, as a Word document and a web page ------------------------------------------

def markdown_lines(path: Path) -> list[tuple[int | None, str]]:
    """(heading level, text) of each line of a Markdown plan, its markup taken off."""
    out, front = [], False
    for i, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if i == 0 and line.strip() == "---" or front and re.fullmatch(r"-{3,}", line.strip()):
            front = not front
            continue
        if front or re.match(r"\s*</?(details|summary)|\s*<!--", line):
            continue
        m = re.match(r"\s*(#{1,6})\s*", line)
        text = re.sub(r"^\s*(?:#{1,6}|[-*>])\s*|\*\*", "", line).strip()
        if text:
            out.append((len(m.group(1)) - 1 if m else None, text))
    return out


def test_a_real_plan_as_word_and_web_page():
    from plankg.extraction import build_document
    from support import shared_plan

    path = shared_plan("national-14th.md")
    lines = markdown_lines(path)
    document = docx.Document()
    for level, text in lines:
        document.add_paragraph(text, style=f"Heading {level}" if level else None)
    out = io.BytesIO()
    document.save(out)
    body = "\n".join(f"<h{level + 1}>{escape(t)}</h{level + 1}>" if level else f"<p>{escape(t)}</p>"
                     for level, t in lines)
    page = ("<html><head><meta charset='gb2312'></head><body>" + CHROME_HEAD.format(title=escape(lines[0][1]))
            + body + CHROME_TAIL + "</body></html>")
    expected = build_document(read_plan(path))
    for name, data in (("n14.docx", out.getvalue()), ("n14.html", page.encode("gb18030"))):
        doc = build_document(read_bytes(data, name))
        assert structure(doc) == structure(expected), name
        assert (doc.info.title, doc.info.start_year, doc.info.end_year) == ("中华人民共和国国民经济和社会发展第十四个五年规划和2035年远景目标纲要", 2021, 2025)
        assert len(doc.outline.find("chapter")) == 65 and len(doc.outline.find("part")) == 19


def test_documents_made_by_libreoffice(tmp_path, documents):
    """The Word fixture saved again by LibreOffice as .docx and exported as .html: its own merges and markup."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    (tmp_path / "plan.docx").write_bytes(documents["docx-titled"][1])
    for target in ("html", "odt"):
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", target, "--outdir", str(tmp_path / "out"), str(tmp_path / "plan.docx")],
                       check=True, capture_output=True, timeout=300)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "again"), str(tmp_path / "out" / "plan.odt")],
                   check=True, capture_output=True, timeout=300)

    def squashed(doc):  # LibreOffice's HTML breaks lines at spaces, which HTML drops between Chinese characters
        return [(kind, number, title.replace(" ", "")) for kind, number, title in structure(doc)]

    expected = squashed(process(read_plan(sample_plan_path())))
    for path in (tmp_path / "out" / "plan.html", tmp_path / "again" / "plan.docx"):
        doc = process(read_bytes(path.read_bytes(), path.name))
        review, main = doc.tables
        assert review_rows(review) == REVIEW_TABLE and main_rows(main) == MAIN_TABLE, path.name
        assert (review.read_from, main.read_from) == (doc.source.format,) * 2
        assert squashed(doc) == expected
