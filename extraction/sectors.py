"""Responsible sectors, inferred from the SKOS scheme in ``ontology/sectors.ttl``.

Plans rarely say which department carries a project. The evidence, strongest first:
1. an explicit statement: a department's name in the project's own text (公安局), or the
   sectors an annex project says it is made of (由水利、林业、畜牧3个项目组成);
2. the sector keywords in the project's name;
3. in the category of its box line (纺织服装项目), the box's title, then the headings
   of the section, chapter and part it sits in.
The first level that gives any evidence decides; within it, the sector whose keywords
cover most characters wins (ties keep all). Every assignment records its level and words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdflib.namespace import SKOS

from . import lexicon
from .model import Document

PKG_KEYWORD = lexicon.PKG + "keyword"


@dataclass(frozen=True)
class Sector:
    id: str  # local name in the scheme: transport, water, ...
    label: str  # 交通
    label_en: str
    names: tuple[str, ...]  # prefLabel and altLabels (@zh)
    departments: tuple[str, ...]  # altLabels: a department's name in a project's text is an explicit statement
    keywords: tuple[str, ...]


@dataclass
class SectorAssignment:
    sector: Sector
    level: str  # explicit, name, category, box, heading
    words: list[str]  # the words that decided it
    text: str  # the text they were found in


@lru_cache(maxsize=None)
def sectors() -> tuple[Sector, ...]:
    from rdflib import URIRef

    graph = lexicon.vocabulary("sectors.ttl")
    out = []
    for concept in sorted(graph.subjects(SKOS.inScheme, None)):
        zh = lexicon.zh_labels(graph, concept)
        pref = next(str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "zh")
        en = next((str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "en"), pref)
        # Sorted: a graph yields its objects in hash order, and these orders reach the output.
        keywords = tuple(sorted(str(o) for o in graph.objects(concept, URIRef(PKG_KEYWORD))))
        departments = tuple(sorted(str(o) for o in graph.objects(concept, SKOS.altLabel) if o.language == "zh"))
        out.append(Sector(str(concept).rsplit("/", 1)[-1], pref, en, tuple(zh), departments, keywords))
    return tuple(out)


def sector_by_word(word: str) -> Sector | None:
    """The sector a single word names: 水利, 林业, 畜牧 (as in 由水利、林业、畜牧3个项目组成)."""
    for s in sectors():
        if word in s.names or any(name.startswith(word) for name in s.names):
            return s
    return next((s for s in sectors() if word in s.keywords), None)


def extract_sectors(doc: Document) -> None:
    """Pipeline component: give every project (and component) its sectors, with the reason."""
    by_keywords = lru_cache(maxsize=None)(_by_keywords)  # a heading is read once for all the projects below it
    for project in doc.projects:
        for p in [project] + project.components:
            p.sectors = assign(doc, p, by_keywords)


def assign(doc: Document, project, by_keywords=None) -> list[SectorAssignment]:
    explicit = [SectorAssignment(s, "explicit", [w], f"由{'、'.join(project.declared_component_words)}组成")
                for w in project.declared_component_words if (s := sector_by_word(w))]
    own_text = doc.text[project.start:project.end]
    explicit += [SectorAssignment(s, "explicit", [name], project.name) for s in sectors()
                 for name in s.departments if name in own_text]
    if explicit:
        return _unique(explicit)
    for level, text in _evidence_texts(doc, project):
        found = (by_keywords or _by_keywords)(text)
        if found:
            return [SectorAssignment(s, level, list(words), text) for s, words in found]
    fallback = next(s for s in sectors() if s.id == "development-reform")
    return [SectorAssignment(fallback, "default", [], "no sector keyword anywhere on its path: the planning office")]


def _evidence_texts(doc: Document, project):
    yield "name", project.name + "".join(" " + c.name for c in project.components)
    if project.category:
        yield "category", project.category
    chain = doc.container_of(project.start, kinds=("box", "section", "chapter", "part", "annex"))
    for node in reversed(chain):
        if node.title:
            yield ("box" if node.kind == "box" else "heading"), node.title


@lru_cache(maxsize=None)
def _any_keyword() -> tuple[tuple[Sector, re.Pattern], ...]:
    """Each sector with a pattern of its keywords: most texts hold none of most sectors' keywords."""
    return tuple((s, re.compile("|".join(re.escape(k) for k in s.keywords) or "(?!)")) for s in sectors())


def _by_keywords(text: str) -> list[tuple[Sector, list[str]]]:
    scored = []
    for s, any_keyword in _any_keyword():
        if not any_keyword.search(text):
            continue
        words = [k for k in s.keywords if k in text]
        # A keyword inside a longer keyword of the same sector counts once (供热 in 集中供热).
        words = [w for w in words if not any(w != o and w in o for o in words)]
        if words:
            scored.append((sum(len(w) for w in words), s, words))
    if not scored:
        return []
    best = max(score for score, _, _ in scored)
    return [(s, words) for score, s, words in scored if score == best]


def _unique(assignments: list[SectorAssignment]) -> list[SectorAssignment]:
    seen, out = set(), []
    for a in assignments:
        if a.sector.id not in seen:
            seen.add(a.sector.id)
            out.append(a)
    return out
