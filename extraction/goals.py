"""Goals, what measures them, and which projects serve them, each link with its evidence.

**Goals** are the development goals a plan lists where it sets them out: the ——-bulleted
paragraphs of a chapter or section whose heading speaks of 目标 (发展目标, 主要目标), or,
where a plan does not bullet them, the paragraphs that open with "…目标：".

**Sub-goals** are the objectives a part, chapter or section states for itself, in a paragraph
that opens "到2020年，…" (the plan's last year); each rolls up to the top goal its text and
headings serve (``Goal.parent``), and projects under that heading link to it when they share
its theme.

**Indicators measure goals** where a narrative target in the goal's paragraph restates
the indicator (the sentence is the evidence); an indicator no goal paragraph restates
follows the goal that most indicators of its table category measure.

**Projects serve goals** by the themes (``ontology/goal-themes.ttl``) their words share with a
goal's text; how is in ``goal_links``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Document

_GOAL_HEADING = re.compile(r"目标")
_COLON_GOAL = re.compile(r"^(.{2,30}?目标)\s*[:：]")
_SUBGOAL = re.compile(r"^(?:——[^。]{2,40}。)?到(\d{4})年[，,]")


@dataclass
class Goal:
    key: str  # GOAL-NODE-KEY/goal-N
    title: str  # 经济保持中高速增长，进一步做大经济总量
    start: int  # the goal's paragraph
    end: int
    title_end: int
    indicators: list = field(default_factory=list)  # GoalMeasure
    title_start: int | None = None
    parent: "Goal | None" = None  # a sub-goal's top goal
    scope: str = ""  # a sub-goal's outline node: the heading whose objectives it states
    scope_heading: str = ""
    subgoals: list["Goal"] = field(default_factory=list)
    rollup: list = field(default_factory=list)  # goal_links.Evidence: why a sub-goal rolls up to its parent
    order: int = 0  # 1, 2, … among the top goals; a sub-goal's is its parent's

    @property
    def top(self) -> "Goal":
        return self.parent or self


@dataclass
class GoalMeasure:
    indicator: object
    via: str  # "statement" (a target in the goal's paragraph) or "category"
    evidence: str  # the sentence, or the category and its indicators
    start: int | None = None
    end: int | None = None


def extract_goals(doc: Document) -> None:
    """Pipeline component: ``doc.goals`` and their sub-goals, the indicators measuring them, projects' goals."""
    from .goal_links import link_projects

    doc.goals = find_goals(doc)
    if not doc.goals:
        return
    _measure(doc)
    link_projects(doc, find_subgoals(doc))


def all_goals(doc: Document):
    """Every goal of the plan, each top goal followed by its sub-goals."""
    for goal in doc.goals:
        yield goal
        yield from goal.subgoals


def find_goals(doc: Document) -> list[Goal]:
    goals: list[Goal] = []
    for node in doc.outline.walk():
        if node.kind not in ("part", "chapter", "section") or not _GOAL_HEADING.search(node.title):
            continue
        paras = [c for c in node.children if c.kind == "paragraph"]
        for para in paras:
            text = doc.text[para.start:para.end]
            title = None
            if text.startswith("——"):
                cut = re.search(r"[。；]", text)
                title = text[2:cut.start() if cut else len(text)]
                title_end = para.start + (cut.start() if cut else len(text))
            elif m := _COLON_GOAL.match(text):
                title, title_end = m.group(1), para.start + m.end(1)
            if title:
                n = len([g for g in goals if g.key.startswith(node.key + '/')]) + 1
                goals.append(Goal(f"{node.key}/goal-{n}", title.strip(), para.start, para.end, title_end,
                                  title_start=title_end - len(title), order=len(goals) + 1))
    return goals


def find_subgoals(doc: Document) -> list[Goal]:
    """Paragraphs that state a heading's own objectives for the plan's last year: 到2020年，…"""
    goal_nodes = {g.key.rsplit("/", 1)[0] for g in doc.goals}
    out: list[Goal] = []
    for node in doc.outline.walk():
        if node.kind not in ("part", "chapter", "section") or node.key in goal_nodes:
            continue
        for para in (c for c in node.children if c.kind == "paragraph"):
            text = doc.text[para.start:para.end]
            m = _SUBGOAL.match(text)
            if not m or (doc.info.end_year and int(m.group(1)) != doc.info.end_year):
                continue
            cut = re.search(r"[。；]", text[m.end():])
            title_end = m.end() + (cut.start() if cut else len(text) - m.end())
            n = len([g for g in out if g.scope == node.key]) + 1
            title = text[:title_end].lstrip("—")
            out.append(Goal(f"{node.key}/goal-{n}", title, para.start, para.end, para.start + title_end,
                            title_start=para.start + title_end - len(title), scope=node.key,
                            scope_heading=node.heading))
    return out


def _measure(doc: Document) -> None:
    by_indicator: dict[int, Goal] = {}
    for goal in doc.goals:
        for target in doc.targets:
            if target.indicator is not None and goal.start <= target.start < goal.end:
                if all(m.indicator is not target.indicator for m in goal.indicators):
                    goal.indicators.append(GoalMeasure(target.indicator, "statement",
                                                       doc.text[target.start:target.end], target.start, target.end))
                    by_indicator[id(target.indicator)] = goal
    for table in doc.tables:
        if table.kind != "plan":
            continue
        for category in dict.fromkeys(i.category for i in table.indicators):  # in table order, not set order
            members = [i for i in table.indicators if i.category == category]
            votes: dict[str, int] = {}
            for i in members:
                if id(i) in by_indicator:
                    votes[by_indicator[id(i)].key] = votes.get(by_indicator[id(i)].key, 0) + 1
            if not votes:
                continue
            # Most votes; a tie goes to the goal the plan lists first.
            goal = min((g for g in doc.goals if g.key in votes), key=lambda g: (-votes[g.key], g.order))
            stated = "、".join(i.name for i in members if id(i) in by_indicator and by_indicator[id(i)] is goal)
            for i in members:
                if id(i) not in by_indicator:
                    goal.indicators.append(GoalMeasure(i, "category", f"{category}: like {stated}"))
