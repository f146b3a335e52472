"""SPARQL Update with the protocol's dataset (using-graph-uri / using-named-graph-uri), run on a real Oxigraph
store by api/update_dataset.py. Each case is a small store written here; the expected quads are what SPARQL 1.1
Update says the operation leaves (sections 3.1.3 and 3.1.3.1: templates, fresh blank nodes, unbound variables).
The HTTP path (the W3C update_dataset_* tests) is in tests/test_protocol.py.
"""

import pytest

from plankg.api.jobs import JobError
from plankg.api.update_dataset import apply
from plankg.graph.stores import OxigraphStore, QueryDataset

P = "PREFIX : <urn:x:> "
DATA = P + """INSERT DATA {
  GRAPH <urn:g:a> { :one a :T ; :o "first" . :two a :T . _:anon a :T ; :n "01"^^:code }
  GRAPH <urn:g:b> { :three a :T . :one :name "One" }
  GRAPH <urn:g:c> { :four a :T }
}"""


@pytest.fixture
def store(tmp_path):
    s = OxigraphStore(tmp_path / "store")
    s.update(DATA)
    yield s
    s.close()


def rows(store, sparql: str) -> list[tuple]:
    res = store.query(P + sparql)
    names = res["head"]["vars"]
    return sorted(tuple(b.get(n, {}).get("value") for n in names) for b in res["results"]["bindings"])


def test_the_default_graph_is_the_merge_of_the_using_graphs_only(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?s :seen true } } WHERE { ?s a :T }",
          QueryDataset(("urn:g:b", "urn:g:c")), None)
    assert rows(store, "SELECT ?s { GRAPH <urn:g:out> { ?s :seen ?v } }") == [("urn:x:four",), ("urn:x:three",)]


def test_named_graphs_only_leave_the_default_graph_empty(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?s :in ?g } } WHERE { { ?s a :T } UNION { GRAPH ?g { ?s a :T } } }",
          QueryDataset((), ("urn:g:b",)), None)
    assert rows(store, "SELECT ?s ?g { GRAPH <urn:g:out> { ?s :in ?g } }") == [("urn:x:three", "urn:g:b")]


def test_graph_in_templates_takes_the_solutions_graph_or_a_constant(store):
    apply(store, P + "INSERT { GRAPH ?g { ?s :copied true } GRAPH <urn:g:log> { ?s :from ?g } } "
          "WHERE { GRAPH ?g { ?s a :T } }", QueryDataset((), ("urn:g:b", "urn:g:c")), None)
    assert rows(store, "SELECT ?g ?s { GRAPH ?g { ?s :copied true } }") == [("urn:g:b", "urn:x:three"),
                                                                            ("urn:g:c", "urn:x:four")]
    assert rows(store, "SELECT ?s ?g { GRAPH <urn:g:log> { ?s :from ?g } }") == [("urn:x:four", "urn:g:c"),
                                                                                 ("urn:x:three", "urn:g:b")]


def test_template_blank_nodes_are_fresh_for_each_solution(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?s :note _:n . _:n :about ?s . ?s :same _:n } } "
          "WHERE { ?s a :T FILTER(isIRI(?s)) }", QueryDataset(("urn:g:a",)), None)
    notes = rows(store, "SELECT ?s ?n { GRAPH <urn:g:out> { ?s :note ?n . ?n :about ?s . ?s :same ?n } }")
    assert [s for s, _ in notes] == ["urn:x:one", "urn:x:two"]  # one label, one node within a solution
    assert len({n for _, n in notes}) == 2  # and a new node for the next solution
    assert rows(store, "SELECT (COUNT(*) AS ?c) { GRAPH <urn:g:out> { ?s ?p ?o } }") == [("6",)]


def test_a_triple_with_an_unbound_variable_is_skipped_and_the_rest_kept(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?s :has ?o . ?s :seen true } } "
          "WHERE { ?s a :T OPTIONAL { ?s :o ?o } FILTER(isIRI(?s)) }", QueryDataset(("urn:g:a",)), None)
    assert rows(store, "SELECT ?s ?p { GRAPH <urn:g:out> { ?s ?p ?o } }") == [
        ("urn:x:one", "urn:x:has"), ("urn:x:one", "urn:x:seen"), ("urn:x:two", "urn:x:seen")]


def test_a_literal_cannot_become_a_subject(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?name :of ?s . ?s :named ?name } } WHERE { ?s :name ?name }",
          QueryDataset(("urn:g:b",)), None)
    assert rows(store, "SELECT ?s ?p ?o { GRAPH <urn:g:out> { ?s ?p ?o } }") == [("urn:x:one", "urn:x:named", "One")]


def test_delete_then_insert_reach_graphs_outside_the_dataset(store):
    """The dataset is where the WHERE looks; the templates write wherever they say (here graph a, read from b)."""
    apply(store, P + "DELETE { GRAPH <urn:g:a> { ?s :o ?v } } INSERT { GRAPH <urn:g:a> { ?s :o ?name } } "
          "WHERE { ?s :name ?name OPTIONAL { GRAPH <urn:g:a> { ?s :o ?v } } }", QueryDataset(("urn:g:b",)), None)
    # GRAPH <urn:g:a> in the WHERE sees no named graph (none given): ?v unbound, so nothing is deleted.
    assert rows(store, "SELECT ?o { GRAPH <urn:g:a> { :one :o ?o } }") == [("One",), ("first",)]
    apply(store, P + "DELETE { GRAPH <urn:g:a> { ?s :o ?v } } WHERE { GRAPH <urn:g:a> { ?s :o ?v FILTER(?v = \"first\") } }",
          QueryDataset((), ("urn:g:a",)), None)
    assert rows(store, "SELECT ?o { GRAPH <urn:g:a> { :one :o ?o } }") == [("One",)]


def test_a_stored_blank_node_and_lexical_form_are_the_same_terms_again(store):
    apply(store, P + "DELETE { GRAPH <urn:g:a> { ?s :n ?n } } INSERT { GRAPH <urn:g:a> { ?s :m ?n } } "
          "WHERE { ?s :n ?n }", QueryDataset(("urn:g:a",)), None)
    moved = rows(store, "SELECT ?s ?n (isBlank(?s) AS ?b) { GRAPH <urn:g:a> { ?s :m ?n . ?s a :T } }")
    assert [(n, b) for _, n, b in moved] == [("01", "true")]  # the same node: it still has its rdf:type
    assert rows(store, "SELECT ?s { GRAPH <urn:g:a> { ?s :n ?n } }") == []


def test_operations_run_in_order_and_see_each_other(store):
    apply(store, P + "INSERT DATA { GRAPH <urn:g:d> { :five a :T } } ; "
          "INSERT { GRAPH <urn:g:out> { ?s :seen true } } WHERE { ?s a :T } ; CLEAR GRAPH <urn:g:d> ; "
          "COPY <urn:g:out> TO <urn:g:copy>", QueryDataset(("urn:g:d",)), None)
    assert rows(store, "SELECT ?s { GRAPH <urn:g:copy> { ?s :seen true } }") == [("urn:x:five",)]
    assert rows(store, "SELECT ?s { GRAPH <urn:g:d> { ?s ?p ?o } }") == []


def test_delete_where_is_refused_before_anything_runs(store):
    with pytest.raises(JobError) as refused:
        apply(store, P + "INSERT DATA { GRAPH <urn:g:d> { :five a :T } } ; DELETE WHERE { ?s a :T }",
              QueryDataset(("urn:g:a",)), None)
    assert refused.value.status == 501 and "DELETE WHERE" in refused.value.detail
    assert rows(store, "SELECT ?s { GRAPH <urn:g:d> { ?s ?p ?o } }") == []


def test_a_failing_operation_says_what_was_applied(store):
    with pytest.raises(JobError) as failed:
        apply(store, P + "INSERT DATA { GRAPH <urn:g:d> { :five a :T } } ; DROP GRAPH <urn:g:none>",
              QueryDataset(("urn:g:a",)), None)
    assert failed.value.status == 400 and "operation 2 (DROP)" in failed.value.detail
    assert "operations 1 to 1 were applied" in failed.value.detail
    assert rows(store, "SELECT ?s { GRAPH <urn:g:d> { ?s ?p ?o } }") == [("urn:x:five",)]


def test_a_term_that_is_no_rdf_term_skips_its_triple(store):
    apply(store, P + "INSERT { GRAPH <urn:g:out> { ?s :link ?bad . ?s :kept true } } "
          "WHERE { ?s :name ?name BIND(IRI(CONCAT(\"no scheme \", ?name)) AS ?bad) }", QueryDataset(("urn:g:b",)), None)
    assert rows(store, "SELECT ?s ?p { GRAPH <urn:g:out> { ?s ?p ?o } }") == [("urn:x:one", "urn:x:kept")]
