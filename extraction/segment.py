"""Word segmentation with jieba, taught the words of our own lexicons.

One tokenizer per process, built on jieba's dictionary plus the unit words (and, as
they are read, the indicator names of the plan at hand), so that 万元生产总值能耗 or
固定宽带用户普及率 stay whole where jieba alone would cut them.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

import jieba

from . import lexicon

jieba.setLogLevel(logging.WARNING)
_lock = threading.Lock()


@lru_cache(maxsize=None)
def tokenizer() -> jieba.Tokenizer:
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in lexicon.units():
        if len(word) > 1:
            tk.add_word(word, freq=20000, tag="q")
    return tk


def add_words(words) -> None:
    """Teach the tokenizer words found in the plan itself (indicator names)."""
    tk = tokenizer()
    with _lock:
        for word in words:
            if 1 < len(word) <= 20:
                tk.add_word(word, freq=2000)


def words(text: str) -> list[str]:
    return tokenizer().lcut(text)



def search_tokens(text: str) -> list[tuple[str, int, int]]:
    """Words at every granularity jieba knows (城镇新增就业人数 and 城镇, 新增, 就业, 人数)."""
    return list(tokenizer().tokenize(text, mode="search"))


def boundaries(text: str) -> frozenset[int]:
    """Offsets in ``text`` where jieba puts a word boundary (its start and end included)."""
    out = {0, len(text)}
    for _, start, end in tokenizer().tokenize(text):
        out.add(start)
        out.add(end)
    return frozenset(out)
