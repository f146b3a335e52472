"""The layout stage: page breaks, page numbers, running headers, hard wraps and indentation undone.

Each pattern is tested on a small synthetic text written here, then on real conversions of a
published plan (``pdftotext`` plain and ``-layout``) and of the sample rendered as a PDF.
"""

import re
import shutil
import subprocess

import pytest

from plankg import sample_plan_path
from plankg.extraction import build_document, decode_plan, read_plan
from plankg.extraction.serialize import outline_counts
from plankg.extraction.source import normalise

from support import shared_plan

# A paragraph of the genre, wrapped at 24 characters as a PDF page would print it.
PARA = ("坚持以发展为主题，发展是硬道理，是解决所有问题的关键。必须坚持以经济建设为中心不动摇，增强紧迫感和忧患"
        "意识，抓住机遇，在确保质量和效益提高的基础上，力争经济社会快速发展，全面提高人民生活水平。")


def para(k: int) -> str:
    """The k-th paragraph of a page: the same words starting elsewhere, so pages differ."""
    return PARA[7 * k:-1] + PARA[:7 * k] + "。"


def wrap(text: str, width: int = 24) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)]


def read(text: str):
    return decode_plan(text.encode("utf-8"), "synthetic.txt")


def outline(text: str):
    return build_document(read(text))


def chapter_sections(doc) -> list[tuple[str, list[str]]]:
    return [(c.title, [s.title for s in c.children if s.kind == "section"]) for c in doc.outline.find("chapter")]


def wrapped_plan(separator_before_chapter_2: str, page_furniture=("", "")) -> str:
    """Two chapters of wrapped paragraphs; chapter 2 begins on a new page."""
    head, foot = page_furniture
    body1 = "\n".join(["第一章 发展基础", "第一节 农业", *wrap(PARA), "第二节 工业", *wrap(PARA)])
    body2 = "\n".join(["第二章 发展目标", "第一节 总体目标", *wrap(PARA), "第二节 主要指标", *wrap(PARA)])
    return body1 + "\n" + foot + separator_before_chapter_2 + head + body2 + "\n"


# --- page breaks ----------------------------------------------------------------------

def test_form_feed_before_a_heading_keeps_the_heading():
    doc = outline(wrapped_plan("\f"))
    assert chapter_sections(doc) == [("发展基础", ["农业", "工业"]), ("发展目标", ["总体目标", "主要指标"])]
    assert "\f" not in doc.source.text


@pytest.mark.parametrize("number", ["- 12 -", "12", "第12页", "— 3 —", "第 3 页 共 28 页", "3/28"])
def test_page_numbers_at_page_breaks_are_removed(number):
    # The page number is the last line of the page, before the form feed.
    src = read(wrapped_plan("\f", ("", number + "\n")))
    assert number not in src.text
    assert chapter_sections(build_document(src))[1] == ("发展目标", ["总体目标", "主要指标"])


def test_bare_numbers_are_page_numbers_only_where_they_count_the_pages():
    pages = ["\n".join(["第一章 总则", *wrap(para(0)), "7"]), "\n".join([*wrap(para(1)), "8"]),
             "\n".join([*wrap(para(2)), "9"])]
    src = read("\f".join(pages) + "\n")
    assert [ln for ln in src.text.split("\n") if ln.strip().isdigit()] == []
    # A number at the edge of one page only, not counting the pages, is text (here a table value).
    src = read("\n".join(["第一章 总则", "\t生产总值", "\t494"]) + "\n\f" + "\n".join(wrap(PARA)) + "\n")
    assert "\t494" in src.text


def test_decorated_page_numbers_without_form_feeds_are_removed_and_the_paragraph_joined():
    lines = wrap(PARA)
    text = "\n".join(["第一章 总则", *lines[:2], "", "- 5 -", "", *lines[2:], *wrap(para(1)), *wrap(para(2))]) + "\n"
    src = read(text)
    assert "- 5 -" not in src.text
    assert PARA in src.text


def test_running_headers_and_footers_repeated_at_page_edges_are_removed():
    header, footer = "云南日报 2001年2月20日", "某省人民政府发布"
    pages = []
    for k, chapter in enumerate(["第一章 总则", "第二章 目标", "第三章 措施"], start=1):
        pages.append("\n".join([header, chapter, *wrap(PARA), footer, f"- {k} -"]))
    src = read("\f".join(pages) + "\n")
    assert header not in src.text and footer not in src.text
    doc = build_document(src)
    assert [c.title for c in doc.outline.find("chapter")] == ["总则", "目标", "措施"]
    assert src.text.count(PARA) == 3  # each paragraph whole again


def test_a_heading_used_as_running_header_still_opens_its_chapter_once():
    pages = ["\n".join(["第一章 总则", *wrap(para(k))]) for k in range(3)]
    doc = outline("\f".join(pages) + "\n")
    assert [c.title for c in doc.outline.find("chapter")] == ["总则"]


def test_a_paragraph_running_over_a_page_break_is_joined():
    lines = wrap(PARA)
    page2 = [*lines[2:], *wrap(para(1)), *wrap(para(2))]
    src = read("\n".join(["第一章 总则", *lines[:2]]) + "\n\n\f" + "\n".join(page2) + "\n")
    assert PARA in src.text


# --- hard wraps ------------------------------------------------------------------------

def test_hard_wrapped_paragraphs_are_joined_and_provenance_spans_the_lines():
    src = read("\n".join(["第一章 总则", *wrap(PARA), "", *wrap(PARA[::-1][:-1] + "。")]) + "\n")
    assert PARA in src.text
    lines = wrap(PARA)
    words = lines[1][-2:] + lines[2][:2]  # two characters either side of a line break
    start = src.text.index(words)
    where = src.locate(start, start + 4)
    # The words run over a line break in the original; provenance quotes them as printed.
    assert where["text"] == lines[1][-2:] + "\n" + lines[2][:2] and (where["line"], where["end_line"]) == (3, 4)


def test_headings_list_items_cells_and_sentence_ends_are_not_joined():
    lines = wrap(PARA)
    text = "\n".join([
        "第一章 总则", *lines,
        "第一节 农业现代化建设的主要任务和重点工程布局",  # a heading after a full line
        *lines[:3],
        "（一）加快发展现代农业，推进农业产业化经营。",  # a list item after a full line
        "1.建设高标准农田",
        *lines[:2],
        "\t生产总值（亿元）",  # a table cell after a full line
        "\t494.1",
        *lines[:4], "第二节 工业",
    ]) + "\n"
    src = read(text)
    out = src.text.split("\n")
    for kept in ["第一节 农业现代化建设的主要任务和重点工程布局", "（一）加快发展现代农业，推进农业产业化经营。",
                 "1.建设高标准农田", "\t生产总值（亿元）", "\t494.1", "第二节 工业"]:
        assert kept in out
    # A full line ending a sentence keeps its break: "…关键。" then the next sentence.
    sentence_end = "是解决所有问题的关键。"
    assert any(ln.endswith(sentence_end) for ln in out) or PARA in src.text


def test_headings_run_together_and_wrapped_are_joined_back():
    # OCR runs a contents onto one line; printed, that line wraps mid-heading.
    contents = "第一篇总则第一章发展基础第二章指导思想第二篇发展任务第三章农业第四章工业第五章服务业"
    chapters = [("第一篇 总则", ["第一章 发展基础", "第二章 指导思想"]),
                ("第二篇 发展任务", ["第三章 农业", "第四章 工业", "第五章 服务业"])]
    body = []
    for k, (part, chs) in enumerate(chapters):
        body.append(part)
        for ch in chs:
            body += [ch, *wrap(para(k))]
    doc = outline("\n".join(["目录", *wrap(contents), *body]) + "\n")
    assert contents in doc.source.text
    assert [c.title for c in doc.outline.find("chapter")] == ["发展基础", "指导思想", "农业", "工业", "服务业"]
    assert len(doc.outline.find("contents")) == 1


def test_a_text_with_one_paragraph_per_line_is_left_alone():
    text = "\n".join(["第一章 总则", PARA, PARA[:30], PARA[:41], "第二章 目标", PARA]) + "\n"
    src = read(text)
    assert src.text == text


def test_latin_words_broken_over_lines_keep_a_space():
    words = "the plan sets a target for gross domestic product growth of about seven percent each year"
    lines, line = [], ""
    for w in words.split():  # wrapped at 30 columns, between words
        if len(line) + len(w) + 1 > 30:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line + ".")
    src = read("\n".join(["第一章 总则", *lines, *lines, *lines]) + "\n")
    assert src.text.count(words + ".") == 3


# --- indentation -----------------------------------------------------------------------

def test_layout_indentation_of_every_paragraph_is_not_read_as_boxes():
    body = []
    for k in range(1, 4):
        body += [f"  第{'一二三'[k - 1]}节 任务{k}"]
        for _ in range(3):
            first, *rest = wrap(PARA)
            body += ["     " + first, *rest]
    doc = outline("\n".join(["  第一章 总则", *body]) + "\n")
    counts = outline_counts(doc)
    assert (counts["chapters"], counts["sections"], counts["boxes"]) == (1, 3, 0)
    assert doc.source.text.count(PARA) == 9


def test_an_indented_block_under_a_paragraph_is_still_a_box():
    text = "\n".join([
        "第一章 总则", "", PARA, "", "第一节 农业", "", PARA,
        " 农业重点项目：高标准农田建设工程、节水灌溉工程。", "", "林业重点项目：防护林建设工程。", "", "",
        "第二节 工业", "", PARA, "",
    ]) + "\n"
    doc = outline(text)
    boxes = doc.outline.find("box")
    assert len(boxes) == 1 and not boxes[0].labelled
    assert doc.source.text == normalise(text)[0]  # nothing here is page layout


def test_the_sample_text_is_not_changed_by_the_layout_stage(sample_text):
    src = read_plan(sample_plan_path())
    assert src.text == normalise(sample_text)[0]


# --- real conversions ------------------------------------------------------------------

def pdftotext(pdf, *options) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("options", [(), ("-layout",)], ids=["plain", "layout"])
def test_yunnan_pdf_through_pdftotext(options):
    text = pdftotext(shared_plan("yunnan-10th.pdf"), *options)
    assert re.search(r"\f *第二十五章", text)  # the page break that hid a heading
    doc = build_document(decode_plan(text.encode("utf-8"), "yunnan-10th.txt"))
    counts = outline_counts(doc)
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (8, 26, 77)
    assert counts["boxes"] == 0  # the -layout indentation is not read as boxes
    chapters = {c.number: c for c in doc.outline.find("chapter")}
    # Headings that open a page (after a form feed), read off the PDF by hand.
    assert chapters[25].title == "改善宏观经济管理"
    assert [s.title for s in chapters[24].children if s.kind == "section"] == [
        "加强民主政治建设", "加强法制建设", "维护社会政治稳定"]
    assert [s.title for s in chapters[25].children if s.kind == "section"] == []
    assert "推进农业产业化经营" in [s.title for s in chapters[3].children]
    assert "加强水利设施建设" in [s.title for s in chapters[4].children]
    # A paragraph broken over a page (…少数干 / 部铺张浪费…) reads whole again.
    assert "少数干部铺张浪费" in doc.source.text


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    from pdfmaker import plan_pdf

    text = open(sample_plan_path(), encoding="utf-8").read()
    return plan_pdf(text.split("\n"), tmp_path_factory.mktemp("pdf") / "sample.pdf")


@pytest.mark.parametrize("options", [(), ("-layout",)], ids=["plain", "layout"])
def test_sample_printed_to_pdf_through_pdftotext(sample_pdf, options):
    text = pdftotext(sample_pdf, *options)
    assert text.count("\f") > 20 and "- 12 -" in text  # pages, numbered, with a running header
    doc = build_document(decode_plan(text.encode("utf-8"), "sample.txt"))
    counts = outline_counts(doc)
    # The counts of tests/test_outline.py, which were counted in the sample by hand.
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (11, 59, 28)
    assert (counts["annexes"], counts["annex_chapters"]) == (2, 10)
    labelled = [b for b in doc.outline.find("box") if b.labelled]
    assert [b.number for b in labelled] == [1, 2, 3, 6, 14, 19]
    # Plain text loses the indentation of the boxes without a heading; -layout keeps it, and
    # every one of them is found again.
    assert counts["unlabelled_boxes"] == (13 if options else 0)
    assert "- 12 -" not in doc.source.text and "国民经济和社会发展规划纲要\n" not in doc.source.text


@pytest.mark.parametrize("plan, counts, official", [
    ("national-12th.md", (16, 62, 167), False),
    ("national-15th.md", (18, 62, 171), True),
    ("yunnan-10th.txt", (8, 26, 77), True),
])
def test_shared_plans_printed_to_pdf_keep_their_outline(tmp_path, plan, counts, official):
    from pdfmaker import plan_pdf

    # The counts of ../shared/plans/README.md, read off the plans by hand. ``official``: set as
    # government documents are (paragraphs indented, headings centred, page numbers "— 3 —").
    text = shared_plan(plan).read_text(encoding="utf-8-sig").replace("\r", "")
    pdf = plan_pdf(text.split("\n"), tmp_path / "plan.pdf", official=official)
    sources = [decode_plan(pdftotext(pdf, *options).encode("utf-8"), "plan.txt") for options in [(), ("-layout",)]]
    for src in [*sources, read_plan(pdf)]:
        c = outline_counts(build_document(src))
        # No box made up from layout (indented text read as a box without heading); the 12th's boxes
        # printed as Markdown images keep their 专栏 headings in the alt text, and those are real.
        assert (c["parts"], c["chapters"], c["sections"], c["unlabelled_boxes"]) == (*counts, 0), src.format
        assert not re.search(r"[-—] \d+ [-—]", src.text)  # no page number left
