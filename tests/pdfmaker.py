"""Make PDF files for the tests with reportlab: a plan's lines as printed pages, ruled tables, bad files.

The Chinese text uses reportlab's built-in Adobe CID font (STSong-Light), which needs no font file:
the PDF names the font and maps characters through the standard Adobe-GB1 encoding, as many
published PDFs do.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

FONT = "STSong-Light"
_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇]+[篇章节]")


def _reportlab():
    try:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    except ImportError:
        pytest.skip("reportlab is not installed (pip install -e '.[test]')")
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def styles():
    from reportlab.lib.styles import ParagraphStyle

    _reportlab()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    return {
        "body": body,
        "indented": ParagraphStyle("indented", parent=body, leftIndent=21),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=12, spaceAfter=0),
        # As government documents are set: paragraphs open two characters in, headings centred.
        "official": ParagraphStyle("official", parent=body, firstLineIndent=21, spaceAfter=0),
        "heading": ParagraphStyle("heading", parent=body, fontSize=14, leading=24, alignment=1),
    }


def page_footer(canvas, doc) -> None:
    """A running header and the page number, as printed plans carry them."""
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(doc.pagesize[0] / 2, 30, getattr(doc, "page_number_format", "- {} -").format(doc.page))
    canvas.drawString(doc.leftMargin, doc.pagesize[1] - 40, "国民经济和社会发展规划纲要")
    canvas.restoreState()


def plan_pdf(lines: list[str], path: Path, official: bool = False) -> Path:
    """A plan's text lines printed as paragraphs on A4 pages with a running header and page numbers.

    A tab-indented line (a table cell in the text) is printed as a short line of its own and an
    indented line as an indented paragraph; blank lines are the spacing between paragraphs.
    ``official``: set as government documents are, paragraphs indented two characters,
    篇/章/节 headings centred, page numbers "— 3 —".
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    st = styles()
    story = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("\t"):
            story.append(Paragraph(escape(line.strip()), st["cell"]))
        elif line[0] in " \u3000":
            story.append(Paragraph(escape(line.strip()), st["indented"]))
        elif official and _HEADING.match(line.strip("#* ")) and len(line) <= 40:
            story.append(Paragraph(escape(line.strip()), st["heading"]))
        else:
            story.append(Paragraph(escape(line.strip()), st["official" if official else "body"]))
    doc = SimpleDocTemplate(str(path), pagesize=A4)
    doc.page_number_format = "— {} —" if official else "- {} -"
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return path


def table_pdf(before: list[str], rows: list[list[str]], spans: list[tuple], after: list[str], path: Path,
              repeat_rows: int = 0) -> Path:
    """Paragraphs, a ruled table (``spans``: reportlab SPAN commands as ((col, row), (col, row))), paragraphs.

    A table longer than a page breaks over pages; ``repeat_rows`` header rows are repeated on each.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    st = styles()
    cells = [[Paragraph(escape(c), st["cell"]) if c else "" for c in row] for row in rows]
    style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    style += [("SPAN", a, b) for a, b in spans]
    story = [Paragraph(escape(t), st["body"]) for t in before]
    story.append(Table(cells, style=TableStyle(style), repeatRows=repeat_rows))
    story += [Paragraph(escape(t), st["body"]) for t in after]
    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return path


def image_only_pdf(path: Path) -> Path:
    """A 'scanned' page: an image and no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill="black")
    image.save(path, "PDF")
    return path


def items_pdf(items, path: Path, official: bool = False) -> Path:
    """A plan given as ("line", text) and ("table", cells) items (cells: objects with text, row, col,
    rowspan, colspan, as tests/test_readers.py draws the sample's tables) printed as a PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    st = styles()
    doc = SimpleDocTemplate(str(path), pagesize=A4)
    story = []
    for kind, value in items:
        if kind == "line":
            if value.strip():
                style = "body" if value[0] not in " \u3000" or value.startswith("\t") else "indented"
                story.append(Paragraph(escape(value.strip()), st[style]))
            continue
        n_rows = max(s.row + s.rowspan for s in value)
        n_cols = max(s.col + s.colspan for s in value)
        grid = [[""] * n_cols for _ in range(n_rows)]
        style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for s in value:
            grid[s.row][s.col] = Paragraph("<br/>".join(escape(t) for t in s.text.split("\n")), st["cell"])
            if s.rowspan > 1 or s.colspan > 1:
                style.append(("SPAN", (s.col, s.row), (s.col + s.colspan - 1, s.row + s.rowspan - 1)))
        story.append(Table(grid, colWidths=[doc.width / n_cols] * n_cols, style=TableStyle(style), repeatRows=0))
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return path
