"""Themes of development goals (``ontology/goal-themes.ttl``) and finding their terms in a text.

A term counts where it stands as a word of its own: terms are matched longest first, left to
right, so a longer term hides the shorter ones inside it (生活性服务业 is a service industry, not
生活), and each must begin and end where jieba puts a word boundary. Inside a long jieba word
(five characters or more: an indicator name the tokenizer was taught, an idiom) positions are not
held against a term, so what other plans taught the tokenizer does not change what is found.
A measure's denominator is not a theme of the text: 生产总值 in 万元生产总值能耗 or 占工业增加值的比重.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdflib import URIRef
from rdflib.namespace import SKOS

from . import lexicon, segment

THEME_BASE = "https://w3id.org/plankg/goal-theme/"
_LONG_WORD = 5
_PER = re.compile(r"(?:单位|每万元|万元|每百|每千|每万|人均)$")
_SHARE = re.compile(r"占[^，。；、]{1,20}?比重")


@dataclass(frozen=True)
class Theme:
    id: str  # growth, industry, health, ...
    label: str
    label_en: str
    broader: str | None
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    term: str
    theme: str
    start: int  # offsets in the text the caller's ``base`` refers to
    end: int


@lru_cache(maxsize=None)
def themes() -> dict[str, Theme]:
    graph = lexicon.vocabulary("goal-themes.ttl")
    keyword = URIRef(lexicon.PKG + "keyword")
    out = {}
    for concept in sorted(graph.subjects(SKOS.inScheme, None)):
        label = next(str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "zh")
        en = next(str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "en")
        broader = next((_local(o) for o in graph.objects(concept, SKOS.broader)), None)
        words = tuple(sorted(str(o) for o in graph.objects(concept, keyword)))
        out[_local(concept)] = Theme(_local(concept), label, en, broader, words)
    return out


@lru_cache(maxsize=None)
def sector_themes() -> dict[str, tuple[str, ...]]:
    """The themes a responsible sector usually serves: sector id -> theme ids."""
    graph = lexicon.vocabulary("goal-themes.ttl")
    out: dict[str, list[str]] = {}
    for s, o in graph.subject_objects(URIRef(lexicon.PKG + "usualGoalTheme")):
        out.setdefault(_local(s), []).append(_local(o))
    return {k: tuple(sorted(v)) for k, v in out.items()}


@lru_cache(maxsize=None)
def lineage(theme: str) -> tuple[str, ...]:
    """The theme and its broader themes, narrowest first."""
    out = []
    while theme and theme not in out:
        out.append(theme)
        theme = themes()[theme].broader
    return tuple(out)


@lru_cache(maxsize=None)
def _terms() -> dict[str, tuple[str, ...]]:
    """First character -> the terms starting with it, longest first; and term -> theme."""
    by_first: dict[str, list[str]] = {}
    for term in term_themes():
        by_first.setdefault(term[0], []).append(term)
    return {c: tuple(sorted(ts, key=lambda t: (-len(t), t))) for c, ts in by_first.items()}


@lru_cache(maxsize=None)
def term_themes() -> dict[str, str]:
    out: dict[str, str] = {}
    for theme in themes().values():
        for word in theme.keywords:
            out.setdefault(word, theme.id)  # a term in two themes: the first in id order (a test forbids it)
    return out


def find(text: str, base: int = 0) -> list[Hit]:
    """The theme terms of ``text`` as words in context, with offsets ``base + i``."""
    return [Hit(term, theme, base + start, base + end) for term, theme, start, end in _find(text)]


@segment.per_vocabulary
def _find(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """The theme terms of ``text`` with their offsets in it (the same texts are asked about often)."""
    seg = segment.Segmentation(text)  # cuts only the blocks where a term is printed

    def word_edge(k: int) -> bool:  # a boundary, or inside a long word
        return k in seg or seg.inside_word(k, _LONG_WORD)

    starts, themes_of = _terms(), term_themes()
    shares = [(m.start(), m.end()) for m in _SHARE.finditer(text)]
    out, i = [], 0
    while i < len(text):
        match = None
        printed = [t for t in starts.get(text[i], ()) if text.startswith(t, i)]
        if printed and word_edge(i):
            match = next((t for t in printed if word_edge(i + len(t))), None)
        if match is None:
            i += 1
            continue
        end = i + len(match)
        denominator = _PER.search(text[max(0, i - 3):i]) or any(s < i and end <= e for s, e in shares)
        if not denominator:
            out.append((match, themes_of[match], i, end))
        i = end
    return tuple(out)


def _local(iri) -> str:
    return str(iri).rsplit("/", 1)[-1]
