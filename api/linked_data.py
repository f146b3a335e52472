"""Linked Data: every IRI the graph mints under https://w3id.org/plankg/ resolves on this server.

``/id/…`` (extracted entities), ``/place/…``, ``/sector/…`` and ``/unit/…`` answer with what the graph
says about the IRI: an HTML page for a browser, or Turtle, JSON-LD or N-Triples by content negotiation
(``?format=ttl|jsonld|nt|html`` overrides the Accept header). The page shows the label, the facts, the
evidence quotes with a link to the marked span in the text view, and links to the neighbours (the IRIs it
points to and those pointing to it). Lookups are named queries (describe.rq, links-in.rq) run through the
app's query workers, off the event loop.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from plankg.queries import named

from .negotiation import choose

BASE = "https://w3id.org/plankg/"
ID = BASE + "id/"
FORMATS = {"text/html": "html", "text/turtle": "turtle", "application/ld+json": "json-ld",
           "application/n-triples": "nt"}
BY_NAME = {"html": "text/html", "ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
           "json-ld": "application/ld+json", "nt": "application/n-triples"}
PREFIXES = {"pkg": "https://w3id.org/plankg/ontology#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": "http://www.w3.org/2004/02/skos/core#",
            "dct": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#", "oa": "http://www.w3.org/ns/oa#",
            "qb": "http://purl.org/linked-data/cube#", "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "plan": ID, "place": BASE + "place/",
            "sector": BASE + "sector/", "unit": BASE + "unit/"}
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel")
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA = "http://www.w3.org/ns/oa#"

router = APIRouter(tags=["linked data"])


KINDS = ("id", "place", "sector", "unit")


async def resolve(kind: str, path: str, request: Request, format: str | None = None):
    iri = f"{BASE}{kind}/{path}"
    if format is not None:
        media = BY_NAME.get(format)
        if media is None:
            return _problem(400, "Bad parameter", f"format must be one of {', '.join(sorted(BY_NAME))}")
    else:
        media = choose(request.headers.get("accept", "*/*"), list(FORMATS))
        if media is None:
            return _problem(406, "Not Acceptable", f"this IRI is described as {', '.join(FORMATS)}")
    try:
        facts = await _rows(request, "describe", iri)
    except named.QueryError:  # characters an IRI cannot hold: nothing can be minted there
        return _problem(404, "Not Found", f"not an IRI of this graph: {iri!r}")
    if not facts:
        return _problem(404, "Not Found", f"the graph says nothing about {iri}")
    incoming = await _rows(request, "links-in", iri)
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    if FORMATS[media] == "html":
        page = await run_in_threadpool(_html, iri, facts, incoming)
        return HTMLResponse(page, headers=headers)
    body = await run_in_threadpool(_serialize, iri, facts, incoming, FORMATS[media])
    charset = "; charset=utf-8" if media.startswith("text/") else ""
    return Response(body, media_type=media + charset, headers=headers)


def _route(kind: str):
    async def endpoint(path: str, request: Request, format: str | None = None):
        return await resolve(kind, path, request, format)
    return endpoint


for _kind in KINDS:
    router.add_api_route(f"/{_kind}/{{path:path}}", _route(_kind), methods=["GET"], name=f"resolve-{_kind}",
                         summary=f"Resolve an IRI under {BASE}{_kind}/ (HTML, Turtle, JSON-LD, N-Triples)")


async def _rows(request: Request, name: str, iri: str) -> list[dict]:
    """A named query's rows with typed terms (SPARQL JSON bindings), through the app's query workers."""
    sparql = named.get(name).bind({"entity": iri})
    res, _ = await request.app.state.run_query("select", sparql)
    return res["results"]["bindings"]


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


# --- RDF ---------------------------------------------------------------------------------------

def _term(b: dict):
    from rdflib import BNode, Literal, URIRef

    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))


def _serialize(iri: str, facts: list[dict], incoming: list[dict], fmt: str) -> bytes:
    from rdflib import RDFS, Graph, URIRef

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for row in facts:
        g.add((_term(row["s"]), _term(row["p"]), _term(row["o"])))
        if "label" in row:
            g.add((_term(row["o"]), RDFS.label, _term(row["label"])))
    for row in incoming:
        g.add((_term(row["s"]), _term(row["p"]), URIRef(iri)))
        if "label" in row:
            g.add((_term(row["s"]), RDFS.label, _term(row["label"])))
    return g.serialize(format=fmt, encoding="utf-8")


# --- HTML --------------------------------------------------------------------------------------

def _curie(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _local(iri: str) -> str | None:
    """The path this server answers an IRI at, if it mints it."""
    if iri.startswith(BASE) and iri[len(BASE):].split("/")[0] in KINDS:
        return "/" + iri[len(BASE):]
    return None


def _link(iri: str, label: str | None = None) -> str:
    local = _local(iri)
    text = escape(label) if label else escape(_curie(iri))
    title = f' title="{escape(iri)}"' if label else ""
    if local:
        return f'<a href="{escape(local)}"{title}>{text}</a>'
    if iri.startswith(("http://", "https://")):
        return f'<a href="{escape(iri)}" rel="external"{title}>{text}</a>'
    return text


def _value(b: dict, label: str | None) -> str:
    if b["type"] == "uri":
        return _link(b["value"], label)
    text = escape(b["value"])
    if "xml:lang" in b:
        return f'<span lang="{escape(b["xml:lang"])}">{text}</span>'
    if "datatype" in b and not b["datatype"].endswith(("#string", "#integer", "#decimal")):
        return f'{text} <small class="muted">{escape(_curie(b["datatype"]))}</small>'
    return text


def _label_of(facts: list[dict], subject: str) -> str | None:
    by_lang: dict[str, str] = {}
    for row in facts:
        if row["s"]["value"] == subject and row["p"]["value"] in LABELS:
            by_lang.setdefault(row["o"].get("xml:lang", ""), row["o"]["value"])
    return by_lang.get("zh") or by_lang.get("") or next(iter(by_lang.values()), None)


def _evidence(iri: str, facts: list[dict]) -> list[dict]:
    """Every evidence span in the description: the quote, its offsets and line, and whose it is."""
    props: dict[str, dict] = {}
    for row in facts:
        props.setdefault(row["s"]["value"], {}).setdefault(row["p"]["value"], []).append(row["o"]["value"])
    out = []
    for node, p in sorted(props.items()):
        if not node.endswith("/evidence"):
            continue
        start = end = exact = None
        for sel in p.get(OA + "hasSelector", []):
            sp = props.get(sel, {})
            start = sp.get(OA + "start", [start])[0]
            end = sp.get(OA + "end", [end])[0]
            exact = sp.get(OA + "exact", [exact])[0]
        line = p.get("https://w3id.org/plankg/ontology#line", [None])[0]
        out.append({"of": node[: -len("/evidence")], "start": start, "end": end, "quote": exact, "line": line})
    return out


def _plan_id(iri: str) -> str | None:
    return iri[len(ID):].split("/")[0] if iri.startswith(ID) else None


def _html(iri: str, facts: list[dict], incoming: list[dict]) -> str:
    label = _label_of(facts, iri) or _curie(iri)
    types: dict[str, list[str]] = {}  # type IRI -> its labels, Chinese first
    for r in facts:
        if r["s"]["value"] == iri and r["p"]["value"] == TYPE:
            names = types.setdefault(r["o"]["value"], [])
            if "label" in r:
                names.insert(0 if r["label"].get("xml:lang") == "zh" else len(names), r["label"]["value"])
    own = [r for r in facts if r["s"]["value"] == iri]
    rows, seen = [], set()
    for r in own:
        key = (r["p"]["value"], r["o"]["value"])
        if key in seen:  # one row per statement, whatever the number of labels of its object
            continue
        seen.add(key)
        labels = [x.get("label") for x in own if (x["p"]["value"], x["o"]["value"]) == key and x.get("label")]
        zh = next((lb["value"] for lb in labels if lb.get("xml:lang") == "zh"), None)
        rows.append(f"<tr><th scope=\"row\">{_link(r['p']['value'])}</th>"
                    f"<td>{_value(r['o'], zh or (labels[0]['value'] if labels else None))}</td></tr>")
    plan = _plan_id(iri)
    quotes = []
    for ev in _evidence(iri, facts):
        where = ""
        if plan and ev["start"] is not None:
            href = f"/#/text?plan={quote(plan)}&start={ev['start']}&end={ev['end']}"
            where = f' <a class="evidence" href="{escape(href)}">原文 L{escape(str(ev["line"]))} · text</a>'
        whose = "" if ev["of"] == iri else f' <small class="muted">({escape(_curie(ev["of"]))})</small>'
        quotes.append(f"<li><q>{escape(ev['quote'] or '')}</q>{where}{whose}</li>")
    seen_in = set()
    links_in = []
    for r in incoming:
        key = (r["s"]["value"], r["p"]["value"])
        if key in seen_in:
            continue
        seen_in.add(key)
        links_in.append(f"<tr><td>{_link(r['s']['value'], r.get('label', {}).get('value'))}</td>"
                        f"<td>{_link(r['p']['value'])}</td></tr>")
    formats = " · ".join(f'<a href="?format={f}" type="{escape(m)}">{n}</a>' for f, m, n in
                         (("ttl", "text/turtle", "Turtle"), ("jsonld", "application/ld+json", "JSON-LD"),
                          ("nt", "application/n-triples", "N-Triples")))
    type_text = "、".join(_link(t, " ".join(names) or None) for t, names in sorted(types.items()))
    return f"""<!doctype html>
<html lang="zh">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(label)} · plankg</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="alternate" type="text/turtle" href="?format=ttl">
<link rel="alternate" type="application/ld+json" href="?format=jsonld">
</head>
<body class="entity-page">
<a class="skip" href="#main">跳到正文 Skip to content</a>
<header><p class="brand"><a href="/">plankg</a> <small>规划知识图谱 · plan knowledge graph</small></p>
<nav aria-label="格式 Formats">{formats}</nav></header>
<main id="main">
<h1>{escape(label)}</h1>
<p class="iri"><code>{escape(iri)}</code></p>
<p>类型 Type: {type_text or "—"}</p>
<section aria-labelledby="quotes"><h2 id="quotes">原文依据 Evidence</h2>
{"<ul class='quotes'>" + "".join(quotes) + "</ul>" if quotes else "<p class='muted'>无 none</p>"}</section>
<section aria-labelledby="facts"><h2 id="facts">事实 Facts</h2>
<table class="facts"><thead><tr><th scope="col">属性 Property</th><th scope="col">值 Value</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></section>
<section aria-labelledby="in"><h2 id="in">指向它的 Linked from ({len(links_in)})</h2>
{('<table class="facts"><thead><tr><th scope="col">实体 Entity</th><th scope="col">属性 Property</th></tr></thead><tbody>'
  + "".join(links_in) + "</tbody></table>") if links_in else "<p class='muted'>无 none</p>"}</section>
</main>
</body>
</html>
"""
