"""Linked Data: the graph's IRIs resolve on the real server, as HTML and by content negotiation.

Expected values are read from the plan texts: the sample's 主要指标 table row 森林覆盖率（%） (line 506)
prints 12.68 for 2015 and 13 for 2020, and the text restates 森林覆盖率13% on lines 264 and 970.
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS, SKOS

from support import REPO, start_server, stop_server, two_plan_store

ID = "https://w3id.org/plankg/id/"
PKG = Namespace("https://w3id.org/plankg/ontology#")
SAMPLE = REPO / "plankg" / "samples" / "tacheng-13th-fyp.txt"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, base = start_server(two_plan_store(tmp_path_factory.mktemp("store")))
    yield base
    stop_server(proc)


def forest_cover(base) -> str:
    """The IRI of the plan table's 森林覆盖率 row, found by a query (not by guessing its key)."""
    q = f"""PREFIX pkg: <{PKG}> PREFIX skos: <{SKOS}>
      SELECT ?i WHERE {{ GRAPH ?g {{ ?i a pkg:Indicator ; skos:prefLabel "森林覆盖率"@zh ;
                                      pkg:table/pkg:tableKind "plan" }} }}"""
    r = httpx.post(base + "/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "application/sparql-results+json"})
    rows = r.json()["results"]["bindings"]
    assert len(rows) == 1
    return rows[0]["i"]["value"]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, class)
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append((a.get("href", ""), a.get("class", "")))


def test_an_indicator_resolves_as_html_with_quotes_and_neighbours(server):
    iri = forest_cover(server)
    r = httpx.get(server + iri.removeprefix("https://w3id.org/plankg"), headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    html = r.text
    assert re.search(r"<h1>[^<]*森林覆盖率</h1>", html)
    parser = Links()
    parser.feed(html)
    # The restatements on lines 264 and 970 link here through pkg:restates.
    restating = [h for h, _ in parser.links if re.fullmatch(r"/id/654200-fyp13/target-\d+", h)]
    assert len(restating) >= 2
    # Every evidence link carries offsets that select exactly the quoted text in the original plan.
    original = SAMPLE.read_text(encoding="utf-8")
    evidence = [h for h, c in parser.links if c == "evidence"]
    assert evidence
    for href in evidence:
        q = parse_qs(urlsplit(href.replace("/#/text", "/text")).query)
        assert q["plan"] == ["654200-fyp13"]
        start, end = int(q["start"][0]), int(q["end"][0])
        assert original[start:end] in html
    quoted = {original[int(parse_qs(urlsplit(h.replace("/#/", "/")).query)["start"][0]):
                       int(parse_qs(urlsplit(h.replace("/#/", "/")).query)["end"][0])] for h in evidence}
    assert any("12.68" in q and "13" in q for q in quoted)  # the table row, as printed


def test_an_indicator_in_turtle_jsonld_and_ntriples(server):
    iri = forest_cover(server)
    path = iri.removeprefix("https://w3id.org/plankg")
    graphs = {}
    for media, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                       ("application/n-triples", "nt")):
        r = httpx.get(server + path, headers={"Accept": media})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        graphs[fmt] = Graph().parse(data=r.text, format=fmt)
    g = graphs["turtle"]
    assert (URIRef(iri), SKOS.prefLabel, Literal("森林覆盖率", lang="zh")) in g
    printed = {str(o) for s in g.subjects(PKG.indicator, URIRef(iri)) for o in g.objects(s, PKG.printedText)}
    assert {"12.68", "13"} <= printed
    assert len(list(g.subjects(PKG.restates, URIRef(iri)))) >= 2
    assert len(graphs["nt"]) == len(g) == len(graphs["json-ld"])
    assert httpx.get(server + path, params={"format": "ttl"}).headers["content-type"].startswith("text/turtle")


def test_places_and_sectors_resolve_and_unknown_iris_do_not(server):
    # 新疆生产建设兵团 has no GB/T 2260 code; the national plan names it.
    r = httpx.get(server + "/place/bingtuan", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef("https://w3id.org/plankg/place/bingtuan"), RDFS.label, Literal("新疆生产建设兵团", lang="zh")) in g
    r = httpx.get(server + "/sector/transport", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "<h1>交通</h1>" in r.text
    assert httpx.get(server + "/id/654200-fyp13/no-such-thing").status_code == 404
    assert httpx.get(server + '/id/a"b').status_code == 404  # no IRI can hold a quote
    assert httpx.get(server + "/id/654200-fyp13", headers={"Accept": "image/png"}).status_code == 406
    assert httpx.get(server + "/id/654200-fyp13", params={"format": "png"}).status_code == 400


def test_the_plan_itself_resolves_in_both_plans(server):
    for pid, title in (("654200-fyp13", "塔城地区国民经济和社会发展第十三个五年规划纲要"),
                       ("china-fyp14", "中华人民共和国国民经济和社会发展第十四个五年规划")):
        r = httpx.get(f"{server}/id/{pid}", headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
        assert r.status_code == 200 and title in r.text
        g = Graph().parse(data=httpx.get(f"{server}/id/{pid}", headers={"Accept": "text/turtle"}).text,
                          format="turtle")
        assert (URIRef(ID + pid), PKG.periodStart, None) in g
