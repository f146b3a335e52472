"""The text index kept beside an embedded store (graph/text_index_file.py): the candidates it gives, that
every write leaves it holding exactly the store's texts, and that a reader never uses it for another
generation of the store than the one it opened."""

import sqlite3
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from plankg import sample_plan_path
from plankg.cli import load_plans
from plankg.graph.stores import OxigraphStore, StoreError
from plankg.graph.text_index_file import FILE, TEXT, TextIndexFile
from plankg.queries.named import catalogue

from support import REPO, read_only_store, run_cli, shared_plan

PKG = "https://w3id.org/plankg/ontology#"
# Written by hand: which texts hold which words is read off here.
TRIG = """
@prefix pkg: <https://w3id.org/plankg/ontology#> .
<urn:g:1> { <urn:p:1> pkg:text "森林覆盖率达到百分之三十" . <urn:p:2> pkg:text "水资源 Water \\"quoted\\"" . }
<urn:g:2> { <urn:p:3> pkg:text "森林" . <urn:p:4> pkg:text "覆盖" . }
"""


def store_texts(store) -> list[tuple]:
    """(graph, subject, text) of every pkg:text the store holds, sorted."""
    return sorted((q.graph_name.value, q.subject.value, q.object.value)
                  for q in store.store.quads_for_pattern(None, ox.NamedNode(TEXT), None, None))


def index_texts(path) -> list[tuple]:
    with sqlite3.connect(path / FILE) as conn:
        return sorted(conn.execute("SELECT graph, subject, text FROM texts").fetchall())


def text_of(subject: str, text: str) -> Graph:
    """A graph of one paragraph's text."""
    g = Graph()
    g.add((URIRef(subject), URIRef(PKG + "text"), Literal(text)))
    return g


def fresh_candidates(path, needle: str):
    """The candidates a reader that opens the store now gets from the index beside it."""
    reader = OxigraphStore(path, read_only=True)
    try:
        return reader.stored_texts.candidates(needle)
    finally:
        reader.close()


def drop_words_index(path) -> None:
    """The index file as a plankg whose SQLite has no FTS5 trigram tokenizer writes it: texts, no words."""
    with sqlite3.connect(path / FILE) as conn:
        for statement in ("DROP TRIGGER texts_added", "DROP TRIGGER texts_removed", "DROP TABLE words"):
            conn.execute(statement)


@pytest.fixture()
def small(tmp_path):
    store = read_only_store(tmp_path / "store", TRIG)
    yield store
    store.close()


def test_candidates_are_the_texts_that_hold_the_word(small):
    index = small.stored_texts
    assert index.matches()
    assert index.candidates("森林覆盖率") == ["urn:p:1"]  # three characters or more: the words index
    assert index.candidates("森林") == ["urn:p:1", "urn:p:3"]  # fewer: SQLite reads the texts
    assert index.candidates("覆盖") == ["urn:p:1", "urn:p:4"]
    assert index.candidates("林覆") == ["urn:p:1"]
    assert index.candidates("森林覆盖") == ["urn:p:1"]  # not "森林" of one text and "覆盖" of another
    assert index.candidates('"quoted"') == ["urn:p:2"]  # a quote in the word: one FTS5 phrase still
    assert index.candidates("没有的词") == [] and index.candidates("水") == ["urn:p:2"]
    assert index.candidates("") is None and index.candidates("森\0林") is None  # left to the query


def test_more_candidates_than_a_query_takes_are_left_to_the_scan(small):
    index = TextIndexFile(small.path, small.stored_texts.stamp, max_candidates=1)
    assert index.candidates("森林") is None and index.candidates("森林覆盖率") == ["urn:p:1"]


def test_without_the_words_index_sqlite_reads_the_texts(small):
    """As where SQLite has no FTS5 trigram tokenizer: the same candidates."""
    drop_words_index(small.path)
    index = TextIndexFile(small.path, small.stored_texts.stamp)
    assert index.candidates("森林覆盖率") == ["urn:p:1"] and index.candidates("森林") == ["urn:p:1", "urn:p:3"]


@pytest.mark.parametrize("trig", [
    '<urn:g:1> { [] <https://w3id.org/plankg/ontology#text> "森林覆盖率" . }',  # a VALUES block cannot name it
    '<urn:g:1> { <urn:p:9> <https://w3id.org/plankg/ontology#text> "森林\\u0000覆盖率" . }',  # SQLite stops at NUL
])
def test_a_text_the_index_cannot_stand_for_turns_it_off(tmp_path, trig):
    store = read_only_store(tmp_path / "store", TRIG + trig)
    assert store.stored_texts.candidates("森林覆盖率") is None and store.stored_texts.candidates("水") is None
    store.close()


def test_every_write_leaves_the_index_holding_the_stores_texts(tmp_path):
    path = tmp_path / "store"
    read_only_store(path, TRIG).close()
    writer = OxigraphStore(path)
    assert index_texts(path) == store_texts(writer)
    writer.replace_graph(URIRef("urn:g:2"), text_of("urn:p:3", "草原"))  # p:4 goes, p:3 changes
    writer.add_to_graph(URIRef("urn:g:3"), text_of("urn:p:5", "湿地保护"))
    writer.flush()
    assert index_texts(path) == store_texts(writer) and ("urn:g:2", "urn:p:3", "草原") in index_texts(path)
    assert fresh_candidates(path, "湿地保") == ["urn:p:5"] and fresh_candidates(path, "覆盖") == ["urn:p:1"]
    # A SPARQL Update cannot say which graphs it changed: the index is out of date until a compaction.
    writer.update(f'INSERT DATA {{ GRAPH <urn:g:4> {{ <urn:p:6> <{PKG}text> "森林公园" }} }}')
    writer.flush()
    reader = OxigraphStore(path, read_only=True)
    assert not reader.stored_texts.matches() and reader.texts is None  # a one-off reader scans
    reader.close()
    writer.compact()
    writer.flush()
    assert index_texts(path) == store_texts(writer)
    writer.close()
    assert fresh_candidates(path, "森林公园") == ["urn:p:6"]


def test_a_reader_of_an_older_generation_is_not_given_the_index(tmp_path):
    path = tmp_path / "store"
    read_only_store(path, TRIG).close()
    old = OxigraphStore(path, read_only=True)
    assert old.stored_texts.candidates("森林") == ["urn:p:1", "urn:p:3"]
    writer = OxigraphStore(path)
    writer.update("DROP GRAPH <urn:g:2>")  # the old reader's snapshot still holds p:3
    writer.close()
    assert old.stored_texts.candidates("森林") is None  # another generation's: the old reader scans
    assert fresh_candidates(path, "森林") is None  # out of date after an update
    old.close()


def test_a_write_stopped_before_the_index_is_brought_up_to_date_leaves_it_unused(tmp_path):
    """A process killed after writing a graph and before its flush: readers scan, and the next write
    rebuilds the index from the store."""
    path = tmp_path / "store"
    read_only_store(path, TRIG).close()
    code = (f"import os; from rdflib import Graph, Literal, URIRef; from plankg.graph.stores import OxigraphStore\n"
            f"s = OxigraphStore({str(path)!r}); g = Graph()\n"
            f"g.add((URIRef('urn:p:7'), URIRef('{PKG}text'), Literal('森林防火')))\n"
            f"s.add_to_graph(URIRef('urn:g:5'), g); s.store.flush(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    reader = OxigraphStore(path, read_only=True)  # the stamp is the old one, the index marked unusable
    assert not reader.stored_texts.matches()
    reader.close()
    writer = OxigraphStore(path)
    writer.add_vocabulary([])  # any write, then its flush
    writer.close()
    assert ("urn:g:5", "urn:p:7", "森林防火") in index_texts(path)
    assert fresh_candidates(path, "森林防") == ["urn:p:7"]


def test_a_store_written_without_a_stamp_is_indexed_when_compacted(tmp_path):
    """Written by pyoxigraph alone (or by a first load stopped before its flush): no stamp, and plankg
    compact builds the index from the store rather than trust an empty one."""
    path = tmp_path / "store"
    raw = ox.Store(str(path))
    raw.add(ox.Quad(ox.NamedNode("urn:p:1"), ox.NamedNode(TEXT), ox.Literal("森林覆盖率达到"), ox.NamedNode("urn:g:1")))
    raw.flush()
    del raw
    assert run_cli("compact", "--store", str(path)).returncode == 0
    assert fresh_candidates(path, "森林覆盖") == ["urn:p:1"]


def test_a_words_index_made_beside_texts_already_there_holds_them(tmp_path):
    """An index written where SQLite had no trigram tokenizer, then written where it has one."""
    path = tmp_path / "store"
    read_only_store(path, TRIG).close()
    drop_words_index(path)
    writer = OxigraphStore(path)
    writer.add_to_graph(URIRef("urn:g:3"), text_of("urn:p:5", "湿地保护"))
    writer.close()
    assert fresh_candidates(path, "森林覆盖率") == ["urn:p:1"]  # through the words index
    assert fresh_candidates(path, "湿地保") == ["urn:p:5"]


def test_a_write_refused_because_the_index_could_not_be_marked_leaves_it_marked_when_retried(tmp_path):
    path = tmp_path / "store"
    read_only_store(path, TRIG).close()
    writer = OxigraphStore(path)
    writer.index_writer.close()
    blocker = sqlite3.connect(path / FILE, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the index: it cannot be marked
    writer.index_writer.timeout = 0
    more = text_of("urn:p:2", "草原生态保护")
    with pytest.raises(StoreError, match="out of date"):
        writer.add_to_graph(URIRef("urn:g:3"), more)
    blocker.rollback()
    blocker.close()
    writer.add_to_graph(URIRef("urn:g:3"), more)  # the retry marks the index before it writes
    reader = OxigraphStore(path, read_only=True)  # sees the write, not yet stamped
    assert not reader.stored_texts.matches()
    reader.close()
    writer.close()
    assert fresh_candidates(path, "草原生态") == ["urn:p:2"]


def test_a_store_named_by_a_relative_path_reads_its_index(tmp_path, monkeypatch):
    read_only_store(tmp_path / "store", TRIG).close()
    monkeypatch.chdir(tmp_path)
    assert fresh_candidates("store", "森林覆盖率") == ["urn:p:1"]


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    """The sample, then Yunnan's 10th plan, loaded as plankg load loads them, one process after the other."""
    path = tmp_path_factory.mktemp("two") / "store"
    for plan in (sample_plan_path(), str(shared_plan("yunnan-10th.txt"))):
        writer = OxigraphStore(path)
        list(load_plans(writer, [plan]))
        writer.close()
    return path


def test_loaded_plans_are_in_the_index_as_in_the_store(two_plans):
    reader = OxigraphStore(two_plans, read_only=True)
    assert index_texts(two_plans) == store_texts(reader) and len({g for g, _, _ in index_texts(two_plans)}) == 2
    reader.close()


# Words read in the two plans' text by hand: in both, in one, in neither; of two characters and more.
@pytest.mark.parametrize("needle", ["森林覆盖率", "湿地", "塔城", "昆明", "草原生态", "没有这样的词语", "%", "“十三五”"])
def test_search_answers_from_the_stored_index_as_from_the_scan(two_plans, needle):
    scan = OxigraphStore(two_plans, read_only=True)
    scan.stored_texts = TextIndexFile(two_plans, None)  # matches no generation: the query scans
    indexed = OxigraphStore(two_plans, read_only=True)
    query = catalogue()["search"].bind({"needle": needle})
    whole = scan.query(query)["results"]["bindings"]
    assert indexed.query(query)["results"]["bindings"] == whole
    if needle in ("森林覆盖率", "湿地", "塔城", "昆明"):
        assert whole
    found = indexed.stored_texts.candidates(needle)
    assert found is not None and {r["paragraph"]["value"] for r in whole} <= set(found)
    scan.close()
    indexed.close()
