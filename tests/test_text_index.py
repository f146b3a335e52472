"""The text index of a server's read-only store (graph/text_index.py): which subjects' text contains a
word, and the search query narrowed to them, with the answer of the full scan."""

import pyoxigraph as ox
import pytest

from plankg import sample_plan_path
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.stores import OxigraphStore
from plankg.graph.text_index import TextIndex
from plankg.graph.text_index_file import FILE
from plankg.queries.named import QueryError, catalogue, parse, values_text

from support import read_only_store, shared_plan

ID = "https://w3id.org/plankg/id/"
# Paragraph texts of two plans, written by hand; p2-c states no text of its own.
TRIG = """
@prefix pkg: <https://w3id.org/plankg/ontology#> .
@prefix id: <https://w3id.org/plankg/id/> .
<https://w3id.org/plankg/graph/p1> { id:p1-a pkg:text "加强湿地保护" . id:p1-b pkg:text "森林覆盖率达到13%" . }
<https://w3id.org/plankg/graph/p2> { id:p2-a pkg:text "森林覆盖率稳步提高，湿地面积不减少" . id:p2-c pkg:plan id:p2 . }
"""


def store_of(tmp_path, trig: str) -> ox.Store:
    return read_only_store(tmp_path / "store", trig).store


def test_the_index_finds_the_subjects_whose_text_contains_a_word(tmp_path):
    index = TextIndex(store_of(tmp_path, TRIG))
    assert index.candidates("湿地") is None  # the first search scans: a one-off costs no index
    assert index.candidates("湿地") == [ID + "p1-a", ID + "p2-a"]  # built on the second
    assert index.candidates("森林覆盖率") == [ID + "p1-b", ID + "p2-a"]
    assert index.candidates("13%") == [ID + "p1-b"]
    assert index.candidates("草原") == []
    assert index.candidates("保护森林") == []  # the end of one text and the start of the next are not one text
    assert index.candidates("") is None  # every text contains it: the query scans


def test_a_text_in_two_graphs_and_a_needle_with_a_nul(tmp_path):
    trig = TRIG + '<https://w3id.org/plankg/graph/p3> { id:p1-a pkg:text "加强湿地保护" . }\n'
    index = TextIndex(store_of(tmp_path, trig))
    index.candidates("x")
    assert index.candidates("湿地") == [ID + "p1-a", ID + "p2-a"]  # each subject once
    # A NUL never occurs in a text: a needle with one is found nowhere, or, spanning two texts, gives a
    # candidate that the query's own CONTAINS drops.
    assert set(index.candidates("保护\0")) <= {ID + "p1-a", ID + "p1-b", ID + "p2-a"}


def test_the_index_gives_way_to_the_scan(tmp_path):
    store = store_of(tmp_path, TRIG)
    many = TextIndex(store, max_candidates=1)
    many.candidates("x")
    assert many.candidates("湿地") is None and many.candidates("13%") == [ID + "p1-b"]
    large = TextIndex(store, max_chars=10)
    large.candidates("x")
    assert large.candidates("湿地") is None and "characters" in large.given_up


def test_a_text_of_a_blank_node_gives_the_index_up(tmp_path):
    index = TextIndex(store_of(tmp_path, TRIG.replace("id:p1-a pkg:text", "[] pkg:text")))
    index.candidates("x")
    assert index.candidates("森林") is None and "blank node" in index.given_up


def test_values_text_narrows_the_query_and_checks_the_iris():
    text = catalogue()["search"].text
    written = values_text(text, "paragraph", [ID + "p1-a", ID + "p2-a"])
    assert f"VALUES ?paragraph {{ <{ID}p1-a> <{ID}p2-a> }}" in written
    assert values_text(text, "paragraph", []) is not None  # no candidate: no row
    assert values_text(text, "paragraph", [ID + "p1-a> } ?x ?y ?z . {"]) is None  # not an IRI


def test_the_header_is_checked():
    assert catalogue()["search"].text_index == ("paragraph", "needle")
    with pytest.raises(QueryError, match="text index"):
        parse("x", "# param needle: string — w\n# text index: paragraph\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="not a parameter of type string"):
        parse("x", "# param n: integer — w\n# text index: paragraph contains n\nSELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="must filter by CONTAINS"):
        parse("x", "# param n: string — w\n# text index: paragraph contains n\nSELECT * WHERE { ?paragraph ?p ?n }")


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    """Two real plans, without the text index kept beside the store (tests/test_text_index_file.py):
    a server's workers then build their own."""
    path = tmp_path_factory.mktemp("store")
    writer = OxigraphStore(path)
    writer.load_dataset(build_dataset([read(sample_plan_path()), read(shared_plan("yunnan-10th.txt"))]))
    writer.close()
    (path / FILE).unlink()
    return path


# Words read in the two plans' text by hand: in both, in one, in neither.
@pytest.mark.parametrize("needle", ["森林覆盖率", "湿地", "塔城", "昆明", "草原生态", "没有这样的词语", "%", "“十三五”"])
def test_search_answers_from_the_index_as_from_the_scan(two_plans, needle):
    scan = OxigraphStore(two_plans, read_only=True)
    served = OxigraphStore(two_plans, read_only=True, plans_in_memory=2)
    query = catalogue()["search"].bind({"needle": needle})
    whole = scan.query(query)["results"]["bindings"]
    for _ in range(3):  # from disk, then from the index
        served.new_request()
        assert served.query(query)["results"]["bindings"] == whole
    assert served.texts.subjects is not None  # the index was built and used
    if needle in ("森林覆盖率", "湿地", "塔城", "昆明"):
        assert whole
    scan.close()
    served.close()


def test_a_word_in_more_paragraphs_than_the_index_writes_is_scanned(two_plans):
    scan = OxigraphStore(two_plans, read_only=True)
    served = OxigraphStore(two_plans, read_only=True, plans_in_memory=2)
    served.texts = TextIndex(served.store, max_candidates=5)
    query = catalogue()["search"].bind({"needle": "塔城"})  # in 127 lines of the sample
    whole = scan.query(query)["results"]["bindings"]
    for _ in range(2):
        assert served.query(query)["results"]["bindings"] == whole
    assert served.texts.candidates("塔城") is None and len(whole) > 5
    scan.close()
    served.close()


def test_the_server_answers_from_the_index(two_plans, tmp_path):
    """An index of other texts, put in the server's place, changes the answer: the index is read."""
    served = OxigraphStore(two_plans, read_only=True, plans_in_memory=2)
    query = catalogue()["search"].bind({"needle": "森林覆盖率"})
    assert served.query(query)["results"]["bindings"]
    served.texts = TextIndex(store_of(tmp_path, TRIG))  # its subjects are none of the plans' paragraphs
    served.query(query)
    assert served.query(query)["results"]["bindings"] == []
    served.close()


def test_a_store_without_plans_in_memory_has_no_index(two_plans):
    for capacity, indexed in ((0, False), (1, True)):
        store = OxigraphStore(two_plans, read_only=True, plans_in_memory=capacity)
        assert (store.texts is not None) == indexed
        store.close()
