"""Goals, what measures them, and which projects serve them, each link with its evidence.

**Goals** are the development goals a plan lists where it sets them out: the ——-bulleted
paragraphs of a chapter or section whose heading speaks of 目标 (发展目标, 主要目标), or,
where a plan does not bullet them, the paragraphs that open with "…目标：".

**Indicators measure goals** where a narrative target in the goal's paragraph restates
the indicator (the sentence is the evidence); an indicator no goal paragraph restates
follows the goal that most indicators of its table category measure.

**Projects serve goals** through the outline: a project sits in a box, section, chapter and
part, whose headings state objectives (加快新型城镇化 促进城乡统筹发展); the goal whose text
shares the most distinctive words with those headings (words weighted by how few goals use
them) is the goal the project serves. The evidence is the path of headings and the shared
words. Where no heading shares a word with any goal, the project's own name is compared.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import segment
from .model import Document

_GOAL_HEADING = re.compile(r"目标")
_COLON_GOAL = re.compile(r"^(.{2,30}?目标)\s*[:：]")
_STOP = {"发展", "建设", "加快", "推进", "提高", "加强", "进一步", "全面", "实现", "推动", "坚持", "促进", "提升",
         "工作", "水平", "能力", "体系", "重点", "地区", "全区", "我国", "社会", "经济", "明显", "不断", "更加",
         "主要", "目标", "期间", "国家", "全国", "全省", "重大", "以上", "以内", "十三五", "十四五", "十五", "基本", "形成", "显著", "取得", "成效", "稳定"}


@dataclass
class Goal:
    key: str  # GOAL-NODE-KEY/goal-N
    title: str  # 经济保持中高速增长，进一步做大经济总量
    start: int  # the goal's paragraph
    end: int
    title_end: int
    indicators: list = field(default_factory=list)  # GoalMeasure


@dataclass
class GoalMeasure:
    indicator: object
    via: str  # "statement" (a target in the goal's paragraph) or "category"
    evidence: str  # the sentence, or the category and its indicators
    start: int | None = None
    end: int | None = None


@dataclass
class GoalLink:
    goal: Goal
    path: list[str]  # outline keys from the project up to the node that matched
    matched: str  # the heading (or name) that shares words with the goal
    words: list[str]  # the shared words
    score: float


def extract_goals(doc: Document) -> None:
    """Pipeline component: ``doc.goals``, the indicators measuring them, and projects' goals."""
    doc.goals = find_goals(doc)
    if not doc.goals:
        return
    _measure(doc)
    linker = _Linker(doc)
    everything = [p for project in doc.projects for p in [project] + project.components]
    for p in everything:
        link = linker.link(p)
        p.goals = [link] if link else []
    _by_sector(doc, everything)


def _by_sector(doc: Document, projects) -> None:
    """A project no heading links follows the goal most projects of its sector serve."""
    votes: dict[str, dict[str, int]] = {}
    for p in projects:
        for a in p.sectors:
            if p.goals and a.level != "default":
                tally = votes.setdefault(a.sector.id, {})
                tally[p.goals[0].goal.key] = tally.get(p.goals[0].goal.key, 0) + 1
    for p in projects:
        if p.goals:
            continue
        for a in p.sectors:
            tally = votes.get(a.sector.id)
            if tally:
                key = max(tally, key=tally.get)
                goal = next(g for g in doc.goals if g.key == key)
                p.goals = [GoalLink(goal, [p.key], f"sector {a.sector.label}: {tally[key]} of its projects serve this goal",
                                    [a.sector.label], 0.0)]
                break


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
                goals.append(Goal(f"{node.key}/goal-{len([g for g in goals if g.key.startswith(node.key + '/')]) + 1}",
                                  title.strip(), para.start, para.end, title_end))
    return goals


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
        for category in {i.category for i in table.indicators}:
            members = [i for i in table.indicators if i.category == category]
            votes: dict[str, int] = {}
            for i in members:
                if id(i) in by_indicator:
                    votes[by_indicator[id(i)].key] = votes.get(by_indicator[id(i)].key, 0) + 1
            if not votes:
                continue
            goal = next(g for g in doc.goals if g.key == max(votes, key=votes.get))
            stated = "、".join(i.name for i in members if id(i) in by_indicator and by_indicator[id(i)] is goal)
            for i in members:
                if id(i) not in by_indicator:
                    goal.indicators.append(GoalMeasure(i, "category", f"{category}: like {stated}"))


class _Linker:
    def __init__(self, doc: Document):
        self.doc = doc
        # Place names say where, not what for: a goal's 法制X is no reason to link every project in X.
        self.places = {m.text for place in doc.places.values() for m in place.mentions}
        self.goal_words = [self._words(doc.text[g.start:g.end]) for g in doc.goals]
        df: dict[str, int] = {}
        for words in self.goal_words:
            for w in words:
                df[w] = df.get(w, 0) + 1
        n = len(doc.goals)
        self.idf = {w: math.log((n + 1) / c) for w, c in df.items()}
        self._cache: dict[str, tuple] = {}

    def _words(self, text: str) -> set[str]:
        return {w for w in segment.words(text) if len(w) >= 2 and w not in _STOP and w not in self.places
                and not any(p in w for p in self.places) and re.search(r"[\u4e00-\u9fff]", w)}

    def shared(self, text: str) -> list[tuple[Goal, list[str], float]]:
        """For each goal, the words of ``text`` it shares and their weight."""
        if text not in self._cache:
            words = self._words(text)
            out = []
            for goal, gw in zip(self.doc.goals, self.goal_words):
                shared = sorted(words & gw, key=lambda w: (-self.idf[w], w))  # a total key: same order in any process
                out.append((goal, shared, sum(self.idf[w] for w in shared)))
            self._cache[text] = out
        return self._cache[text]

    def link(self, project) -> GoalLink | None:
        """The goal that the project's name and the headings above it share most words with.

        Nearer headings weigh more: the name 1, the box or section 0.8, then 0.6, 0.5, 0.4.
        """
        chain = self.doc.container_of(project.start, kinds=("box", "section", "chapter", "part", "annex"))
        name = project.name + "".join("、" + c.name for c in project.components)
        steps = [(project.key, name)] + [(n.key, n.heading) for n in reversed(chain) if n.title]
        totals: dict[str, float] = {}
        evidence: dict[str, list[tuple[str, list[str]]]] = {}
        for (key, text), weight in zip(steps, (1.0, 0.8, 0.6, 0.5, 0.4, 0.3)):
            for goal, shared, score in self.shared(text):
                if shared:
                    totals[goal.key] = totals.get(goal.key, 0.0) + weight * score
                    evidence.setdefault(goal.key, []).append((text, shared))
        if not totals:
            return None
        best = max(totals, key=totals.get)
        goal = next(g for g in self.doc.goals if g.key == best)
        words = list(dict.fromkeys(w for _, ws in evidence[best] for w in ws))
        matched = "；".join(f"{text}（{'、'.join(ws)}）" for text, ws in evidence[best])
        return GoalLink(goal, [key for key, _ in steps], matched, words, round(totals[best], 3))
