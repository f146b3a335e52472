"""The document model: one object that every extraction component reads and extends.

Spans (``start``, ``end``) are offsets into the *normalised* text
(``Document.source.text``); ``Document.source.locate`` turns them into offsets,
line numbers and quoted text of the original file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from .source import SourceText

# Structural kinds, outermost first. Boxes, tables and paragraphs hang below any of them.
STRUCTURE_LEVEL = {"part": 1, "annex": 1, "chapter": 2, "section": 3}

KIND_LABELS = {
    "plan": ("规划纲要", "plan"),
    "preamble": ("卷首", "preamble"),
    "resolution": ("决议", "resolution"),
    "title": ("标题", "title"),
    "foreword": ("前言", "foreword"),
    "contents": ("目录", "table of contents"),
    "part": ("篇", "part"),
    "chapter": ("章", "chapter"),
    "section": ("节", "section"),
    "box": ("专栏", "box"),
    "annex": ("附件", "annex"),
    "table": ("表格", "table"),
    "paragraph": ("段落", "paragraph"),
}


@dataclass
class Node:
    """One node of a plan's outline."""

    kind: str
    start: int
    end: int
    title: str = ""
    numeral: str | None = None  # the number as printed: "十一", "3"
    number: int | None = None  # its value: 11, 3
    labelled: bool = True  # False for a box whose 专栏 heading was lost in conversion
    key: str = ""  # the node's place in the plan, e.g. "part-3/chapter-7/box-3"
    children: list["Node"] = field(default_factory=list)

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, kind: str) -> list["Node"]:
        return [n for n in self.walk() if n.kind == kind]

    @property
    def heading(self) -> str:
        """How the plan prints the node's heading: 第三篇 …, 专栏3 …, 附件1 …"""
        if self.kind in ("part", "chapter", "section") and self.numeral:
            word = {"part": "篇", "chapter": "章", "section": "节"}[self.kind]
            return f"第{self.numeral}{word} {self.title}".strip()
        if self.kind in ("box", "annex"):
            word = KIND_LABELS[self.kind][0]
            num = self.numeral or (str(self.number) if self.number is not None else "")
            return f"{word}{num} {self.title}".strip()
        return self.title


@dataclass
class PlanInfo:
    """What the plan says about itself: its title, region and period."""

    title: str = ""
    region: str = ""
    ordinal: int | None = None  # 13 for 第十三个五年规划
    start_year: int | None = None
    end_year: int | None = None

    @property
    def base_year(self) -> int | None:
        """The year before the plan period: the baseline year of its indicators."""
        return self.start_year - 1 if self.start_year else None


@dataclass
class Document:
    """A plan being read: its source text, outline and everything extracted from it."""

    source: SourceText
    outline: Node
    info: PlanInfo = field(default_factory=PlanInfo)
    tables: list = field(default_factory=list)  # IndicatorTable, from extraction.tables
    targets: list = field(default_factory=list)  # NarrativeTarget, from extraction.narrative
    region: object = None  # the Division the plan is for, from extraction.places
    places: dict = field(default_factory=dict)  # code -> Place, from extraction.places
    projects: list = field(default_factory=list)  # Project, from extraction.projects
    goals: list = field(default_factory=list)  # Goal, from extraction.goals

    @property
    def text(self) -> str:
        return self.source.text

    def locate(self, start: int, end: int) -> dict:
        return self.source.locate(start, end)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.outline.walk():
            if node.kind != "plan":
                counts[node.kind] = counts.get(node.kind, 0) + 1
        return counts

    def container_of(self, offset: int, kinds=("section", "chapter", "part", "annex")) -> list[Node]:
        """The chain of outline nodes (outermost first) whose span holds ``offset``."""
        chain, node = [], self.outline
        while True:
            nxt = next((c for c in node.children if c.start <= offset < c.end), None)
            if nxt is None:
                return [n for n in chain if n.kind in kinds]
            chain.append(nxt)
            node = nxt
