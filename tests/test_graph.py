"""The ontology and the RDF graph: parsed back in every format, stable IRIs, facts asserted through SPARQL."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from plankg import sample_plan_path
from plankg.extraction import lexicon
from plankg.extraction.pipeline import read
from plankg.graph.build import PKG, build_dataset, plan_id
from plankg.graph.io import serialize

from support import REPO, run_cli, shared_plan

PLAN = "https://w3id.org/plankg/id/654200-fyp13"
TIMES = {PROV.startedAtTime, PROV.endedAtTime}


@pytest.fixture(scope="module")
def dataset():
    return build_dataset([read(sample_plan_path())])


def select(ds, query, **bindings):
    return [tuple(r) for r in ds.query(query, initBindings={k: v for k, v in bindings.items()})]


# --- the ontology ---------------------------------------------------------------------

def test_ontology_terms_are_declared_labelled_and_defined():
    g = lexicon.load("plankg.ttl")
    own = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(PKG))}
    assert len(own) > 60
    for term in own:
        labels = {l.language for l in g.objects(term, RDFS.label)} | {l.language for l in g.objects(term, SKOS.prefLabel)}
        assert {"zh", "en"} <= labels, term
        assert list(g.objects(term, SKOS.definition)) or (term, RDF.type, SKOS.ConceptScheme) in g, term
        assert list(g.objects(term, RDF.type)), term


def test_ontology_rdfs_sanity():
    g = lexicon.load("plankg.ttl")
    classes = set(g.subjects(RDF.type, OWL.Class))
    for prop in set(g.subjects(RDF.type, OWL.ObjectProperty)) | set(g.subjects(RDF.type, OWL.DatatypeProperty)):
        for dom in g.objects(prop, RDFS.domain):
            assert dom in classes or not str(dom).startswith(str(PKG)), (prop, dom)
        for rng in g.objects(prop, RDFS.range):
            if str(rng).startswith(str(PKG)):
                assert rng in classes or (rng, RDF.type, RDFS.Datatype) in g, (prop, rng)
    assert not set(g.subjects(RDF.type, OWL.ObjectProperty)) & set(g.subjects(RDF.type, OWL.DatatypeProperty))


def test_every_term_the_data_uses_is_in_the_ontology(dataset):
    onto = lexicon.load("plankg.ttl")
    declared = set(onto.subjects())
    used = {p for _, p, _, _ in dataset.quads()} | {o for _, p, o, _ in dataset.quads() if p == RDF.type}
    own = {t for t in used if str(t).startswith(str(PKG))}
    assert own and own <= declared, own - declared


# --- building -----------------------------------------------------------------------------

def test_plan_graph_and_ids(dataset):
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert graphs == {"https://w3id.org/plankg/graph/654200-fyp13", "https://w3id.org/plankg/graph/vocabulary"}


@pytest.mark.parametrize("fmt, rdflib_format", [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld"),
                                                ("ttl", "turtle"), ("nt", "nt")])
def test_parses_back_in_every_format(dataset, fmt, rdflib_format):
    data = serialize(dataset, fmt)
    if fmt in ("ttl", "nt"):
        back = Graph().parse(data=data, format=rdflib_format)
        assert len(back) == len({(s, p, o) for s, p, o, _ in dataset.quads()})
    else:
        back = Dataset()
        back.parse(data=data, format=rdflib_format)
        assert sum(len(g) for g in back.graphs()) == sum(len(g) for g in dataset.graphs())


def test_building_twice_gives_the_same_graph_and_times_only_when_given(monkeypatch):
    doc = read(sample_plan_path())
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = build_dataset([doc]), build_dataset([read(sample_plan_path())])
    assert set(first.quads()) == set(second.quads())
    assert not [o for _, p, o, _ in first.quads() if p in TIMES]  # no clock reading in the default output
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    times = {str(o) for _, p, o, _ in build_dataset([doc]).quads() if p in TIMES}
    assert times == {"2023-11-14T22:13:20+00:00"}


def test_numbers_are_decimals_from_printed_digits(dataset):
    rows = select(dataset, """
        PREFIX pkg: <https://w3id.org/plankg/ontology#>
        SELECT ?v WHERE { GRAPH ?g { ?o pkg:indicator ?i ; pkg:role pkg:Baseline ; pkg:value ?v . } }""")
    assert rows and all(v.datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal") for (v,) in rows)
    lexical = {str(v) for (v,) in rows}
    assert {"494.1", "0.055", "12.68"} <= lexical


# --- key facts through SPARQL ---------------------------------------------------------------

Q_INDICATOR = """
PREFIX pkg: <https://w3id.org/plankg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?baseline ?target ?unit ?mult ?attr ?line WHERE { GRAPH ?g {
  ?i a pkg:Indicator ; skos:prefLabel ?name ; pkg:table/pkg:tableKind "plan" ; pkg:evidence/pkg:line ?line .
  OPTIONAL { ?i pkg:attribute ?attr }
  OPTIONAL { ?i pkg:unit ?u ; pkg:unitMultiplier ?mult }
  ?b pkg:indicator ?i ; pkg:role pkg:Baseline ; pkg:value ?baseline .
  ?t pkg:indicator ?i ; pkg:role pkg:Target ; pkg:value ?target .
} OPTIONAL { GRAPH <https://w3id.org/plankg/graph/vocabulary> { ?u skos:prefLabel ?unit . FILTER(LANG(?unit) = "zh") } }
}"""


def test_indicator_values_units_and_attribute(dataset):
    gdp = select(dataset, Q_INDICATOR, name=Literal("全区生产总值", lang="zh"))
    assert gdp == [(Literal(Decimal("494.1")), Literal(Decimal("770")), Literal("元", lang="zh"), Literal(100000000),
                    PKG.Expected, Literal(278))]
    forest = select(dataset, Q_INDICATOR, name=Literal("森林覆盖率", lang="zh"))
    assert [(str(b), str(t), str(a)) for b, t, _, _, a, _ in forest] == [("12.68", "13", str(PKG.Binding))]


def test_project_county_sector_goal_and_evidence(dataset):
    rows = select(dataset, """
        PREFIX pkg: <https://w3id.org/plankg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?county ?sector ?goal ?exact ?start ?end WHERE {
          GRAPH ?g { ?p rdfs:label "乌苏军民合用机场"@zh ; pkg:sourceKind "box" ; pkg:locatedIn ?place ;
                        pkg:sector ?s ; pkg:serves/rdfs:label ?goal ; pkg:evidence/oa:hasSelector ?q, ?pos .
                     ?q oa:exact ?exact . ?pos oa:start ?start ; oa:end ?end . }
          GRAPH <https://w3id.org/plankg/graph/vocabulary> { ?place skos:prefLabel ?county . ?s skos:prefLabel ?sector .
                 FILTER(LANG(?sector) = "zh") }
        }""")
    assert rows
    county, sector, goal, exact, start, end = rows[0]
    assert (str(county), str(sector), str(exact)) == ("乌苏市", "交通", "乌苏军民合用机场")
    text = Path(sample_plan_path()).read_text(encoding="utf-8")
    assert text[int(start):int(end)] == "乌苏军民合用机场"
    assert str(goal)


def test_strategic_investment(dataset):
    rows = select(dataset, """
        PREFIX pkg: <https://w3id.org/plankg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?value ?unit ?mult ?declared WHERE { GRAPH ?g {
          ?p rdfs:label "互联互通工程"@zh ; pkg:investment [ pkg:value ?value ; pkg:unitText ?unit ;
                                                              pkg:unitMultiplier ?mult ] ;
             pkg:declaredComponentCount ?declared . } }""")
    assert [(str(v), str(u), int(m), int(d)) for v, u, m, d in rows] == [("105.8", "亿元", 100000000, 7)]


def test_narrative_target_restates_indicator(dataset):
    rows = select(dataset, """
        PREFIX pkg: <https://w3id.org/plankg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?text WHERE { GRAPH ?g { ?t pkg:restates/skos:prefLabel "耕地保有量"@zh ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#value>/pkg:printedText ?text } }""")
    assert ("49.96万公顷",) in [(str(t),) for (t,) in rows]


def test_every_extracted_entity_has_evidence_and_activity(dataset):
    missing = select(dataset, """
        PREFIX pkg: <https://w3id.org/plankg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?e WHERE { GRAPH ?g { ?e pkg:plan ?plan .
          FILTER NOT EXISTS { ?e pkg:evidence ?ev . ?ev pkg:line ?l }
          FILTER NOT EXISTS { ?e prov:wasGeneratedBy ?a } } }""")
    assert missing == []
    sha = select(dataset, """PREFIX pkg: <https://w3id.org/plankg/ontology#>
        SELECT ?sha WHERE { GRAPH ?g { ?a a pkg:Extraction ; <http://www.w3.org/ns/prov#used>/pkg:sha256 ?sha } }""")
    assert len(sha) == 1 and re.fullmatch(r"[0-9a-f]{64}", str(sha[0][0]))


def test_model_doc_examples_run(dataset):
    doc = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sparql\n(.*?)```", doc, flags=re.S)
    assert len(queries) == 5
    for q in queries[:4]:
        assert list(dataset.query(q)), q[:80]


# --- several plans ---------------------------------------------------------------------------

def test_all_plans_together_without_collisions():
    docs = [read(sample_plan_path()), read(shared_plan("national-14th.md")), read(shared_plan("yunnan-10th.txt"))]
    ids = [plan_id(d) for d in docs]
    assert ids == ["654200-fyp13", "china-fyp14", "530000-fyp10"]
    ds = build_dataset(docs)
    subjects = {}
    for pid in ids:
        g = ds.graph(URIRef(f"https://w3id.org/plankg/graph/{pid}"))
        subs = {s for s in g.subjects() if isinstance(s, URIRef)}
        assert subs and all(str(s).startswith(f"https://w3id.org/plankg/id/{pid}") for s in subs)
        subjects[pid] = subs
    assert not (subjects[ids[0]] & subjects[ids[1]]) and not (subjects[ids[1]] & subjects[ids[2]])


# --- the command --------------------------------------------------------------------------------

def test_build_command_writes_atomically(tmp_path):
    out = tmp_path / "plan.ttl"
    res = run_cli("build", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert len(Graph().parse(out, format="turtle")) > 10000
    before = out.read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    res = run_cli("build", str(bad), "-o", str(out))
    assert res.returncode == 2 and b"binary file" in res.stderr
    assert out.read_bytes() == before  # a failed build leaves the old graph in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "plan.ttl"]  # no temp file left


def test_build_refuses_the_same_plan_twice(tmp_path):
    res = run_cli("build", sample_plan_path(), sample_plan_path(), "-o", str(tmp_path / "x.trig"))
    assert res.returncode == 2 and b"same plan" in res.stderr


def test_an_rdflib_store_reads_the_union_without_changing_the_callers_dataset():
    from plankg.graph.stores import RdflibStore

    ds = Dataset()  # default_union False, the caller's choice
    ds.bind("schema", "http://schema.org/")
    prefixes = sorted(ds.namespaces())
    ds.graph(URIRef("urn:g:1")).add((URIRef("urn:s"), RDFS.label, Literal("in a named graph")))
    store = RdflibStore(dataset=ds)
    rows = store.query("SELECT ?o WHERE { <urn:s> ?p ?o }")["results"]["bindings"]
    assert [r["o"]["value"] for r in rows] == ["in a named graph"]  # the default graph is the union
    assert ds.default_union is False and sorted(ds.namespaces()) == prefixes
    assert not list(ds.query("SELECT ?o WHERE { <urn:s> ?p ?o }"))  # the caller's own reading is unchanged
    extra = Graph()
    extra.add((URIRef("urn:t"), RDFS.label, Literal("written through the store")))
    store.replace_graph(URIRef("urn:g:2"), extra)
    assert (URIRef("urn:t"), RDFS.label, Literal("written through the store")) in ds.graph(URIRef("urn:g:2"))
