"""Reading PDF files directly: a published plan, the sample printed to PDF, ruled tables, bad files."""

import shutil
import subprocess

import pytest

from plankg import sample_plan_path
from plankg.extraction import build_document, read_plan
from plankg.extraction.pipeline import process
from plankg.extraction.serialize import outline_counts

from pdfmaker import image_only_pdf, plan_pdf, table_pdf
from support import run_cli, shared_plan


@pytest.fixture(scope="module")
def yunnan_pdf():
    return read_plan(shared_plan("yunnan-10th.pdf"))


def test_published_plan_reads_to_the_same_outline(yunnan_pdf):
    assert yunnan_pdf.format == "pdf" and len(yunnan_pdf.pages) == 28
    doc = build_document(yunnan_pdf)
    counts = outline_counts(doc)
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (8, 26, 77)
    assert counts["boxes"] == 0 and len(doc.outline.find("contents")) == 1
    chapters = {c.number: c for c in doc.outline.find("chapter")}
    assert chapters[25].title == "改善宏观经济管理"
    # 第二十五章 opens page 27 of the PDF and 第一章 stands on page 3 (read off the pages by hand).
    assert doc.locate(chapters[25].start, chapters[25].end)["page"] == 27
    assert doc.locate(chapters[1].start, chapters[1].start + 1)["page"] == 3
    # A paragraph broken over pages 2 and 3 (…少数干 / 部铺张浪费…) is whole.
    assert "少数干部铺张浪费" in doc.source.text


def test_published_plan_gives_the_narrative_targets_of_its_text_version(yunnan_pdf):
    def targets(doc):
        # Compared by subject, kind, printed value (spaces aside: OCR spaces "160 ～ 300") and year.
        return sorted((t.subject, t.kind, "".join(t.quantity.text.split()), t.year) for t in doc.targets)

    from_pdf = process(yunnan_pdf)
    from_text = process(read_plan(shared_plan("yunnan-10th.txt")))
    assert len(from_pdf.targets) >= 30
    mine, theirs = set(targets(from_pdf)), set(targets(from_text))
    assert mine <= theirs
    # The PDF prints two numbers with a space inside (有效灌溉面积达到2 300万亩, 高速公路13 00公里, read off the
    # PDF's text by hand), which the narrative reader refuses rather than guess; the text version prints them whole.
    assert {(s, v) for s, _, v, _ in theirs - mine} == {("有效灌溉面积", "2300万亩"), ("高速公路", "1300公里")}
    assert "2 300万亩" in from_pdf.source.text
    # Provenance names the page: the 12% high-tech share is on page 4.
    hightech = next(t for t in from_pdf.targets if t.subject.startswith("高新技术产业"))
    assert from_pdf.locate(hightech.start, hightech.end)["page"] == 4


def test_text_sources_have_no_page_in_provenance():
    doc = build_document(read_plan(sample_plan_path()))
    assert "page" not in doc.locate(0, 10)


# --- the sample printed as a PDF -----------------------------------------------------------

@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    text = open(sample_plan_path(), encoding="utf-8").read()
    return plan_pdf(text.split("\n"), tmp_path_factory.mktemp("pdf") / "sample.pdf")


def test_sample_printed_to_pdf_reads_to_the_sample_outline(sample_pdf):
    doc = build_document(read_plan(sample_pdf))
    counts = outline_counts(doc)
    # The counts of tests/test_outline.py: the indented blocks under paragraphs are boxes again.
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (11, 59, 28)
    assert (counts["annexes"], counts["annex_chapters"]) == (2, 10)
    assert (counts["boxes"], counts["unlabelled_boxes"]) == (19, 13)
    reference = build_document(read_plan(sample_plan_path()))
    assert [(b.key, b.labelled) for b in doc.outline.find("box")] == \
        [(b.key, b.labelled) for b in reference.outline.find("box")]
    # The running header and page numbers printed on every page are gone.
    assert "国民经济和社会发展规划纲要\n" not in doc.source.text
    assert not [ln for ln in doc.source.text.split("\n") if ln.startswith("- ") and ln.endswith(" -")]


# --- ruled tables ----------------------------------------------------------------------------

INTRO = ["第一章 主要目标", "到2020年，全区经济社会发展的主要指标如下。"]
ROWS = [
    ["专栏1 主要指标", "", "", "", "", ""],  # the title, a full-width row as Word makes it
    ["指标", "", "2015年", "2020年", "年均增长（%）", "属性"],
    ["经济总量", "全区生产总值（亿元）", "494.1", "770", "9左右", "预期性"],
    ["", "全社会固定资产投资（亿元）", "329.6", "662", "15", "预期性"],
    ["民生福祉", "城镇登记失业率（%）", "1.3", "4以内", "—", "约束性"],
]
# 指标 spans the category and name columns; each category spans its rows, as Word merges them.
SPANS = [((0, 0), (5, 0)), ((0, 1), (1, 1)), ((0, 2), (0, 3))]


@pytest.fixture(scope="module")
def table_doc(tmp_path_factory):
    path = table_pdf(INTRO, ROWS, SPANS, ["第二章 保障措施", "加强组织领导。"],
                     tmp_path_factory.mktemp("pdf") / "table.pdf")
    return process(read_plan(path))


def test_ruled_table_is_read_from_its_cells_with_spans(table_doc):
    src = table_doc.source
    assert len(src.grids) == 1
    grid = src.grids[0]
    assert grid.source == "pdf-ruled"
    cells = {(c.row, c.col): c for c in grid.cells}
    assert (cells[0, 0].text, cells[0, 0].rowspan, cells[0, 0].colspan) == ("指标", 1, 2)
    assert (cells[1, 0].text, cells[1, 0].rowspan, cells[1, 0].colspan) == ("经济总量", 2, 1)
    assert (2, 0) not in cells  # covered by 经济总量
    assert [cells[2, c].text for c in range(1, 6)] == ["全社会固定资产投资（亿元）", "329.6", "662", "15", "预期性"]
    assert len(grid.cells) == 5 + 6 + 5 + 6  # the title row is not a row of the grid
    box = table_doc.outline.find("box")
    assert [(b.number, b.title, [c.kind for c in b.children]) for b in box] == [(1, "主要指标", ["table"])]
    for cell in grid.cells:
        assert src.original[cell.start:cell.end] == cell.text  # the cell's rendered line
        assert cell.page == 1 and cell.bbox[0] < cell.bbox[2] and cell.bbox[1] < cell.bbox[3]
    # Rendered in the tab-per-line layout: a row per block, an empty cell under a merged one.
    assert src.original[grid.start:grid.end].split("\n\n")[2] == \
        "\t\n\t全社会固定资产投资（亿元）\n\t329.6\n\t662\n\t15\n\t预期性"


def test_indicators_of_a_ruled_table(table_doc):
    (table,) = table_doc.tables
    rows = [(i.category, i.name, i.unit, i.attribute, i.value("baseline").quantity.text,
             i.value("target").quantity.text) for i in table.indicators]
    assert rows == [
        ("经济总量", "全区生产总值", "亿元", "expected", "494.1", "770"),
        ("经济总量", "全社会固定资产投资", "亿元", "expected", "329.6", "662"),
        ("民生福祉", "城镇登记失业率", "%", "binding", "1.3", "4以内"),
    ]
    gdp = table.indicators[0]
    where = table_doc.locate(gdp.value("target").start, gdp.value("target").end)
    cell = next(c for c in table_doc.source.grids[0].cells if c.text == "770")
    assert where["page"] == 1 and where["bbox"] == list(cell.bbox) and where["text"] == "770"


# --- bad files ---------------------------------------------------------------------------------

def assert_refused(path, words):
    result = run_cli("outline", str(path))
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert words in err


def test_truncated_pdf_is_refused(tmp_path, sample_pdf):
    data = sample_pdf.read_bytes()
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(data[: len(data) // 2])
    assert_refused(bad, "truncated")


def test_encrypted_pdf_is_refused(tmp_path, sample_pdf):
    locked = tmp_path / "locked.pdf"
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--encrypt", "secret", "owner", "256", "--", str(sample_pdf), str(locked)], check=True)
    else:
        pypdf = pytest.importorskip("pypdf", reason="neither qpdf nor pypdf is installed to encrypt a PDF")
        writer = pypdf.PdfWriter(clone_from=str(sample_pdf))
        writer.encrypt("secret", "owner", algorithm="AES-256")
        writer.write(str(locked))
    assert_refused(locked, "encrypted")


def test_scanned_pdf_without_text_is_refused(tmp_path):
    pytest.importorskip("PIL", reason="Pillow is needed to make an image-only PDF")
    assert_refused(image_only_pdf(tmp_path / "scan.pdf"), "without a text layer")


def test_pdf_that_is_not_a_pdf_inside_is_refused(tmp_path):
    bad = tmp_path / "fake.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"garbage " * 100 + b"\n%%EOF\n")
    assert_refused(bad, "damaged")


def test_a_table_running_over_pages_is_one_table(tmp_path):
    # Sixty indicators: the table breaks over pages, its header row repeated on each (repeatRows).
    rows = [["专栏2 主要指标", "", "", ""], ["指标", "2015年", "2020年", "属性"]]
    rows += [[f"第{k}项指标（万吨）", f"{k}.5", f"{k + 10}", "预期性"] for k in range(1, 61)]
    path = table_pdf(["第一章 主要目标", "主要指标如下。"], rows, [((0, 0), (3, 0))], ["第二章 保障措施", "加强领导。"],
                     tmp_path / "long.pdf", repeat_rows=2)
    doc = process(read_plan(path))
    assert len(doc.source.pages) >= 2
    (grid,) = doc.source.grids
    assert len(grid.cells) == 4 * 61  # the header once, then sixty rows
    assert sorted({c.page for c in grid.cells}) == list(range(1, len(doc.source.pages) + 1))
    assert [b.number for b in doc.outline.find("box")] == [2]
    (table,) = doc.tables
    assert [(i.name, i.unit, i.value("target").quantity.text) for i in table.indicators] == \
        [(f"第{k}项指标", "万吨", f"{k + 10}") for k in range(1, 61)]


# --- the sample's indicator tables, drawn as ruled tables -----------------------------------

@pytest.fixture(scope="module", params=["plain", "titled"])
def sample_tables_doc(request, tmp_path_factory):
    """The sample with its two tables drawn with merged cells (as tests/test_readers.py draws them
    for Word and web pages), the 专栏 titles and notes outside the tables or in full-width rows."""
    from pdfmaker import items_pdf
    from test_readers import sample_document

    titled = request.param == "titled"
    items = sample_document(merge_attributes=titled, titles_in_tables=titled)
    path = items_pdf(items, tmp_path_factory.mktemp("pdf") / f"{request.param}.pdf")
    return process(read_plan(path))


def test_every_indicator_row_of_the_sample_read_from_pdf_cells(sample_tables_doc):
    from test_indicators import MAIN_TABLE, REVIEW_TABLE
    from test_readers import main_rows, review_rows, structure

    doc = sample_tables_doc
    review, main = doc.tables
    assert (review.read_from, main.read_from) == ("pdf-ruled", "pdf-ruled")
    assert review_rows(review) == REVIEW_TABLE
    assert main_rows(main) == MAIN_TABLE
    assert review.problems == [] and main.problems == []
    cats = [(c.name, c.declared_count, len(c.items)) for c in main.categories]
    assert cats == [("经济总量和经济增长", 9, 9), ("创新驱动", 3, 3), ("民生福祉", 9, 9), ("生态文明", 8, 8)]
    assert structure(doc) == structure(build_document(read_plan(sample_plan_path())))
    # Every value's provenance names its page and its cell's box.
    for ind in review.indicators + main.indicators:
        for v in ind.values:
            where = doc.locate(v.start, v.end)
            assert where["page"] >= 1 and len(where["bbox"]) == 4


def test_characters_beyond_the_bmp_are_read_whole(tmp_path):
    # 𠀀 (U+20000, CJK Extension B) is two UTF-16 units in the PDF's text layer.
    path = table_pdf(["第一章 总则", "到2020年建成𠀀字号工程，𠀀为生僻字。"], [["指标", "2015年"], ["𠀀", "1"]], [],
                     [], tmp_path / "rare.pdf")
    src = read_plan(path)
    assert "建成𠀀字号工程" in src.text
    assert src.text.encode("utf-8")  # no lone surrogates
