"""The text index kept beside an embedded store: which paragraphs' text contains a word, from disk.

The search query (named-query header ``text index: paragraph contains needle``) filters every ``pkg:text``
of the store with ``CONTAINS``: from disk that scan reads every text (~0.1 s on 100 plans, ~1 s on
1,000), whatever the word. The store's writer therefore keeps every ``pkg:text`` in an SQLite file in
the store's folder (``FILE``), with an FTS5 trigram index that finds the texts holding a word of three
characters or more in a millisecond (shorter words: SQLite scans the texts, ~30 ms on 100 plans). The
store then writes the candidates into the query as a ``VALUES`` block, as for the in-memory index
(graph/text_index.py); the query keeps its own ``CONTAINS``, so the index narrows the rows and the
query decides them.

An index that missed a text would drop rows silently, so a reader uses it only when it matches the
store generation the reader opened (graph/stores.py ``GENERATION_FILE``), checked in the same SQLite
read as the candidates:

- before the store's writer changes the store, it marks the index unmatched (``invalidate``);
- after the write is durable and the new generation stamped, it brings the index up to date, the
  graphs it wrote (``sync``) or, when the index did not match before, every text of the store, and
  records the new stamp in the same transaction. A SPARQL Update cannot name the graphs it changes: the
  index then stays out of date, and searches scan, until the next ``plankg load`` or ``plankg compact``.

A reader that opened the store before a write holds the old stamp, which the index no longer records:
it scans, until it reopens the store. A store last written by a plankg without this index has no
matching index either. As for the stamp, which readers rely on to see any write at all, plankg is to be
the store's only writer: a write by another tool changes neither (remove the index file after one; the
next plankg write rebuilds it). A subject that is a blank node (a ``VALUES`` block cannot name it), or a
text with a NUL in it, makes the index unusable while it is there.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

FILE = "plankg-text.sqlite"
TEXT = "https://w3id.org/plankg/ontology#text"
MAX_CANDIDATES = 1000  # subjects written into one query; more, and the scan is as fast
TRIGRAM = 3  # characters the FTS5 trigram index needs in a word

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS texts (id INTEGER PRIMARY KEY, graph TEXT NOT NULL, subject TEXT, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS texts_graph ON texts (graph);
CREATE INDEX IF NOT EXISTS texts_blank ON texts (id) WHERE subject IS NULL;
"""
# The words index, where SQLite has FTS5 with its trigram tokenizer (3.34 on); without it, texts are scanned.
_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5 (text, content='texts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS texts_added AFTER INSERT ON texts BEGIN "
    "INSERT INTO words (rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS texts_removed AFTER DELETE ON texts BEGIN "
    "INSERT INTO words (words, rowid, text) VALUES ('delete', old.id, old.text); END",
)
_DROP_WORDS = ("DROP TRIGGER texts_added", "DROP TRIGGER texts_removed", "DROP TABLE words")
_INSERT = "INSERT INTO texts (graph, subject, text) VALUES (?, ?, ?)"


class TextIndexFile:
    """A reader's view of the index: ``candidates`` as graph/text_index.py's ``TextIndex`` answers them."""

    def __init__(self, folder: str | Path, stamp: str | None, max_candidates: int = MAX_CANDIDATES):
        self.path = Path(folder) / FILE
        self.stamp = stamp  # the store generation the reader opened
        self.max_candidates = max_candidates
        self._conn: sqlite3.Connection | None = None

    def matches(self) -> bool:
        """Whether the index matches the reader's generation now (a writer may change that at any time)."""
        if self.stamp is None:
            return False
        try:
            conn = self._connect()
            return conn is not None and _generation(conn) == self.stamp
        except (sqlite3.Error, ValueError, OSError):
            return False

    def candidates(self, needle: str) -> list[str] | None:
        """The IRIs, sorted, of the subjects whose text contains ``needle``; None where the index cannot say
        (no index, not this generation's, a blank node, or more than ``max_candidates`` subjects)."""
        if not needle or "\0" in needle or self.stamp is None:
            return None
        try:
            conn = self._connect()
            if conn is None:
                return None
            conn.execute("BEGIN")  # the stamp and the texts read from one snapshot of the file
            try:
                if _generation(conn) != self.stamp or conn.execute(
                        "SELECT 1 FROM texts WHERE subject IS NULL LIMIT 1").fetchone():
                    return None
                if len(needle) >= TRIGRAM and _has_words(conn):
                    found = conn.execute(
                        "SELECT DISTINCT t.subject FROM words JOIN texts t ON t.id = words.rowid "
                        "WHERE words MATCH ? LIMIT ?", (_phrase(needle), self.max_candidates + 1)).fetchall()
                else:
                    found = conn.execute("SELECT DISTINCT subject FROM texts WHERE instr(text, ?) > 0 LIMIT ?",
                                         (needle, self.max_candidates + 1)).fetchall()
            finally:
                conn.execute("ROLLBACK")
        except (sqlite3.Error, ValueError, OSError):  # unreadable, locked, damaged: the query scans
            return None
        if len(found) > self.max_candidates:
            return None
        return sorted(s for (s,) in found)

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            if not self.path.exists():
                return None
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                         check_same_thread=False)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class TextIndexWriter:
    """The store writer's side: ``invalidate`` before each batch of writes, ``sync`` once it is stamped."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / FILE
        self._conn: sqlite3.Connection | None = None
        self.matched_before: bool | None = None  # set by invalidate: whether the index matched the old stamp
        self.timeout = 5.0  # seconds a write waits for another connection's lock on the file

    def invalidate(self, stamp: str | None) -> None:
        """Before the store is written: readers stop using the index. Raises sqlite3.Error if it cannot
        be marked (the caller refuses the write rather than leave an index that would drop rows)."""
        if not self.path.exists():
            self.matched_before = False
            return
        conn = self._connect()
        with conn:
            matched = stamp is not None and _generation(conn) == stamp
            conn.execute("DELETE FROM meta WHERE key = 'generation'")
        self.matched_before = matched  # once the mark is on disk

    def sync(self, store, previous: str | None, stamp: str, graphs: set[str] | None) -> bool:
        """After the batch is stamped ``stamp``: the texts of ``graphs`` read again from ``store`` (a
        pyoxigraph Store), or of every graph where the index did not match ``previous``; then the index
        records ``stamp``. Where the batch cannot name its graphs (``None``: a SPARQL Update) the index
        stays out of date, and searches scan, until a write that names them, or ``plankg compact``,
        rebuilds it: a rebuild reads every text (~3.4 s on 100 plans), too long for a request.
        Whether the index matches ``stamp`` now."""
        import pyoxigraph as ox

        matched = self.matched_before
        self.matched_before = None
        if graphs is None:
            return False
        conn = self._connect()
        with conn:
            if matched is None:  # no write in the batch (a compaction): the index is what it was
                matched = previous is not None and _generation(conn) == previous
                graphs = set()
            conn.execute("DELETE FROM meta WHERE key = 'generation'")  # and the transaction begins
            text = ox.NamedNode(TEXT)
            if matched:  # each graph's rows that differ (a plan loaded again: its texts are the same)
                for g in sorted(graphs):
                    held = {}
                    for row_id, *row in conn.execute("SELECT id, graph, subject, text FROM texts WHERE graph = ?", (g,)):
                        held.setdefault(tuple(row), []).append(row_id)
                    now = set(_rows(store.quads_for_pattern(None, text, None, _graph_node(g))))
                    conn.executemany("DELETE FROM texts WHERE id = ?",
                                     [(i,) for row, ids in held.items() for i in (ids if row not in now else ids[1:])])
                    conn.executemany(_INSERT, sorted(now.difference(held)))
            else:  # every text, then the words index built from them at once (4× faster than row by row)
                has_words = _has_words(conn)
                for statement in _DROP_WORDS if has_words else ():
                    conn.execute(statement)
                conn.execute("DELETE FROM texts")
                conn.executemany(_INSERT, _rows(store.quads_for_pattern(None, text, None, None)))
                if has_words:
                    for statement in _FTS:
                        conn.execute(statement)
                    conn.execute("INSERT INTO words (words) VALUES ('rebuild')")
            conn.execute("INSERT INTO meta (key, value) VALUES ('generation', ?)", (stamp,))
        return True

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer, nor it for them
            conn.executescript(_SCHEMA)
            try:  # the words table and its triggers together, or neither: words missing a text would drop rows
                conn.execute("BEGIN")
                if not _has_words(conn):
                    for statement in _FTS:
                        conn.execute(statement)
                    # Texts written where SQLite had no trigram tokenizer are in the words index too.
                    conn.execute("INSERT INTO words (words) VALUES ('rebuild')")
                conn.execute("COMMIT")
            except sqlite3.OperationalError:  # no FTS5 or no trigram tokenizer here: texts are scanned
                conn.rollback()
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _rows(quads):
    """(graph, subject, text) of each quad: the default graph as "", and no subject (None) where the index
    cannot stand for the text: a blank node, or a NUL in the text (SQLite's text functions stop there)."""
    import pyoxigraph as ox

    for q in quads:
        if not isinstance(q.object, (ox.Literal, ox.NamedNode)):
            continue  # STR() of a blank node or a triple term is an error: no CONTAINS holds
        text = q.object.value
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) and "\0" not in text else None
        yield graph_key(q.graph_name), subject, text


def graph_key(name) -> str:
    import pyoxigraph as ox

    return name.value if isinstance(name, ox.NamedNode) else ""


def _graph_node(key: str):
    import pyoxigraph as ox

    return ox.NamedNode(key) if key else ox.DefaultGraph()


def _generation(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return row[0] if row else None


def _has_words(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'words'").fetchone() is not None


def _phrase(needle: str) -> str:
    """The needle as one FTS5 phrase: the texts that hold it as a substring (trigram tokenizer)."""
    return '"' + needle.replace('"', '""') + '"'
