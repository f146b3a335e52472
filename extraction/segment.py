"""Word segmentation with jieba, taught the words of our own lexicons.

One tokenizer per process, built on jieba's dictionary plus the unit words (and, as
they are read, the indicator names of the plan at hand), so that 万元生产总值能耗 or
固定宽带用户普及率 stay whole where jieba alone would cut them.
"""

from __future__ import annotations

import bisect
import logging
import threading
from functools import lru_cache, wraps

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
    _base[:] = [dict(tk.FREQ), tk.total, dict(tk.user_word_tag_tab)]
    return tk


_base: list = []  # the tokenizer's vocabulary before any plan taught it words: FREQ, total, tags
_plan_taught = False  # whether the plan at hand (or one before it) taught words


def new_plan() -> None:
    """Forget the words earlier plans taught: a plan is cut with the base vocabulary and its own words,
    so it gives the same graph whatever the process read before. (Each taught word also adds to jieba's
    total frequency, which over many plans would shift every later cut.)"""
    global _taught, _plan_taught
    tk = tokenizer()
    with _lock:
        if _plan_taught:
            freq, total, tags = _base
            tk.FREQ, tk.total, tk.user_word_tag_tab = dict(freq), total, dict(tags)
            _plan_taught = False
            _taught += 1  # cuts made before are stale


def add_words(words) -> None:
    """Teach the tokenizer words found in the plan itself (indicator names), until the next plan."""
    global _taught, _plan_taught
    tk = tokenizer()
    with _lock:
        for word in words:
            if 1 < len(word) <= 20:
                tk.add_word(word, freq=2000)
        _plan_taught = True
        _taught += 1  # cuts made before are stale


_taught = 0
_MEMO_SIZE = 50_000


def per_vocabulary(fn):
    """Remember ``fn(text)``, which depends on jieba's cut, until the tokenizer learns words.

    Components ask about the same short texts many times (a goal's words, once for every project
    that may serve it): each is cut once per vocabulary, and the answer is what a fresh cut gives.
    """
    memo: dict[str, object] = {}
    state = [_taught]

    @wraps(fn)
    def remembered(text: str):
        taught = _taught
        if state[0] != taught:
            memo.clear()
            state[0] = taught
        value = memo.get(text, memo)  # the memo itself stands for "not there"
        if value is memo:
            value = fn(text)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            if state[0] == taught == _taught:  # not cut while another thread taught words
                memo[text] = value
        return value

    return remembered


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


class Segmentation:
    """jieba's word boundaries in one text, each block cut once, when first asked about.

    jieba cuts every run of Han characters, letters and digits (a block) on its own, and
    splits everything else character by character (a CR LF pair, whitespace runs aside), so a
    boundary inside a block needs that block's cut alone. ``offset in segmentation`` answers as
    ``offset in boundaries(text)`` does, cutting only the blocks asked about: a component that
    checks a few candidate words (place names) does not segment the whole plan, and every
    component asking about the same text shares the cuts (:func:`of`).
    """

    def __init__(self, text: str):
        self.text = text
        self._spans: list[tuple[int, int]] | None = None  # found when first asked about: often never
        self._starts: list[int] = []
        self._cuts: dict[int, frozenset[int]] = {}
        self._long: dict[tuple[int, int], frozenset[int]] = {}
        self._taught = _taught

    def __contains__(self, offset: int) -> bool:
        if offset <= 0 or offset >= len(self.text):
            return offset in (0, len(self.text))
        i = self._block_at(offset)
        if i < 0:
            # Outside a block or at its edge: a boundary, but between the CR and LF of a line end.
            return self.text[offset - 1:offset + 1] != "\r\n"
        return offset in self._cut(i)

    def _block_at(self, offset: int) -> int:
        """The index of the block ``offset`` lies strictly inside, or -1."""
        if self._spans is None:
            self._spans = [m.span() for m in jieba.re_han_default.finditer(self.text)]
            self._starts = [a for a, _ in self._spans]
        i = bisect.bisect_right(self._starts, offset) - 1
        return i if i >= 0 and self._spans[i][0] < offset < self._spans[i][1] else -1

    def inside_word(self, offset: int, length: int) -> bool:
        """Whether ``offset`` lies strictly inside a word of at least ``length`` characters (length > 2:
        only blocks hold such words)."""
        i = self._block_at(offset)
        if i < 0:
            return False
        self._cut(i)  # drops both caches if the tokenizer learnt words since
        inside = self._long.get((i, length))
        if inside is None:
            inside, pos = set(), self._spans[i][0]
            for word in _block_words(self.text[self._spans[i][0]:self._spans[i][1]]):
                if len(word) >= length:
                    inside.update(range(pos + 1, pos + len(word)))
                pos += len(word)
            inside = self._long[(i, length)] = frozenset(inside)
        return offset in inside

    def _cut(self, i: int) -> frozenset[int]:
        if self._taught != _taught:  # the tokenizer learnt words since: cut again
            self._cuts.clear()
            self._long.clear()
            self._taught = _taught
        cut = self._cuts.get(i)
        if cut is None:
            start, end = self._spans[i]
            offsets, pos = set(), start
            for word in _block_words(self.text[start:end]):
                pos += len(word)
                offsets.add(pos)
            cut = self._cuts[i] = frozenset(offsets)
        return cut


@per_vocabulary
def _block_words(block: str) -> tuple[str, ...]:
    """jieba's words of one block, shared by every text that holds the block."""
    return tuple(tokenizer().cut(block))


def of(text: str) -> Segmentation:
    """The shared segmentation of ``text`` (the plan being read): made once, cut as asked."""
    global _shared
    if _shared is None or _shared.text is not text:
        _shared = Segmentation(text)
    return _shared


_shared: Segmentation | None = None
