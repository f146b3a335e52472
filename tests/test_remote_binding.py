"""Named-query parameters for a remote endpoint: substituted in the parse tree and written back as text
(queries/named.py bound_text, queries/writer.py). Oxigraph's own ``substitutions`` are the reference."""

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import parser

from plankg.graph.stores import StoreError
from plankg.queries.named import BoundQuery, QueryError, bound_text, catalogue, get
from plankg.queries.writer import write

from support import VIEW_QUERIES
from test_queries import normal

PLAN = "https://w3id.org/plankg/id/654200-fyp13"
# Values that select rows of the sample, for every parameter a named query takes.
SAMPLES = {"goal": f"{PLAN}/part-2/chapter-3/goal-2", "code": "654202", "sector": "sector:water", "plan": PLAN,
           "entity": f"{PLAN}/annex-2/project-3", "needle": "森林覆盖率", "name": "森林覆盖率", "key": "forest-coverage",
           "place": "place:654202", "attribute": "pkg:Binding", "category": "生态文明", "text": "水"}
REFUSED = "cannot be sent to a remote endpoint with parameters"


def variants():
    """Every named query with its required parameters, and with all of them."""
    return list(_variants())


def _variants():
    for name, q in catalogue().items():
        required = {p.name: SAMPLES[p.name] for p in q.params if p.required}
        yield pytest.param(q.bind(required), True, id=f"{name}-required")
        if len(required) < len(q.params):
            yield pytest.param(q.bind({p.name: SAMPLES[p.name] for p in q.params}), False, id=f"{name}-all")


# --- the writer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_named_query_is_written_back_as_the_same_query(name):
    text = get(name).text
    written = bound_text(text, {})  # raises unless the written text parses to the same algebra
    assert not written.startswith("#")  # written anew from the tree: the header comment is gone
    assert bound_text(written, {}) == written  # and writing it again changes nothing


SYNTHETIC = """
@prefix : <http://e/> .
:a :p :b ; :q 2 , "z" , "abc" ; :n 2 ; :r ( 1 2 ) .
:b :p :c ; :q 3 ; :n 3 ; :s [ :t "x"@zh-Hans ] .
:c :u :a .
"""


@pytest.mark.parametrize("sparql", [
    "SELECT * { ?a ^:u/:p* ?x ; !(:u|:r) ?o , ?z . OPTIONAL { ?a :q ?b FILTER (1 - -1 > 2 && !BOUND(?b) || ?b IN (2, 2.5, 3e0)) } "
    "MINUS { ?a :p \"x\"^^<http://t> } VALUES (?a ?w) { (:a 1) (UNDEF 'z\"\\n') } } ORDER BY ?a ?x ?o ?z ?b LIMIT 5 OFFSET 1",
    "SELECT ?a (SUM(?y * (2 + ?y)) AS ?s) (GROUP_CONCAT(DISTINCT ?z ; SEPARATOR=', ') AS ?g) "
    "WHERE { ?a :p+ ?x ; :n ?y ; :q ?z . FILTER (REGEX(STR(?z), '^[a-z0-9]', 'i') && ?z NOT IN ()) } "
    "GROUP BY ?a (STR(?a) AS ?k) HAVING (COUNT(*) > 1) ORDER BY DESC(?s) ?g LIMIT 3 VALUES ?a { :a :b }",
    "SELECT ?x ?w { { SELECT DISTINCT ?x { ?x ?p ?o } } FILTER EXISTS { ?x ?p [ :t ?t ] } "
    "BIND (CONCAT(STR(?x), '!') AS ?w) ?x (:s|^:u)?/:t \"x\"@zh-Hans }",
    "ASK { :a :r (1 2) FILTER NOT EXISTS { :a :q false } }",
])
def test_synthetic_queries_are_written_back_as_the_same_query(sparql):
    from rdflib import Graph

    graph = Graph().parse(data="PREFIX : <http://e/>\n" + SYNTHETIC.split("\n", 2)[2], format="turtle")
    sparql = "PREFIX : <http://e/>\n" + sparql
    written = bound_text(sparql, {})  # raises unless the written text parses to the same algebra
    assert written != sparql
    expected = sorted(map(tuple, graph.query(sparql))) if "SELECT" in sparql else graph.query(sparql).askAnswer
    assert expected
    assert (sorted(map(tuple, graph.query(written))) if "SELECT" in sparql else graph.query(written).askAnswer) == expected


def test_what_the_parser_loses_is_refused_not_written():
    # rdflib's parser keeps no IRI for an inverse step in a negated property set.
    with pytest.raises(QueryError, match="cannot be sent"):
        bound_text("SELECT * { ?s !(^<http://p>) ?o }", {})


def test_a_bound_value_is_one_term_in_the_text():
    hostile = get("indicators").bind({"category": '生态文明" } } DROP ALL ; SELECT * WHERE { ?s ?p "'})
    written = bound_text(hostile.text, hostile.bindings)
    tree = parser.parseQuery(written)  # one query, in which the value is one literal
    [value] = tree[1]["where"]["part"][0]["value"]
    assert (str(value["string"]), value["lang"]) == (str(hostile.bindings["category"]), "zh")
    assert write(tree) == written


@pytest.mark.parametrize("sparql, why", [
    ("SELECT ?x { BIND (1 AS ?x) }", "assigned by BIND"),
    ("SELECT ?y { ?y <p> ?o FILTER (BOUND(?x)) }", "BOUND"),
    ("SELECT ?y { ?y <p> ?o VALUES ?x { 1 } }", "VALUES"),
    ("SELECT ?y { { SELECT ?y { ?y <p> ?x } LIMIT 1 } }", "sub-query"),
    ("SELECT ?y { ?y ?x ?o }", "predicate"),
    ("SELECT ?y { GRAPH ?x { ?y <p> ?o } }", "GRAPH"),
    ("SELECT * { SELECT ?y { ?y <p> ?x } }", "sub-query"),
    ("CONSTRUCT { ?y <p> ?x } WHERE { ?y <p> ?x }", "only SELECT and ASK"),
    ("DESCRIBE ?x", "only SELECT and ASK"),
])
def test_what_a_substitution_cannot_mean_the_same_is_refused(sparql, why):
    with pytest.raises(QueryError, match=why) as err:
        bound_text(sparql, {"x": Literal("v")})
    assert REFUSED in str(err.value)


# --- the same answers as Oxigraph's own substitutions -----------------------------------------------

def substituted(oxigraph, bound) -> list:
    """The answer with Oxigraph's own substitutions (the store writes parameters in as constants)."""
    oxigraph.inline_parameters = False
    try:
        return normal(oxigraph.query(bound))
    finally:
        oxigraph.inline_parameters = True


@pytest.mark.parametrize("bound, must_have_rows", variants())
def test_substituted_text_answers_as_oxigraph_substitutions(oxigraph, bound, must_have_rows):
    reference = substituted(oxigraph, bound)
    assert reference or not must_have_rows
    assert normal(oxigraph.query(bound_text(bound.text, bound.bindings))) == reference
    assert normal(oxigraph.query(bound)) == reference  # as the store runs it: the constants written in


NESTED = """PREFIX pkg: <https://w3id.org/plankg/ontology#>
SELECT ?plan ?goal WHERE { %s GRAPH ?g { ?goal a pkg:Goal ; pkg:plan ?p . FILTER (?p = ?plan) } }"""


def test_a_parameter_is_seen_inside_nested_groups(oxigraph):
    # ?plan is tested in a FILTER of the GRAPH group, where nothing else binds it: a VALUES joined
    # with the query's pattern comes too late for that FILTER; the substituted value reaches it,
    # as Oxigraph's own substitution does.
    plan = URIRef(PLAN)
    reference = substituted(oxigraph, BoundQuery(NESTED % "", {"plan": plan}))
    assert len(reference) == 5  # the sample's five goals (test_queries.test_goals)
    assert normal(oxigraph.query(bound_text(NESTED % "", {"plan": plan}))) == reference
    assert normal(oxigraph.query(NESTED % f"VALUES ?plan {{ <{PLAN}> }}")) == []


# --- on Virtuoso --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(VIEW_QUERIES))
def test_view_queries_agree_on_virtuoso(oxigraph, virtuoso, name):
    q = get(name)
    bound = q.bind({p.name: SAMPLES[p.name] for p in q.params if p.required})
    first = normal(oxigraph.query(bound))
    assert first, name
    assert normal(virtuoso.query(bound)) == first


def test_hostile_value_on_virtuoso_is_a_literal(virtuoso):
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = virtuoso.query(count)["results"]["bindings"][0]["n"]["value"]
    hostile = get("indicators").bind({"category": '生态文明" } } DROP ALL ; SELECT * WHERE { ?s ?p "'})
    assert virtuoso.query(hostile)["results"]["bindings"] == []
    assert virtuoso.query(count)["results"]["bindings"][0]["n"]["value"] == before


def test_refusal_is_a_store_error(virtuoso):
    with pytest.raises(StoreError, match=REFUSED):
        virtuoso.query(BoundQuery("SELECT ?x { BIND (1 AS ?x) }", {"x": Literal("v")}))


def test_a_parameter_is_seen_inside_nested_groups_on_virtuoso(oxigraph, virtuoso):
    bound = BoundQuery(NESTED % "", {"plan": URIRef(PLAN)})
    assert normal(virtuoso.query(bound)) == normal(oxigraph.query(bound)) != []
