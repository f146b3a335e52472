"""Extraction's shortcuts (issue 19) skip only work whose answer is already known: each is checked
here against the plain computation, on small texts and on the real plans."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from plankg.extraction import narrative, sectors
from plankg.extraction.pipeline import read

from support import shared_plan

PLANS = ["tacheng-13th-fyp.txt", "national-14th.md", "yunnan-10th.txt"]


@lru_cache(maxsize=None)
def _doc(name: str):
    return read(shared_plan(name))


def _paragraphs(doc) -> list[str]:
    return [doc.text[n.start:n.end] for n in doc.outline.walk() if n.kind == "paragraph"]


# --- narrative: a subject's coverage of a name ------------------------------------------------------------

def _full_score(subject: str, name: str) -> float:
    """match_score as its docstring states it, both coverages always worked out."""
    if subject == name:
        return 1.0
    forward, missed_in_subject = narrative._coverage(subject, name)
    backward, missed_in_name = narrative._coverage(name, subject)
    if (missed_in_subject >= 2 and missed_in_name >= 2) or forward < 0.75:
        return 0.0
    return min(forward, backward)


def test_match_score_of_the_docstrings_examples():
    assert narrative.match_score("城乡居民养老保险参保率", "城乡居民基本养老保险参保率") >= 0.7
    assert narrative.match_score("绿洲森林覆盖率", "森林覆盖率") == 0.0  # the subject qualifies the name
    assert narrative.match_score("城镇基本医疗保险参保率", "城乡居民基本养老保险参保率") < 0.7  # another indicator


@pytest.mark.parametrize("name", PLANS)
def test_match_score_stops_early_only_where_the_full_formula_gives_nothing(name):
    names = sorted({n for t in _doc("tacheng-13th-fyp.txt").tables if t.kind == "plan"
                    for i in t.indicators for n in (i.name, i.label)})
    subjects = sorted({t.subject for t in _doc(name).targets})
    assert len(names) > 20 and len(subjects) > 20
    scores = [(s, n, narrative.match_score(s, n)) for s in subjects for n in names]
    assert [(s, n, _full_score(s, n)) for s, n, _ in scores] == scores
    assert any(score >= 0.7 for _, _, score in scores)


# --- narrative: a quantity needs a digit ------------------------------------------------------------------

def test_the_grammar_reads_printed_digits_only():
    grammar = narrative._grammar()
    assert grammar.search("城镇化率达到60%")
    assert grammar.search("城镇化率达到６０％") and narrative._DIGIT.search("６０")  # \d: any decimal digit, in both
    assert grammar.search("城镇化率达到六成") is None


@pytest.mark.parametrize("name", PLANS)
def test_no_clause_without_a_digit_holds_a_quantity(name):
    clauses = [c for p in _paragraphs(_doc(name)) for c in re.split(r"[，,；;：:。！？!?]", p)]
    without = [c for c in clauses if not re.search(r"\d", c)]
    assert len(without) > 100
    assert [c for c in without if narrative._grammar().search(c)] == []


# --- sectors: a sector's keywords are looked for where one of them is printed -----------------------------

def test_a_keyword_pattern_is_found_where_a_keyword_is():
    water = next(s for s in sectors.sectors() if s.id == "water")
    pattern = dict((s.id, p) for s, p in sectors._any_keyword())["water"]
    assert "水利" in water.keywords and pattern.search("建设大型水利枢纽工程")
    assert pattern.search("建设高速公路") is None


@pytest.mark.parametrize("name", PLANS)
def test_keyword_patterns_agree_with_looking_for_every_keyword(name):
    doc = _doc(name)
    texts = [p.name for p in doc.projects] + [n.title for n in doc.outline.walk() if n.title] + _paragraphs(doc)
    for s, pattern in sectors._any_keyword():
        assert [t for t in texts if pattern.search(t)] == [t for t in texts if any(k in t for k in s.keywords)], s.id
