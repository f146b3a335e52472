"""The lexicons are general: each entry occurs in at least two of the shared plans, or carries a rule.

A word found in one plan only is tuned to that plan unless a rule written next to it says why it
belongs to the genre ("# rule: …" after the word in a .txt lexicon; a "# rule: …" line right
above its own pkg:keyword statement in sectors.ttl).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from plankg.extraction.lexicon import ontology_file

from support import PLANS

LEXICONS = ["project-heads.txt", "measure-heads.txt", "measure-openers.txt", "construction-verbs.txt",
            "unnamed-quantities.txt", "not-heads.txt", "review-headings.txt", "target-actions.txt"]


@lru_cache(maxsize=None)
def plan_texts() -> tuple[str, ...]:
    texts = tuple(p.read_text(encoding="utf-8", errors="replace") for p in sorted(PLANS.glob("*"))
                  if p.suffix in (".md", ".txt") and p.name != "README.md")
    if len(texts) < 2:
        pytest.skip(f"{PLANS}: fewer than two shared plans to check the lexicons against")
    return texts


def plans_with(word: str) -> int:
    return sum(word in text for text in plan_texts())


def txt_entries(name: str) -> list[tuple[str, bool]]:
    """(word, has a rule) for each entry of a one-word-a-line lexicon."""
    out = []
    with open(ontology_file(f"lexicon/{name}"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            word, _, note = line.partition("#")
            out.append((word.strip(), note.strip().startswith("rule:")))
    return out


def keyword_entries() -> list[tuple[str, bool]]:
    """(keyword, has a rule) for each pkg:keyword of sectors.ttl."""
    out, rule = [], False
    with open(ontology_file("sectors.ttl"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("# rule:"):
                rule = True
                continue
            if "pkg:keyword" in line:
                out.extend((w, rule) for w in re.findall(r'"([^"]+)"@zh', line.split("pkg:keyword", 1)[1]))
            rule = False
    return out


@pytest.mark.parametrize("name", LEXICONS)
def test_every_lexicon_entry_occurs_in_two_plans_or_has_a_rule(name):
    entries = txt_entries(name)
    assert entries
    alone = [w for w, ruled in entries if not ruled and plans_with(w) < 2]
    assert not alone, f"{name}: entries found in fewer than two shared plans and with no '# rule:' note: {alone}"


def test_every_sector_keyword_occurs_in_two_plans_or_has_a_rule():
    entries = keyword_entries()
    assert len(entries) > 100
    alone = [w for w, ruled in entries if not ruled and plans_with(w) < 2]
    assert not alone, f"sectors.ttl: keywords found in fewer than two shared plans and with no rule: {alone}"


def test_the_check_catches_a_word_of_one_plan():
    assert plans_with("流浸膏") < 2  # a word of the sample only: it would fail the checks above
