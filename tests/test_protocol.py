"""The W3C SPARQL 1.1 Protocol tests (tests/w3c/protocol/manifest.ttl, vendored unchanged), driven by the
manifest against a real `plankg serve` over its own store.

Adaptations, none of which changes what a test checks: `/sparql/` is our `/sparql`; every request carries
the server's write token (the suite assumes an open update endpoint; ours refuses updates without one);
each test's `ut:graphData` is loaded into the named graph its label gives, after clearing the store.
"""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from support import start_server

HERE = Path(__file__).parent / "w3c" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
TOKEN = "w3c-token"

# Tests that do not pass, and why. Empty means the manifest passes in full.
NOT_PASSING: dict = {}

manifest = Graph().parse(HERE / "manifest.ttl", format="turtle", publicID="http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest.ttl")
ENTRIES = list(Collection(manifest, next(manifest.objects(None, MF.entries))))


def _name(test: URIRef) -> str:
    return str(test).rsplit("#", 1)[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path_factory.mktemp("store")), "PLANKG_WRITE_TOKEN": TOKEN}
    proc, base = start_server(env, "--query-timeout", "20")
    httpx.get(base + "/audit", timeout=600)  # the audit computed at start is done before updates need every worker
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _update(base: str, text: str) -> None:
    r = httpx.post(base + "/sparql", content=text.encode(), timeout=60,
                   headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.text


def _load_graph_data(base: str, test) -> None:
    _update(base, "DROP ALL")
    for data in manifest.objects(test, UT.graphData):
        source = HERE / Path(str(manifest.value(data, UT.graph))).name
        body = source.read_text(encoding="utf-8")
        _update(base, f"INSERT DATA {{ GRAPH <{manifest.value(data, RDFS.label)}> {{ {body} }} }}")


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if "json" in media:
        return response.json()["boolean"]
    root = ET.fromstring(response.content)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


def _send(base: str, request) -> httpx.Response:
    path = str(manifest.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    headers_list = manifest.value(request, HT.headers)
    if headers_list is not None:
        for h in Collection(manifest, headers_list):
            headers[str(manifest.value(h, HT.fieldName))] = str(manifest.value(h, HT.fieldValue))
    body = manifest.value(request, HT.body)
    content = None
    if body is not None:
        encoding = str(manifest.value(body, CNT.characterEncoding) or "UTF-8")
        content = str(manifest.value(body, CNT.chars)).encode(encoding)
        headers.setdefault("content-type", "")  # no media type: the request says nothing of its body
    method = str(manifest.value(request, HT.methodName))
    return httpx.request(method, base + path, content=content, headers=headers, timeout=60)


def _check(response: httpx.Response, expected) -> None:
    statuses = {str(s).removeprefix(HTS) for s in manifest.objects(expected, MF.expectedStatus)}
    family = f"{response.status_code // 100}xx"
    assert family in statuses, (response.status_code, statuses, response.text[:300])
    if response.status_code >= 300:
        assert response.headers["content-type"].startswith("application/problem+json")
        return
    fmt = manifest.value(expected, MF.expectedFormat)
    media = response.headers.get("content-type", "").split(";")[0]
    if fmt is not None and str(fmt) == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml")
    elif fmt is not None and str(fmt) == "tabular":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                         "text/tab-separated-values")
    elif fmt is not None and str(fmt) == "RDF":
        assert media in ("application/rdf+xml", "text/turtle", "application/n-triples")
        Graph().parse(data=response.content, format={"application/rdf+xml": "xml", "text/turtle": "turtle",
                                                     "application/n-triples": "nt"}[media])
    boolean = manifest.value(expected, MF.expectedBoolean)
    if boolean is not None:
        assert _boolean(response) is boolean.toPython()


@pytest.mark.parametrize("test", ENTRIES, ids=_name)
def test_w3c_protocol(server, test):
    assert (test, RDF.type, MF.ProtocolTest) in manifest
    if _name(test) in NOT_PASSING:
        pytest.xfail(NOT_PASSING[_name(test)])
    _load_graph_data(server, test)
    requests = manifest.value(manifest.value(test, MF.action), HT.requests)
    for request in Collection(manifest, requests):
        _check(_send(server, request), manifest.value(request, HT.resp))


def test_manifest_is_whole():
    assert len(ENTRIES) == 34
