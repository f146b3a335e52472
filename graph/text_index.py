"""Which paragraphs' text contains a word: an in-memory index of the text of a read-only store.

The search query (named-query header ``text index: paragraph contains needle``) filters every paragraph
of every plan with ``CONTAINS``: on the on-disk store that scan reads every text, ~0.13 s on 100 plans
even for a word found nowhere. The index holds each subject's ``pkg:text`` in one string, which Python
searches in milliseconds; the store then writes the candidates into the query as a ``VALUES`` block
(queries/named.py ``values_text``) and Oxigraph reads only those paragraphs. The query keeps its own
``CONTAINS``: the index narrows the rows, the query decides them, so the answer is the scan's
(tests/test_text_index.py).

As with the plans kept in memory (graph/plan_memory.py), only a server's read-only workers build it:
on the second search, not the first (~0.9 s and ~20 MB on 100 plans); never when the texts exceed
``MAX_CHARS``; and a word found in more than ``MAX_CANDIDATES`` subjects is left to the scan, which
is as fast then. The store's snapshot never changes under a read-only store, nor then the index.
"""

from __future__ import annotations

from bisect import bisect_right

TEXT = "https://w3id.org/plankg/ontology#text"
MAX_CHARS = 64_000_000  # ~130 MB of text held: beyond, the scan stays (about 1,000 plans like the sample hold 70 M)
MAX_CANDIDATES = 1000  # subjects written into one query; more, and the scan is as fast


class TextIndex:
    def __init__(self, store, max_candidates: int = MAX_CANDIDATES, max_chars: int = MAX_CHARS) -> None:
        self.store = store  # a read-only pyoxigraph store
        self.max_candidates, self.max_chars = max_candidates, max_chars
        self.reads = 0
        self.subjects: list[str] | None = None  # built: each subject's IRI, in the order of the texts
        self.starts: list[int] = []  # where each subject's text starts in ``joined``
        self.joined = ""  # every text, each followed by a NUL
        self.given_up = ""  # why there is no index (too large, a blank node), once found

    def candidates(self, needle: str) -> list[str] | None:
        """The IRIs, sorted, of the subjects whose text contains ``needle``; None where the index cannot say
        (not built yet, given up, or more than ``max_candidates`` subjects): the query then scans."""
        self.reads += 1
        if self.subjects is None:
            if self.given_up or self.reads < 2:  # built on its second use: a one-off search costs no index
                return None
            self._build()
            if self.subjects is None:
                return None
        if not needle:
            return None  # every text contains it
        found: set[str] = set()
        at = self.joined.find(needle)
        while at >= 0:
            k = bisect_right(self.starts, at) - 1
            found.add(self.subjects[k])
            if len(found) > self.max_candidates:
                return None
            # The next match in a later text: this one is counted (a NUL in the needle may span two:
            # then a candidate too many, which the query's own CONTAINS drops).
            at = self.joined.find(needle, self.starts[k + 1] if k + 1 < len(self.starts) else len(self.joined))
        return sorted(found)

    def _build(self) -> None:
        import pyoxigraph as ox

        subjects, starts, texts, size = [], [], [], 0
        for q in self.store.quads_for_pattern(None, ox.NamedNode(TEXT), None, None):
            if not isinstance(q.subject, ox.NamedNode):
                self.given_up = "a text of a blank node (a VALUES block cannot name it)"
                return
            text = q.object.value
            subjects.append(q.subject.value)
            starts.append(size)
            texts.append(text)
            size += len(text) + 1
            if size > self.max_chars:
                self.given_up = f"more than {self.max_chars:,} characters of text"
                return
        texts.append("")  # a NUL after the last text as after every other
        self.joined, self.starts, self.subjects = "\0".join(texts), starts, subjects
