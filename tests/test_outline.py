"""The outline of real plans, checked against counts and headings read off the texts by hand."""

import json

import pytest

from plankg.extraction import build_document, decode_plan, read_plan
from plankg.extraction.serialize import outline_counts, outline_json

from support import shared_plan

# Chapters per part and sections per (part, chapter) of the Tacheng sample, counted in the text.
TACHENG_CHAPTERS_PER_PART = [2, 3, 9, 6, 6, 5, 4, 9, 7, 4, 4]
TACHENG_SECTIONS = {(1, 2): 2, (2, 1): 2, (4, 4): 2, (5, 1): 4, (5, 2): 4, (5, 3): 5, (5, 5): 3,
                    (5, 6): 2, (7, 2): 2, (8, 6): 2}
# Every box: number -> (line of its first line, its place, whether its 专栏 heading survived).
TACHENG_BOXES = {
    1: (38, "part-1/chapter-1", True), 2: (268, "part-2/chapter-3", True),
    3: (612, "part-3/chapter-7", True), 4: (707, "part-4/chapter-4/section-2", False),
    5: (721, "part-4/chapter-5", False), 6: (754, "part-5/chapter-1/section-1", True),
    7: (772, "part-5/chapter-1/section-2", False), 8: (833, "part-5/chapter-2/section-4", False),
    9: (875, "part-5/chapter-3/section-5", False), 10: (908, "part-5/chapter-4", False),
    11: (924, "part-5/chapter-5/section-1", False), 12: (937, "part-5/chapter-5/section-2", False),
    13: (951, "part-5/chapter-5/section-3", False), 14: (1011, "part-6/chapter-5", True),
    15: (1066, "part-8/chapter-1", False), 16: (1078, "part-8/chapter-2", False),
    17: (1090, "part-8/chapter-3", False), 18: (1124, "part-8/chapter-7", False),
    19: (1140, "part-8/chapter-8", True),
}
ANNEX1_CHAPTERS = ["保持经济增长", "维护稳定工作", "加快推进对外开放", "加快脱贫攻坚步伐", "保障改善民生",
                   "加快重点基础设施建设", "加快农村土地清理工作", "加强生态环境保护", "改革体制机制", "抓好援疆工作"]


def test_sample_counts(sample_doc):
    counts = outline_counts(sample_doc)
    assert counts["parts"] == 11
    assert counts["chapters"] == 59
    assert counts["sections"] == 28
    assert counts["annexes"] == 2
    assert counts["annex_chapters"] == 10
    assert counts["boxes"] == 19


def test_sample_hierarchy(sample_doc):
    parts = [n for n in sample_doc.outline.children if n.kind == "part"]
    assert [p.number for p in parts] == list(range(1, 12))
    assert [sum(1 for c in p.children if c.kind == "chapter") for p in parts] == TACHENG_CHAPTERS_PER_PART
    for p in parts:  # chapter numbering restarts in every part of this plan
        chapters = [c for c in p.children if c.kind == "chapter"]
        assert [c.number for c in chapters] == list(range(1, len(chapters) + 1))
        for c in chapters:
            sections = [s for s in c.children if s.kind == "section"]
            assert len(sections) == TACHENG_SECTIONS.get((p.number, c.number), 0), c.heading


def test_sample_headings_with_irregular_spacing(sample_doc):
    part4 = sample_doc.outline.children[[n.key for n in sample_doc.outline.children].index("part-4")]
    assert part4.numeral == "四" and part4.title == "突出创新发展 全面提升发展质量效益"
    ch = next(n for n in sample_doc.outline.walk() if n.key == "part-5/chapter-6")
    assert (ch.numeral, ch.number, ch.title) == ("六", 6, "加强区域合作 促进协调发展")
    ch = next(n for n in sample_doc.outline.walk() if n.key == "part-5/chapter-1")
    assert ch.title == "加快新型工业化 促进产业转型升级"  # printed with a trailing space
    part11 = next(n for n in sample_doc.outline.walk() if n.key == "part-11")
    assert part11.numeral == "十一" and part11.title == "做好规划实施保障工作"


def test_sample_boxes(sample_doc):
    boxes = sample_doc.outline.find("box")
    assert [b.number for b in boxes] == list(range(1, 20))
    for box in boxes:
        line, parent, labelled = TACHENG_BOXES[box.number]
        assert sample_doc.locate(box.start, box.end)["line"] == line, box.number
        assert box.key == f"{parent}/box-{box.number}"
        assert box.labelled is labelled
    assert boxes[2].title == "文化广播体育项目"
    # The two indicator tables live in boxes 1 and 2, and nowhere else.
    assert [t.key for t in sample_doc.outline.find("table")] == ["part-1/chapter-1/box-1/table-1",
                                                               "part-2/chapter-3/box-2/table-1"]


def test_sample_table_spans_cover_every_row(sample_doc):
    box1, box2 = sample_doc.outline.find("table")
    text = sample_doc.text
    assert "农牧民人均纯收入（元）" in text[box1.start:box1.end]
    table2 = text[box2.start:box2.end]
    for cell in ("全区生产总值（亿元）", "民生", "（8项）", "劣Ⅴ类水体比例(%)"):
        assert cell in table2


def test_sample_annexes(sample_doc):
    annex1, annex2 = sample_doc.outline.find("annex")
    assert (annex1.number, annex1.title) == (1, "地区重点工作任务")
    assert [c.title for c in annex1.children if c.kind == "chapter"] == ANNEX1_CHAPTERS
    assert (annex2.number, annex2.title) == (2, "地区战略性工程")
    assert sum(1 for c in annex2.children if c.kind == "paragraph") == 10  # ten strategic projects


def test_sample_preamble(sample_doc):
    preamble = sample_doc.outline.children[0]
    assert [c.kind for c in preamble.children] == ["resolution", "title", "foreword"]
    assert preamble.children[0].title.endswith("规划纲要的决议")
    assert sample_doc.info.title == "塔城地区国民经济和社会发展第十三个五年规划纲要"
    assert (sample_doc.info.region, sample_doc.info.ordinal) == ("塔城地区", 13)
    assert (sample_doc.info.start_year, sample_doc.info.end_year) == (2016, 2020)


def test_every_node_points_at_its_text(sample_doc, sample_text):
    lines = sample_text.split("\n")
    for node in sample_doc.outline.walk():
        where = sample_doc.locate(node.start, node.end)
        assert where["text"] == sample_text[where["start"]:where["end"]]
        if node.kind in ("part", "chapter", "section"):
            assert f"第{node.numeral}" in lines[where["line"] - 1]
        if node.kind == "paragraph":
            assert where["text"].strip() and where["text"] in lines[where["line"] - 1]
    ch = next(n for n in sample_doc.outline.walk() if n.key == "part-4/chapter-4")
    assert sample_doc.locate(ch.start, ch.end)["line"] == 674


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_other_encodings_give_the_same_outline(sample_doc, sample_text, encoding):
    doc = build_document(decode_plan(sample_text.encode(encoding), f"sample.{encoding}"))
    assert doc.source.encoding in {"gb18030": ("gbk", "gb18030"), "utf-16": ("utf-16-le",)}[encoding]
    ours, theirs = outline_json(doc), outline_json(sample_doc)
    assert ours["outline"] == theirs["outline"]
    assert ours["plan"] == theirs["plan"]


def test_national_plan_markdown_and_contents():
    doc = build_document(read_plan(shared_plan("national-14th.md")))
    counts = outline_counts(doc)
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (19, 65, 192)
    chapters = doc.outline.find("chapter")
    assert [c.number for c in chapters] == list(range(1, 66))  # numbered through the whole plan
    assert chapters[-1].title == "完善规划实施机制"
    contents = doc.outline.find("contents")
    assert len(contents) == 1 and doc.locate(contents[0].start, contents[0].end)["line"] < 100
    first_part = next(n for n in doc.outline.children if n.kind == "part")
    assert doc.locate(first_part.start, first_part.end)["line"] == 106
    assert doc.info.title == "中华人民共和国国民经济和社会发展第十四个五年规划和2035年远景目标纲要"
    assert (doc.info.start_year, doc.info.end_year) == (2021, 2025)


def test_yunnan_ocr_plan():
    doc = build_document(read_plan(shared_plan("yunnan-10th.txt")))
    counts = outline_counts(doc)
    assert (counts["parts"], counts["chapters"], counts["sections"]) == (8, 26, 77)
    assert doc.source.encoding == "utf-8"
    assert len(doc.outline.find("contents")) == 1
    titles = {c.number: c.title for c in doc.outline.find("chapter")}
    assert titles[1] == "经济社会发展的指导思想"  # "第一章经济社会…": no space after the number
    assert titles[13] == "深化各项改革"  # run together with 第三篇 on one line
    assert titles[21] == "积极扩大就业,完善社会保障制度"
    parts = {p.number: p.title for p in doc.outline.find("part")}
    assert parts[3] == "推进改革开放"
    assert (doc.info.ordinal, doc.info.start_year, doc.info.end_year) == (10, 2001, 2005)
    # "……保障 。第四节增进民族团结": the heading run onto a paragraph is found.
    assert "增进民族团结" in [s.title for s in doc.outline.find("section")]


def test_outline_json_is_serialisable(sample_doc):
    data = json.loads(json.dumps(outline_json(sample_doc), ensure_ascii=False))
    assert data["schema"] == "plankg-outline/1"
    first_chapter = data["outline"]["children"][1]["children"][0]
    assert first_chapter["heading"] == "第一章 发展基础"
    assert first_chapter["span"]["line"] == 19
