"""The HTTP service: a SPARQL 1.1 Protocol endpoint and a REST API over the plans.

Every answer comes from the graph, through a named query (REST) or the caller's own query
(``/sparql``); queries run in worker processes (api/workers.py) so that a time limit can
really stop them. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from plankg import __version__
from plankg.queries import named
from plankg.queries.results import to_csv, to_tsv

from . import linked_data
from .negotiation import choose
from .workers import Busy, QueryTimeout, StoreSpec, WorkerPool

log = logging.getLogger("plankg.access")
ID = "https://w3id.org/plankg/id/"

RESULT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                "application/sparql-results+xml": "xml", "application/xml": "xml", "text/csv": "csv",
                "text/tab-separated-values": "tsv"}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/trig": "trig"}


@dataclass
class Settings:
    store: StoreSpec
    query_timeout: float = 30.0  # seconds a query may run before its worker is killed
    max_rows: int = 10_000  # rows of a result; more are cut, and the cut is reported
    max_response_bytes: int = 20_000_000  # a larger answer is refused with 413, not cut silently
    max_concurrent: int = 2  # worker processes, so queries under way at once
    queue_wait: float = 30.0  # seconds a request waits for a free worker before 503
    write_token: str | None = None  # SPARQL Update is refused (403) without it
    page_size: int = 50


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", headers: dict | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


def problem_response(p: Problem) -> JSONResponse:
    body = {"type": "about:blank", "title": p.title, "status": p.status, "detail": p.detail}
    return JSONResponse(body, status_code=p.status, media_type="application/problem+json", headers=p.headers)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="plankg", version=__version__,
                  description="Chinese development plans as a knowledge graph: a SPARQL 1.1 endpoint and a REST API.")
    pool: dict = {}

    @app.on_event("startup")
    async def start() -> None:
        pool["p"] = WorkerPool(settings.store, settings.max_concurrent, settings.query_timeout, settings.max_rows,
                               settings.queue_wait)

    @app.on_event("shutdown")
    async def stop() -> None:
        pool["p"].close()

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        return problem_response(exc)

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        log.info(json.dumps({"method": request.method, "path": request.url.path, "status": response.status_code,
                             "ms": round((time.perf_counter() - started) * 1000, 1),
                             "client": request.client.host if request.client else None}))
        return response

    async def run(kind: str, sparql: str):
        try:
            status, payload, truncated = await pool["p"].run(kind, sparql)
        except QueryTimeout as exc:
            raise Problem(503, "Query stopped", str(exc), {"Retry-After": "5"}) from None
        except Busy as exc:
            raise Problem(503, "Busy", str(exc), {"Retry-After": "5"}) from None
        if status != "ok":
            raise Problem(400, "Query failed", payload)
        return payload, truncated

    app.state.run_query = run  # the Linked Data pages (api/linked_data.py) query through the same workers

    async def select(sparql: str) -> tuple[list[dict], bool]:
        res, truncated = await run("select", sparql)
        return [{k: v["value"] for k, v in row.items()} for row in res["results"]["bindings"]], truncated

    async def named_rows(name: str, params: dict) -> tuple[list[dict], bool]:
        try:
            sparql = named.get(name).bind({k: v for k, v in params.items() if v is not None})
        except named.QueryError as exc:
            raise Problem(400, "Bad parameter", str(exc)) from None
        return await select(sparql)

    def page(rows: list[dict], request: Request, truncated: bool = False) -> dict:
        limit = _int_param(request, "limit", settings.page_size, 1, 1000)
        offset = _int_param(request, "offset", 0, 0, 10**9)
        return {"total": len(rows), "offset": offset, "limit": limit, "truncated": truncated,
                "items": rows[offset:offset + limit]}

    # --- operations -------------------------------------------------------------------------

    @app.get("/healthz", tags=["operations"])
    async def healthz():
        res, _ = await run("select", "ASK {}")
        return {"status": "ok", "store": settings.store.kind, "version": __version__, "ask": res.get("boolean")}

    # --- SPARQL 1.1 Protocol ------------------------------------------------------------------

    @app.api_route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], tags=["sparql"],
                   summary="SPARQL 1.1 Protocol endpoint")
    async def sparql(request: Request):
        query, update, dataset = await _read_protocol(request)
        if update is not None:
            return await _update(update, request)
        if query is None:
            if request.method == "GET":
                return _service_description(request, settings)
            raise Problem(400, "Missing query", "give the query as query=, or POST it as application/sparql-query")
        form = _query_form(query)
        if dataset:
            query = _with_dataset(query, dataset)
        accept = request.headers.get("accept", "*/*")
        if form in ("SELECT", "ASK"):
            media = choose(accept, list(RESULT_TYPES))
            if media is None:
                raise Problem(406, "Not Acceptable", f"{form} results come as {', '.join(RESULT_TYPES)}")
            res, truncated = await run("select", query)
            body = _serialize_results(res, RESULT_TYPES[media])
            headers = {"X-Result-Truncated": f"rows>{settings.max_rows}"} if truncated else {}
        else:
            media = choose(accept, list(GRAPH_TYPES))
            if media is None:
                raise Problem(406, "Not Acceptable", f"{form} results come as {', '.join(GRAPH_TYPES)}")
            nt, _ = await run("construct", query)
            body = _serialize_graph(nt, GRAPH_TYPES[media])
            headers = {}
        if len(body) > settings.max_response_bytes:
            raise Problem(413, "Response too large",
                          f"the answer is {len(body)} bytes, more than the limit of {settings.max_response_bytes}; "
                          "narrow the query or add LIMIT")
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        return Response(body, media_type=media + charset, headers=headers)

    async def _read_protocol(request: Request):
        params = parse_qs(request.url.query, keep_blank_values=True)
        body_params: dict = {}
        query = update = None
        if request.method not in ("GET", "POST"):
            raise Problem(405, "Method Not Allowed", "the SPARQL endpoint takes GET and POST",
                          {"Allow": "GET, POST"})
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            raw = await request.body()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Problem(400, "Not UTF-8", "the request body must be UTF-8") from None
            if ctype == "application/x-www-form-urlencoded":
                body_params = parse_qs(text, keep_blank_values=True)
            elif ctype == "application/sparql-query":
                query = text
            elif ctype == "application/sparql-update":
                update = text
            else:
                raise Problem(415, "Unsupported Media Type",
                              "POST application/x-www-form-urlencoded, application/sparql-query or "
                              "application/sparql-update")
        for source in (params, body_params):
            if len(source.get("query", [])) > 1 or len(source.get("update", [])) > 1:
                raise Problem(400, "Ambiguous request", "give one query (or one update), not several")
        q = params.get("query", []) + body_params.get("query", [])
        u = params.get("update", []) + body_params.get("update", [])
        if len(q) + len(u) + (query is not None) + (update is not None) > 1:
            raise Problem(400, "Ambiguous request", "give one query (or one update), not several")
        if request.method == "GET" and u:
            raise Problem(400, "Update by GET", "send updates with POST")
        query = query if query is not None else (q[0] if q else None)
        update = update if update is not None else (u[0] if u else None)
        dataset = {"default": params.get("default-graph-uri", []) + body_params.get("default-graph-uri", []),
                   "named": params.get("named-graph-uri", []) + body_params.get("named-graph-uri", [])}
        return query, update, dataset if dataset["default"] or dataset["named"] else None

    async def _update(update: str, request: Request):
        token = settings.write_token
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            raise Problem(403, "Forbidden", "updates need the server's write token (Authorization: Bearer …)")
        if re.search(r"\bLOAD\b", update, flags=re.I) or re.search(r"\bSERVICE\b", update, flags=re.I):
            raise Problem(403, "Forbidden", "LOAD and SERVICE would make the server fetch from the network")
        if settings.store.kind != "oxigraph":
            raise Problem(501, "Not Implemented", "updates go to the embedded store only; this server reads "
                          f"a {settings.store.kind}")

        def apply():
            from plankg.graph.stores import OxigraphStore

            store = OxigraphStore(settings.store.location)
            try:
                store.store.update(update)
                store.store.flush()
            except SyntaxError as exc:
                return str(exc).splitlines()[0][:500]
            finally:
                store.close()
            return None

        error = await pool["p"].exclusive(apply)
        if error:
            raise Problem(400, "Update syntax error", error)
        return Response(status_code=204)

    # --- web pages ---------------------------------------------------------------------------------

    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(static / "index.html", media_type="text/html; charset=utf-8")

    # --- REST ------------------------------------------------------------------------------------

    @app.get("/plans", tags=["plans"])
    async def plans(request: Request):
        rows, t = await named_rows("plans", {})
        return page(rows, request, t)

    @app.get("/plans/{plan_id}/outline", tags=["plans"])
    async def outline(plan_id: str, request: Request):
        rows, t = await named_rows("outline", {"plan": ID + plan_id})
        if not rows:
            raise Problem(404, "Not Found", f"no plan {plan_id}")
        return page(rows, request, t)

    @app.get("/plans/{plan_id}/text", tags=["plans"])
    async def text(plan_id: str, request: Request):
        rows, t = await named_rows("text", {"plan": ID + plan_id})
        if not rows:
            raise Problem(404, "Not Found", f"no plan {plan_id}")
        return {"total": len(rows), "offset": 0, "limit": len(rows), "truncated": t, "items": rows}

    @app.get("/goals", tags=["goals"])
    async def goals(request: Request, plan: str | None = None):
        rows, t = await named_rows("goals", {"plan": _plan_iri(plan)})
        return page(rows, request, t)

    @app.get("/goals/{goal_id:path}/projects", tags=["goals"])
    async def goal_projects(goal_id: str, request: Request):
        rows, t = await named_rows("goal-projects", {"goal": ID + goal_id})
        return page(rows, request, t)

    @app.get("/indicators", tags=["indicators"])
    async def indicators(request: Request, plan: str | None = None, binding: bool | None = None,
                         category: str | None = None):
        attribute = None if binding is None else ("pkg:Binding" if binding else "pkg:Expected")
        rows, t = await named_rows("indicators", {"plan": _plan_iri(plan), "attribute": attribute,
                                                  "category": category})
        return page(rows, request, t)

    @app.get("/indicators/{indicator_id:path}", tags=["indicators"])
    async def indicator(indicator_id: str):
        return await entity(ID + indicator_id)

    @app.get("/places", tags=["places"])
    async def places(request: Request, plan: str | None = None):
        rows, t = await named_rows("places", {"plan": _plan_iri(plan)})
        return page(rows, request, t)

    @app.get("/places/{code}/projects", tags=["places"])
    async def place_projects(code: str, request: Request):
        rows, t = await named_rows("county-projects", {"code": code})
        return page(rows, request, t)

    @app.get("/projects", tags=["projects"])
    async def projects(request: Request, plan: str | None = None, sector: str | None = None,
                       place: str | None = None, goal: str | None = None, text: str | None = None):
        params = {"plan": _plan_iri(plan), "sector": _prefixed(sector, "sector:"),
                  "place": _prefixed(place, "place:"), "goal": ID + goal if goal else None, "text": text}
        rows, t = await named_rows("projects", params)
        return page(rows, request, t)

    @app.get("/projects/{project_id:path}", tags=["projects"])
    async def project(project_id: str):
        return await entity(ID + project_id)

    async def entity(iri: str) -> dict:
        rows, _ = await named_rows("entity", {"entity": iri})
        if not rows:
            raise Problem(404, "Not Found", f"no entity {iri}")
        facts: dict = {}
        for row in rows:
            node = facts.setdefault(row["s"], {})
            node.setdefault(row["p"], []).append(row["o"])
        return {"iri": iri, "facts": facts}

    @app.get("/queries", tags=["queries"])
    async def queries():
        return [q.as_json() for q in named.catalogue().values()]

    @app.get("/queries/{name}", tags=["queries"])
    async def run_named(name: str, request: Request):
        params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
        if name not in named.catalogue():
            raise Problem(404, "Not Found", f"no named query {name}")
        rows, t = await named_rows(name, params)
        return page(rows, request, t)

    @app.get("/search", tags=["search"])
    async def search(q: str, request: Request):
        from plankg.extraction import segment

        words = [w for w in segment.words(q) if w.strip()] or [q]
        longest = max(words, key=len)
        rows, t = await named_rows("search", {"needle": longest})
        hits = [r for r in rows if all(w in r["text"] for w in words)]
        for r in hits:
            r["words"] = words
        return page(hits, request, t)

    @app.get("/audit", tags=["audit"])
    async def audit():
        from rdflib import Dataset

        from plankg.graph.audit import audit_dataset

        nt, _ = await run("construct", "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        ds = Dataset()
        ds.parse(data=nt, format="nt")
        # CONSTRUCT flattens the graphs; the audit wants the vocabulary apart from each plan.
        from plankg.graph.build import VOCABULARY_GRAPH

        res = audit_dataset(_split_by_plan(ds, VOCABULARY_GRAPH))
        return {"summary": {s: res.count(s) for s in ("violation", "warning", "info")},
                "findings": [f.as_json() for f in res.findings]}

    app.include_router(linked_data.router)
    return app


def _split_by_plan(flat, vocabulary):
    """Rebuild named graphs from a flat graph: subjects under a plan's IRI go to its graph."""
    from rdflib import Dataset, URIRef

    ds = Dataset()
    vocab = ds.graph(vocabulary)
    for s, p, o in flat.triples((None, None, None)):
        m = re.match(r"https://w3id\.org/plankg/id/([^/]+)", str(s))
        if m:
            ds.graph(URIRef(f"https://w3id.org/plankg/graph/{m.group(1)}")).add((s, p, o))
        else:
            vocab.add((s, p, o))
    return ds


def _plan_iri(plan: str | None) -> str | None:
    if not plan:
        return None
    return plan if plan.startswith("http") else ID + plan


def _prefixed(value: str | None, prefix: str) -> str | None:
    if not value:
        return None
    return value if ":" in value else prefix + value


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Problem(400, "Bad parameter", f"{name} must be an integer from {low} to {high}")
    return int(raw)


@lru_cache(maxsize=512)
def _query_form(query: str) -> str:
    """The query's form, after checking its syntax and refusing SERVICE (cached: parsing is slow)."""
    from rdflib.plugins.sparql import parser

    try:
        parsed = parser.parseQuery(query)
    except Exception as exc:
        raise Problem(400, "Query syntax error", str(exc).splitlines()[0][:500]) from None
    if _has_service(parsed):
        raise Problem(403, "Forbidden", "SERVICE would make the server fetch from the network; it is refused")
    name = parsed[1].name
    return {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
            "DescribeQuery": "DESCRIBE"}.get(name, "SELECT")


def _has_service(node) -> bool:
    """Whether a parsed query holds a SERVICE pattern anywhere (parse results, CompValues, lists)."""
    from pyparsing import ParseResults

    if getattr(node, "name", None) == "ServiceGraphPattern":
        return True
    if isinstance(node, dict):
        return any(_has_service(v) for v in node.values())
    if isinstance(node, (list, tuple, ParseResults)):
        return any(_has_service(v) for v in node)
    return False


def _with_dataset(query: str, dataset: dict) -> str:
    """default-graph-uri / named-graph-uri: the protocol's dataset replaces the query's FROM clauses."""
    for iri in dataset["default"] + dataset["named"]:
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*", iri):
            raise Problem(400, "Bad graph IRI", f"not an IRI: {iri!r}")
    clauses = "".join(f"FROM <{g}>\n" for g in dataset["default"]) + "".join(
        f"FROM NAMED <{g}>\n" for g in dataset["named"])
    body = re.sub(r"\bFROM\s+(NAMED\s+)?<[^>]*>\s*", "", query, flags=re.I)
    m = re.search(r"\bWHERE\b", body, flags=re.I) or re.search(r"\{", body)
    if m is None:
        raise Problem(400, "Query syntax error", "no WHERE clause")
    return body[:m.start()] + clauses + body[m.start():]


def _serialize_results(res: dict, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(res, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        return to_csv(res).encode("utf-8")
    if fmt == "tsv":
        return to_tsv(res).encode("utf-8")
    return _results_xml(res).encode("utf-8")


def _results_xml(res: dict) -> str:
    from xml.sax.saxutils import escape, quoteattr

    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>')
    for v in res.get("head", {}).get("vars", []):
        out.write(f"<variable name={quoteattr(v)}/>")
    out.write("</head>\n")
    if "boolean" in res:
        out.write(f"<boolean>{'true' if res['boolean'] else 'false'}</boolean>\n</sparql>\n")
        return out.getvalue()
    out.write("<results>\n")
    for row in res["results"]["bindings"]:
        out.write("<result>")
        for var, term in row.items():
            out.write(f"<binding name={quoteattr(var)}>")
            if term["type"] == "uri":
                out.write(f"<uri>{escape(term['value'])}</uri>")
            elif term["type"] == "bnode":
                out.write(f"<bnode>{escape(term['value'])}</bnode>")
            else:
                attrs = ""
                if "xml:lang" in term:
                    attrs = f" xml:lang={quoteattr(term['xml:lang'])}"
                elif "datatype" in term:
                    attrs = f" datatype={quoteattr(term['datatype'])}"
                out.write(f"<literal{attrs}>{escape(term['value'])}</literal>")
            out.write("</binding>")
        out.write("</result>\n")
    out.write("</results>\n</sparql>\n")
    return out.getvalue()


def _serialize_graph(nt: bytes, fmt: str) -> bytes:
    from rdflib import Dataset, Graph

    g = Graph().parse(data=nt, format="nt")
    if fmt == "trig":
        ds = Dataset()
        ds.default_graph += g
        return ds.serialize(format="trig", encoding="utf-8")
    return g.serialize(format=fmt, encoding="utf-8")


def _service_description(request: Request, settings: Settings) -> PlainTextResponse:
    endpoint = str(request.url).split("?")[0]
    formats = "".join(f"    sd:resultFormat <http://www.w3.org/ns/formats/{f}> ;\n" for f in
                      ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "TriG"))
    body = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dct: <http://purl.org/dc/terms/> .

[] a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
{formats}    sd:feature sd:UnionDefaultGraph ;
    dct:description "plankg {__version__}: Chinese development plans. Queries are limited to {settings.query_timeout:g} s and {settings.max_rows} rows; SERVICE, LOAD and updates are refused." .
"""
    return PlainTextResponse(body, media_type="text/turtle; charset=utf-8")
