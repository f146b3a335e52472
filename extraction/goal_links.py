"""Which goals a project serves: ranked links, each with a score and its evidence quoted with offsets.

A goal's text is read for the themes of ``ontology/goal-themes.ttl`` (see ``goal_themes``): its
headline and the fields its paragraph lists (就业、教育、文化…) weigh 2, the rest of its paragraph
and the indicators stating its targets 1, indicators that follow it by table category 0.5. A
goal's share of a theme, P(goal | theme), is its weight over all goals' weights, leaning on the
broader theme where the goals use a theme little (see ``shares``).

A project is read for the same themes, in these sources (weight):
  name 1.0 · box line category (for a component: its strategic project's name) 0.5 · box title 0.4 ·
  section 0.3 · chapter 0.2 · part or annex 0.15 (a heading's opening sentence: 0.3 of its heading) ·
  the themes its sector usually serves 0.3 ·
  the objective (sub-goal) of a heading above it, where it shares that objective's theme 0.5.
A term of theme t gives a goal weight × P(goal | t'), t' the narrowest of t and its broader themes
some goal uses (0.7 of it when t' is broader than t). Within one source a goal takes its strongest
term. Goals are ranked by their total; every goal with at least 40 % of the best total (and 0.15)
is linked, at most three. A project with no theme anywhere gets no link rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import goal_themes
from .goal_themes import Hit, lineage
from .goals import Goal
from .model import Document, Node

HEADING_WEIGHT = {"box": 0.4, "section": 0.3, "chapter": 0.2, "part": 0.15, "annex": 0.15}
OPENING = 0.3  # a heading's opening sentence, relative to the heading
NAME, CATEGORY, SECTOR, SUBGOAL = 1.0, 0.5, 0.3, 0.5
BROADER = 0.7  # a theme met only through its broader theme
SMOOTHING = 2.0  # how much a narrow theme leans on its broader one
KEEP_SHARE, KEEP_MIN, KEEP_MAX = 0.4, 0.15, 3
GOAL_SIDE = {"title": 2.0, "field": 2.0, "text": 1.0, "indicator": 1.0, "indicator-category": 0.5}
_FIELD_LIST = re.compile(r"(?:[\u4e00-\u9fff]{1,6}、){2,}[\u4e00-\u9fff]{1,6}(?:等)?")


@dataclass(frozen=True)
class GoalMention:
    """Where a goal's text uses a theme: its headline, its list of fields, an indicator, its paragraph."""
    basis: str  # title, field, indicator, indicator-category, text
    term: str
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Evidence:
    kind: str  # name, category, box, heading, opening, sector, subgoal
    where: str  # the project's or outline node's key, or the sector's id
    context: str  # the text the term was found in (a name, a heading, a sentence, a sector)
    term: str  # the project-side words
    start: int | None  # offsets of ``term`` in the plan text (None for a sector)
    end: int | None
    theme: str  # the theme shared with the goal
    goal_side: GoalMention
    contribution: float


@dataclass
class GoalLink:
    goal: Goal  # the most specific goal: a sub-goal where one applies
    rank: int  # 1 is the primary goal
    score: float
    evidence: list[Evidence]
    path: list[str]  # outline keys from the project up to its part
    sector_only: bool = False

    @property
    def top(self) -> Goal:
        return self.goal.top

    @property
    def words(self) -> list[str]:
        return list(dict.fromkeys(e.term for e in self.evidence))

    @property
    def matched(self) -> str:
        """The evidence in one line, strongest first."""
        return "；".join(describe(e) for e in self.evidence)


@dataclass
class _Source:
    kind: str
    weight: float
    where: str
    context: str
    hits: list[Hit]
    strongest: list[tuple] | None = None  # its goals and their strongest terms (_Linker._strongest), once known


@dataclass
class _Profile:
    mass: dict[str, float] = field(default_factory=dict)  # theme -> weight of the goal's terms
    mention: dict[str, GoalMention] = field(default_factory=dict)  # theme -> the goal's strongest mention
    rank: dict[str, tuple] = field(default_factory=dict)


def describe(e: Evidence) -> str:
    g = e.goal_side
    side = {"title": "目标标题", "field": "目标所列领域", "indicator": "目标指标", "indicator-category": "目标指标（按类别）",
            "text": "目标正文"}[g.basis]
    where = {"name": "项目名称", "category": "项目类别", "project": "所属工程", "box": "专栏", "heading": "标题", "opening": "章节首句",
             "sector": "行业", "subgoal": "分目标"}[e.kind]
    context = e.context if len(e.context) <= 30 else e.context[:29] + "…"
    return f"{where}“{context}”中的“{e.term}” ↔ {side}“{g.term}”（{goal_themes.themes()[e.theme].label}，{e.contribution:.3f}）"


def link_projects(doc: Document, subgoals: list[Goal]) -> None:
    """Give every project (and component) its ranked goal links; attach sub-goals to their top goals."""
    linker = _Linker(doc)
    for sub in subgoals:
        parent, rollup = linker.roll_up(sub)
        if parent is not None:
            sub.parent, sub.rollup, sub.order = parent, rollup, parent.order
            parent.subgoals.append(sub)
            linker.add_subgoal(sub)
    for project in doc.projects:
        project.goals = linker.link(project)
        for c in project.components:
            c.goals = linker.link(c, project)


class _Linker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.profiles = {g.key: self._profile(g) for g in doc.goals}
        self.sub_themes: dict[str, set[str]] = {}
        self.subgoals: list[Goal] = []
        self._shares: dict[str, tuple] = {}
        self._contributed: dict[tuple[str, float], tuple] = {}
        self._chains: dict[int, list[Node]] = {}
        self._node_sources: dict[str, list[_Source]] = {}

    def _headings(self, offset: int) -> list[Node]:
        """The outline nodes of HEADING_WEIGHT's kinds around an offset, outermost first (asked thrice a project)."""
        if offset not in self._chains:
            self._chains[offset] = self.doc.container_of(offset, kinds=tuple(HEADING_WEIGHT))
        return self._chains[offset]

    # --- goals' side ----------------------------------------------------------------------------

    def _profile(self, goal: Goal) -> _Profile:
        doc, prof = self.doc, _Profile()
        fields = [(m.start() + goal.start, m.end() + goal.start)
                  for m in _FIELD_LIST.finditer(doc.text[goal.start:goal.end])]
        title = (goal.title_start if goal.title_start is not None else goal.start, goal.title_end)
        for hit in goal_themes.find(doc.text[goal.start:goal.end], goal.start):
            basis = ("title" if title[0] <= hit.start < title[1] else
                     "field" if any(s <= hit.start < e for s, e in fields) else "text")
            self._add(prof, hit, basis)
        for m in goal.indicators:
            ind = m.indicator
            basis = "indicator" if m.via == "statement" else "indicator-category"
            if ind.name_end > ind.name_start:
                hits = goal_themes.find(doc.text[ind.name_start:ind.name_end], ind.name_start)
            else:
                hits = [Hit(h.term, h.theme, None, None) for h in goal_themes.find(ind.name)]
            for hit in hits:
                self._add(prof, hit, basis)
        return prof

    @staticmethod
    def _add(prof: _Profile, hit: Hit, basis: str) -> None:
        weight = GOAL_SIDE[basis]
        mention = GoalMention(basis, hit.term, hit.start, hit.end)
        for theme in lineage(hit.theme):
            terms = prof.mass.setdefault(theme, {})
            terms[hit.term] = max(terms.get(hit.term, 0.0), weight)
            # The mention quoted for a theme: the weightiest, and among those one of the theme itself.
            rank = (weight, hit.theme == theme)
            if theme not in prof.mention or prof.rank[theme] < rank:
                prof.mention[theme], prof.rank[theme] = mention, rank

    def _mention(self, goal: Goal, theme: str) -> GoalMention:
        """The goal's strongest mention of the theme, or else of its nearest broader theme it mentions."""
        mentions = self.profiles[goal.key].mention
        return next(mentions[t] for t in lineage(theme) if t in mentions)

    def _mass(self, goal: Goal, theme: str) -> float:
        return sum(self.profiles[goal.key].mass.get(theme, {}).values())

    def shares(self, theme: str) -> tuple[str, float, list[tuple[Goal, float]]]:
        """P(goal | theme) over the top goals, and the theme the goals' side is quoted for.

        A theme the goals use little leans on its broader theme: P(g | t) = (m(g, t) + α P(g | broader)) /
        (m(t) + α), so one mention of 能源 in an ecology goal's 能源和水资源消耗 does not make every power
        line an ecology project. A theme no goal uses takes its broader theme's shares, times 0.7.
        """
        if theme not in self._shares:
            self._shares[theme] = self._compute_shares(theme)
        return self._shares[theme]

    def _compute_shares(self, theme: str) -> tuple[str, float, list[tuple[Goal, float]]]:
        masses = {g.key: self._mass(g, theme) for g in self.doc.goals}
        total = sum(masses.values())
        broader = goal_themes.themes()[theme].broader
        prior_theme, prior_factor, prior = self.shares(broader) if broader else (theme, 0.0, [])
        if total == 0:
            return prior_theme, BROADER * prior_factor, [(g, BROADER * p) for g, p in prior]
        if broader is None or not prior:
            return theme, 1.0, [(g, masses[g.key] / total) for g in self.doc.goals if masses[g.key] > 0]
        p_prior = {g.key: p / prior_factor for g, p in prior}
        out = [(g, (masses[g.key] + SMOOTHING * p_prior.get(g.key, 0.0)) / (total + SMOOTHING)) for g in self.doc.goals]
        return theme, 1.0, [(g, p) for g, p in out if p > 0]

    # --- projects' side ---------------------------------------------------------------------------

    def _sources(self, p, parent=None) -> list[_Source]:
        doc = self.doc
        out = [_Source("name", NAME, p.key, p.name, self._hits_at(p.name, p.start))]
        if parent is not None:  # a component of a strategic project: that project's name is its category
            out.append(_Source("project", CATEGORY, parent.key, parent.name, self._hits_at(parent.name, parent.start)))
        if p.category:  # the box line's heading, printed before the project
            at = doc.text.rfind(p.category, max(0, p.start - 5000), p.start + len(p.category))
            out.append(_Source("category", CATEGORY, p.key, p.category, _hits(p.category, at if at >= 0 else None)))
        for node in reversed(self._headings(p.start)):
            out.extend(self._heading_sources(node))
        for a in p.sectors:
            if a.level == "default":  # no evidence of a sector: nothing to say about goals either
                continue
            hits = [Hit(a.sector.label, t, None, None) for t in _sector_themes(a)]
            out.append(_Source("sector", SECTOR, a.sector.id, a.sector.label, hits))
        return out

    def _heading_sources(self, node: Node) -> list[_Source]:
        """A heading's sources: its title and its opening sentence (the same for every project below it)."""
        if node.key in self._node_sources:
            return self._node_sources[node.key]
        out = []
        weight = HEADING_WEIGHT[node.kind]
        if node.title:
            kind = "box" if node.kind == "box" else "heading"
            out.append(_Source(kind, weight, node.key, node.heading, self._hits_at(node.title, node.start)))
        opening = next((c for c in node.children if c.kind == "paragraph"), None)
        if node.kind != "box" and opening is not None and opening is node.children[0]:
            text = self.doc.text[opening.start:opening.end]
            sentence = text[:m.end()] if (m := re.search(r"[。；]", text)) else text
            out.append(_Source("opening", weight * OPENING, opening.key, sentence,
                               goal_themes.find(sentence, opening.start)))
        self._node_sources[node.key] = out
        return out

    def _hits_at(self, text: str, near: int) -> list[Hit]:
        """Theme terms of a text printed at or after ``near`` (a name, a heading), with its offsets."""
        at = self.doc.text.find(text, near, near + len(text) + 500)  # its own place, not a later namesake
        return _hits(text, at if at >= 0 else None)

    def link(self, p, parent=None) -> list[GoalLink]:
        sources = self._sources(p, parent)
        totals, found = self._score(sources)
        specific = self._subgoal(p, sources)
        if specific is not None:
            sub, e = specific
            totals[sub.parent.key] = totals.get(sub.parent.key, 0.0) + e.contribution
        return self._rank(p, totals, found, specific)

    def _score(self, sources: list[_Source], summed: tuple[str, ...] = ()) -> tuple[dict, dict]:
        """Each goal's total over the sources, and what it was found on: in each source, its strongest
        term (in a source of a kind in ``summed``, a long text, every distinct term). Only the goals kept
        need their evidence written out (:meth:`_evidence`)."""
        totals: dict[str, float] = {}
        found: dict[str, list[tuple]] = {}
        for src in sources:
            for contribution, hit, theme, goal in self._strongest(src, src.kind in summed):
                totals[goal.key] = totals.get(goal.key, 0.0) + contribution
                found.setdefault(goal.key, []).append((src, hit, theme, goal, contribution))
        return totals, found

    def _strongest(self, src: _Source, every_term: bool) -> list[tuple]:
        """Each goal's strongest term in a source (every distinct term's), as (contribution, hit, theme, goal).
        A heading's source serves every project below it: its answer is kept on it."""
        if not every_term and src.strongest is not None:
            return src.strongest
        best: dict[tuple[str, str], tuple] = {}  # slot -> the first of its strongest
        for hit in src.hits:
            theme, contributions = self._contributions(hit.theme, src.weight)
            term = hit.term if every_term else ""
            for goal, contribution in contributions:
                slot = (goal.key, term)
                if slot not in best or contribution > best[slot][0]:
                    best[slot] = (contribution, hit, theme, goal)
        out = list(best.values())
        if not every_term:
            src.strongest = out
        return out

    def _evidence(self, found: list[tuple]) -> list[Evidence]:
        return [Evidence(src.kind, src.where, src.context, hit.term, hit.start, hit.end, theme,
                         self._mention(goal, theme), contribution)
                for src, hit, theme, goal, contribution in found]

    def _contributions(self, theme: str, weight: float) -> tuple[str, list[tuple[Goal, float]]]:
        """What a term of the theme in a source of this weight gives each goal (asked for every project)."""
        key = (theme, weight)
        if key not in self._contributed:
            quoted, _, shares = self.shares(theme)
            self._contributed[key] = quoted, [(goal, round(weight * share, 6)) for goal, share in shares]
        return self._contributed[key]

    def _rank(self, p, totals, found, specific: tuple[Goal, Evidence] | None) -> list[GoalLink]:
        if not totals:
            return []
        sub = specific[0] if specific else None
        order = {g.key: g for g in self.doc.goals}
        ranked = sorted(totals, key=lambda k: (-round(totals[k], 6), order[k].order))
        best = totals[ranked[0]]
        kept = [k for k in ranked if totals[k] >= max(KEEP_MIN, KEEP_SHARE * best)][:KEEP_MAX] or ranked[:1]
        path = [p.key] + [n.key for n in reversed(self._headings(p.start))]
        links = []
        for rank, key in enumerate(kept, start=1):
            evidence = self._evidence(found.get(key, []))
            if sub is not None and sub.parent.key == key:
                evidence.append(specific[1])
            ev = sorted(evidence, key=lambda e: (-e.contribution, _KIND_ORDER[e.kind], e.start or -1, e.term))
            goal = sub if sub is not None and sub.parent.key == key else order[key]
            links.append(GoalLink(goal, rank, round(totals[key], 3), ev, path,
                                  sector_only=all(e.kind == "sector" for e in ev)))
        return links

    # --- sub-goals -----------------------------------------------------------------------------------

    def roll_up(self, sub: Goal) -> tuple[Goal | None, list[Evidence]]:
        """The top goal a sub-goal serves: by its own text, then the headings above it."""
        doc = self.doc
        text = doc.text[sub.start:sub.end]
        sources = [_Source("name", NAME, sub.key, sub.title, goal_themes.find(text, sub.start))]
        for node in reversed(self._headings(sub.start)):
            if node.title:
                sources.append(_Source("heading", HEADING_WEIGHT[node.kind], node.key, node.heading,
                                       self._hits_at(node.title, node.start)))
        totals, found = self._score(sources, summed=("name",))
        if not totals:
            return None, []
        order = {g.key: g for g in doc.goals}
        key = min(totals, key=lambda k: (-round(totals[k], 6), order[k].order))
        return order[key], sorted(self._evidence(found[key]), key=lambda e: (-e.contribution, e.start or -1, e.term))

    def add_subgoal(self, sub: Goal) -> None:
        hits = goal_themes.find(self.doc.text[sub.start:sub.end], sub.start)
        # Only narrow themes: two texts that both speak of growth in general share no objective.
        self.sub_themes[sub.key] = {h.theme for h in hits if goal_themes.themes()[h.theme].broader}
        self.subgoals.append(sub)

    def _subgoal(self, p, sources: list[_Source]) -> tuple[Goal, Evidence] | None:
        """The innermost sub-goal above the project whose narrow themes the project's own words share."""
        chain = [n.key for n in self._headings(p.start)]
        own = [(src, h) for src in sources if src.kind in ("name", "category", "project", "box", "sector")
               for h in src.hits]
        for scope in reversed(chain):
            for sub in (s for s in self.subgoals if s.scope == scope):
                shared = [(src, h) for src, h in own if h.theme in self.sub_themes[sub.key]]
                if shared:
                    src, h = shared[0]
                    mention = GoalMention("title", sub.title, sub.title_start, sub.title_end)
                    return sub, Evidence("subgoal", sub.key, sub.title, h.term, h.start, h.end, h.theme, mention,
                                         SUBGOAL)
        return None


_KIND_ORDER = {"subgoal": 0, "name": 1, "category": 2, "project": 2, "box": 3, "heading": 4, "opening": 5, "sector": 6}


def _sector_themes(assignment) -> list[str]:
    """The themes a sector usually serves; of a sector of two trades (文化旅游), the one its words name."""
    usual = goal_themes.sector_themes().get(assignment.sector.id, ())
    named = {t for w in assignment.words for h in goal_themes.find(w) for t in lineage(h.theme)}
    return [t for t in usual if t in named] or list(usual)


def _hits(text: str, base: int | None) -> list[Hit]:
    """Theme terms of a text; without a place in the plan, without offsets."""
    if base is not None:
        return goal_themes.find(text, base)
    return [Hit(h.term, h.theme, None, None) for h in goal_themes.find(text)]
