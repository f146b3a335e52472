"""Boxes and their items in the markups real conversions produce, each on a small synthetic plan,
and on the shared national plans (whose boxes were images: only titles in alt text survive)."""

from __future__ import annotations

import re

import pytest

from plankg.extraction.pipeline import read
from plankg.extraction.source import read_bytes
from plankg.extraction.pipeline import process

from support import shared_plan

TITLE = "某省国民经济和社会发展第十三个五年规划纲要"


def plan(body: str):
    return process(read_bytes(f"{TITLE}\n\n## 第一章　建设新农村\n\n### 第一节　改善条件\n\n{body}\n".encode()))


def items(doc, box_number=None):
    boxes = {b.key: b for b in doc.outline.find("box")}
    return [(p.name, p.kind) for p in doc.projects
            if box_number is None or boxes.get(p.container) is not None and boxes[p.container].number == box_number]


BLOCKQUOTE = """加强农村基础设施建设。

> **专栏4　新农村建设重点工程**
>
> **农村饮水安全工程**→解决6000万农村人口的饮水安全问题。
>
> **农村公路**：新建改建农村公路20万公里。
>
> 1. 农村电网改造升级工程。改造农村电网，实现城乡用电同网同价。
> （2）农村沼气工程：新增农村户用沼气1500万户。
> ③游牧民定居工程

提高农民收入，繁荣农村经济。"""


def test_a_blockquote_with_a_bold_title_is_a_box_and_ends_with_the_quote():
    doc = plan(BLOCKQUOTE)
    (box,) = doc.outline.find("box")
    assert (box.number, box.title) == (4, "新农村建设重点工程")
    texts = [doc.text[p.start:p.end] for p in box.children]
    assert texts[0].startswith("**农村饮水安全工程**")  # offsets point past the "> " marks
    assert all(not t.startswith(">") for t in texts)
    assert "提高农民收入" not in doc.text[box.start:box.end]


def test_items_written_bold_with_arrows_colons_and_numbers():
    assert items(plan(BLOCKQUOTE), 4) == [("农村饮水安全工程", "project"), ("农村公路", "project"),
                                          ("农村电网改造升级工程", "project"), ("农村沼气工程", "project"),
                                          ("游牧民定居工程", "project")]


def test_a_bold_box_title_outside_a_blockquote():
    doc = plan("**专栏5　农业科技创新**\n\n加强农业科技创新体系建设，推进良种培育，完善农技推广服务。")
    (box,) = doc.outline.find("box")
    assert (box.number, box.title) == (5, "农业科技创新")


def test_a_box_of_prose_is_not_split_at_its_commas():
    doc = plan("**专栏5　农业科技创新**\n\n加强农业科技创新体系建设，推进良种培育，完善农技推广服务。"
               "提高农业机械化水平，推广节水灌溉。")
    assert items(doc, 5) == [("加强农业科技创新体系建设，推进良种培育，完善农技推广服务", "measure"),
                             ("提高农业机械化水平，推广节水灌溉", "measure")]


def test_a_box_list_keeps_its_categories():
    doc = plan("专栏6　交通重点项目\n\n公路：甲县至乙县公路、丙机场改扩建\n管道：丁盆地天然气管道项目")
    assert [(p.name, p.category, p.kind) for p in doc.projects if p.source == "box"] == [
        ("甲县至乙县公路", "公路", "project"), ("丙机场改扩建", "公路", "project"),
        ("丁盆地天然气管道项目", "管道", "project")]


def test_a_box_printed_as_an_image_keeps_its_title():
    doc = plan('正文一段。\n\n![](images/a.jpg "专栏3 新农村建设重点工程　某某社发")\n\n![专栏7 交通建设重点](images/b.jpg)\n')
    assert [(b.number, b.title, b.children) for b in doc.outline.find("box")] == [
        (3, "新农村建设重点工程", []), (7, "交通建设重点", [])]


@pytest.mark.parametrize("sentence, expected", [
    ("组织实施好老旧城区改造、棚户区改造，提高居住水平。", [("老旧城区改造", "measure"), ("棚户区改造", "measure")]),
    ("实施内地与香港、内地与澳门更紧密合作，推进往来便利。", []),  # fragments of a sentence: no items
    ("加快建设政策体系、丙丁水库、戊己铁路，完善配套。", [("政策体系", "measure"), ("丙丁水库", "project"),
                                                   ("戊己铁路", "project")]),
    ("重点实施甲乙引水工程，加强水资源保护。", [("甲乙引水工程", "project")]),  # the list ends where a clause begins
])
def test_lists_in_the_text_tell_projects_from_measures_and_fragments(sentence, expected):
    assert items(plan(sentence)) == expected


def test_an_annex_count_declared_in_words_with_its_listed_components():
    doc = process(read_bytes(f"{TITLE}\n\n第一章　总则\n\n正文。\n\n附件1　重大工程\n\n山区水库工程。总投资23亿元，"
                             "重点实施以甲河、乙沟、丙山等为引领的3座战略性山区水库，新增库容1亿立方米。\n".encode()))
    (project,) = [p for p in doc.projects if p.source == "annex"]
    assert project.name == "山区水库工程" and project.declared_components == 3
    assert [c.name for c in project.components] == ["甲河", "乙沟", "丙山"]


# Box titles of the national 12th plan, read by hand from its image alt texts (the boxes are images).
NATIONAL_12TH_BOXES = [
    "“十一五”规划主要指标实现情况", "“十二五”时期经济社会发展主要指标", "新农村建设重点工程", "制造业发展重点方向",
    "战略性新兴产业创新发展工程", "能源建设重点", "交通建设重点", "主体功能区发展方向", "节能重点工程",
    "循环经济重点工程", "环境治理重点工程", "生态保护和修复重点工程", "水利和防灾减灾重点工程", "科技创新能力建设重点",
    "教育发展重点工程", "重大人才工程", "“十二五”时期基本公共服务范围和重点", "医疗卫生重点工程", "改善民生行动计划",
    "城乡社区服务能力提升计划", "文化事业重点工程", "粤港澳合作重大项目",
]


@pytest.fixture(scope="module")
def national_12th():
    return read(shared_plan("national-12th.md"))


def test_national_12th_outline_and_image_boxes(national_12th):
    counts = national_12th.counts()
    assert (counts["part"], counts["chapter"], counts["section"]) == (16, 62, 167)
    boxes = national_12th.outline.find("box")
    assert [(b.number, b.title) for b in boxes] == list(enumerate(NATIONAL_12TH_BOXES, start=1))
    assert all(not b.children for b in boxes)  # the text has no box bodies, so no box items
    assert not [p for p in national_12th.projects if p.source == "box"]


def test_national_15th_outline_with_bold_headings_and_no_boxes():
    doc = read(shared_plan("national-15th.md"))
    counts = doc.counts()
    assert (counts["part"], counts["chapter"], counts["section"]) == (18, 62, 171)
    assert counts.get("box", 0) == 0  # its boxes are images without alt text or title
    text = shared_plan("national-15th.md").read_text(encoding="utf-8")
    assert "专栏" not in text
    assert len(re.findall(r"^\*\*第[一二三四五六七八九十]+章", text, re.M)) > 30  # bold chapter headings


def test_bold_heading_lines_mixed_with_hash_headings():
    doc = process(read_bytes(f"{TITLE}\n\n## 第一篇　总体要求\n\n**第一章　发展环境**\n\n正文。\n\n"
                             "**第一节　国内环境**\n\n正文。\n\n### 第二章　主要目标\n\n正文。\n".encode()))
    assert [(n.kind, n.number, n.title) for n in doc.outline.walk() if n.kind in ("part", "chapter", "section")] == [
        ("part", 1, "总体要求"), ("chapter", 1, "发展环境"), ("section", 1, "国内环境"), ("chapter", 2, "主要目标")]
