"""The HTTP service: a SPARQL 1.1 Protocol endpoint and a REST API over the plans.

Every answer comes from the graph, through a named query (REST) or the caller's own query
(``/sparql``); queries run in worker processes (api/workers.py) so that a time limit can
really stop them. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from plankg import __version__
from plankg.graph.plan_memory import DEFAULT_CAPACITY
from plankg.graph.stores import QueryDataset
from plankg.queries import named, pages

from . import linked_data
from .access_log import AccessLog
from .workers import Busy, QueryTimeout, StoreSpec, WorkerDied, WorkerPool

ID = "https://w3id.org/plankg/id/"
READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


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
    max_body_bytes: int = 2_000_000  # a larger request body is refused with 413, before it is read whole
    audit_timeout: float = 300.0  # seconds the audit may take when the store holds no stored report
    cors_origins: list[str] = field(default_factory=list)  # origins allowed to read (not update); "*" for any
    plans_in_memory: int = DEFAULT_CAPACITY  # plans each REST API worker keeps copied in memory (graph/plan_memory.py)


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
    audit_cache: dict = {}

    @app.on_event("startup")
    async def start() -> None:
        limits = {"max_rows": settings.max_rows, "max_response_bytes": settings.max_response_bytes}
        # Two lanes: the callers' own queries (/sparql, and the audit), and the REST API's named queries,
        # so that slow or hostile SPARQL can fill its lane without making the API wait. Each has
        # max_concurrent workers: with one, the API used one core (/goals: 0.4× Oxigraph's server).
        pool["p"] = WorkerPool(settings.store, settings.max_concurrent, settings.query_timeout, limits,
                               settings.queue_wait)
        # The named queries of one plan (the web views, pages of projects) may be answered from an in-memory
        # copy of the plan: 20-30x faster than the on-disk store (graph/plan_memory.py).
        pool["named"] = WorkerPool(settings.store, settings.max_concurrent, settings.query_timeout,
                                   {**limits, "plans_in_memory": settings.plans_in_memory}, settings.queue_wait)
        audit_task()  # started now, so that the first page to ask for it finds it ready (or under way)

    @app.on_event("shutdown")
    async def stop() -> None:
        for p in pool.values():
            p.close()

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        return problem_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException):
        return problem_response(Problem(exc.status_code, _reason(exc.status_code), str(exc.detail or ""),
                                        dict(exc.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        detail = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return problem_response(Problem(400, "Bad parameter", detail[:500]))

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(ReadOnlyCors, origins=settings.cors_origins)

    app.add_middleware(AccessLog)  # added last: the outermost, so it logs every answer, refusals too

    async def run(job: dict, timeout: float | None = None, lane: str = "p"):
        """A job in a worker of ``lane``: its payload and whether rows were cut, or a Problem."""
        try:
            answer = await pool[lane].run(job, timeout)
        except QueryTimeout as exc:
            raise Problem(503, "Query stopped", str(exc), {"Retry-After": "5"}) from None
        except WorkerDied as exc:
            raise Problem(503, "Worker stopped", f"{exc}; a fresh worker has taken its place",
                          {"Retry-After": "1"}) from None
        except Busy as exc:
            raise Problem(503, "Busy", str(exc), {"Retry-After": "5"}) from None
        if answer[0] != "ok":
            _, status, title, detail = answer
            raise Problem(status, title, detail)
        return answer[1:]

    async def run_query(kind: str, sparql):
        """For other modules (the Linked Data pages): typed SPARQL JSON rows of a query, through the workers."""
        res, truncated = await run({"kind": "select", "query": sparql}, lane="named")
        return res, truncated

    app.state.run_query = run_query

    async def named_rows(name: str, params: dict) -> tuple[list[dict], bool]:
        try:
            bound = named.get(name).bind({k: v for k, v in params.items() if v is not None})
        except named.QueryError as exc:
            raise Problem(400, "Bad parameter", str(exc)) from None
        return await run({"kind": "rows", "query": bound}, lane="named")

    def page_bounds(request: Request) -> tuple[int, int]:
        return _int_param(request, "limit", settings.page_size, 1, 1000), _int_param(request, "offset", 0, 0, 10**9)

    def page(rows: list[dict], request: Request, truncated: bool = False) -> JSONResponse:
        limit, offset = page_bounds(request)
        # A response, not a dict: rows of strings need no walk through FastAPI's jsonable_encoder.
        return JSONResponse({"total": len(rows), "offset": offset, "limit": limit, "truncated": truncated,
                             "more": offset + limit < len(rows) or truncated, "items": rows[offset:offset + limit]})

    async def listing(name: str, params: dict, request: Request) -> JSONResponse:
        """A page of a named query. Across every plan, a query of rows by plan is read a plan at a time
        until the page is full (queries/pages.py); a query of rows by key, a key at a time: that page
        has no total."""
        params = {k: v for k, v in params.items() if v is not None}
        query = named.catalogue()[name]
        if not pages.reads_in_parts(query, params):
            rows, t = await named_rows(name, params)
            return page(rows, request, t)
        try:
            query.bind(params)
        except named.QueryError as exc:
            raise Problem(400, "Bad parameter", str(exc)) from None
        limit, offset = page_bounds(request)
        rows, more = await run({"kind": "page", "name": name, "params": params, "limit": limit, "offset": offset},
                               lane="named")
        return JSONResponse({"total": None, "offset": offset, "limit": limit, "truncated": False, "more": more,
                             "items": rows})

    # --- operations -------------------------------------------------------------------------

    @app.get("/healthz", tags=["operations"])
    async def healthz():
        """Answered by the event loop alone: it never waits behind queries."""
        return {"status": "ok", "store": settings.store.kind, "version": __version__,
                "workers": sum(p.size for p in pool.values()), "idle": sum(p._idle.qsize() for p in pool.values())}

    # --- SPARQL 1.1 Protocol ------------------------------------------------------------------

    @app.api_route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], tags=["sparql"],
                   summary="SPARQL 1.1 Protocol endpoint")
    async def sparql(request: Request):
        query, update, params = await _read_protocol(request)
        base = str(request.url).split("?")[0]  # relative IRIs resolve against the endpoint
        if update is not None:
            return await _update(update, params, base, request)
        for name in ("using-graph-uri", "using-named-graph-uri"):
            if params.get(name):
                raise Problem(400, "Bad parameter", f"{name} belongs to updates, not queries")
        if query is None:
            if request.method == "GET":
                return _service_description(request, settings)
            raise Problem(400, "Missing query", "give the query as query=, or POST it as application/sparql-query")
        dataset = _dataset(params, "default-graph-uri", "named-graph-uri")
        media, body, truncated = await run({"kind": "sparql", "query": query, "dataset": dataset, "base": base,
                                            "accept": request.headers.get("accept", "*/*")})
        headers = {"X-Result-Truncated": f"rows>{settings.max_rows}"} if truncated else {}
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
            ctype, _, options = request.headers.get("content-type", "").partition(";")
            ctype = ctype.strip().lower()
            charset = next((o.split("=", 1)[1].strip().strip('"').lower() for o in options.split(";")
                            if o.strip().lower().startswith("charset=")), "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise Problem(415, "Unsupported charset", "SPARQL requests are UTF-8")
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
        if u and request.method == "POST" and not body_params.get("update"):
            raise Problem(400, "Update in the URL", "an update goes in the POST body")
        query = query if query is not None else (q[0] if q else None)
        update = update if update is not None else (u[0] if u else None)
        merged = {k: params.get(k, []) + body_params.get(k, []) for k in
                  ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")}
        return query, update, merged

    async def _update(update: str, params: dict, base: str, request: Request):
        token = settings.write_token
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if not token or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Problem(403, "Forbidden", "updates need the server's write token (Authorization: Bearer …)")
        if settings.store.kind != "oxigraph":
            raise Problem(501, "Not Implemented", "updates go to the embedded store only; this server reads "
                          f"a {settings.store.kind}")
        using = _dataset(params, "using-graph-uri", "using-named-graph-uri")
        try:
            answer = await pool["p"].exclusive({"kind": "update", "update": update, "using": using, "base": base},
                                               others=(pool["named"],))
        except Busy as exc:
            raise Problem(503, "Busy", str(exc), {"Retry-After": "5"}) from None
        except (QueryTimeout, WorkerDied) as exc:
            raise Problem(503, "Update stopped", str(exc), {"Retry-After": "5"}) from None
        finally:
            audit_cache.clear()
        if answer[0] != "ok":
            _, status, title, detail = answer
            raise Problem(status, title, detail)
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
        return JSONResponse({"total": len(rows), "offset": 0, "limit": len(rows), "truncated": t, "items": rows})

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
        return await listing("indicators", {"plan": _plan_iri(plan), "attribute": attribute, "category": category},
                             request)

    @app.get("/indicators/{indicator_id:path}", tags=["indicators"])
    async def indicator(indicator_id: str):
        return await entity(ID + indicator_id)

    @app.get("/places", tags=["places"])
    async def places(request: Request, plan: str | None = None):
        rows, t = await named_rows("places", {"plan": _plan_iri(plan)})
        return page(rows, request, t)

    @app.get("/places/{code}/projects", tags=["places"])
    async def place_projects(code: str, request: Request, plan: str | None = None):
        return await listing("county-projects", {"code": code, "plan": _plan_iri(plan)}, request)

    @app.get("/projects", tags=["projects"])
    async def projects(request: Request, plan: str | None = None, sector: str | None = None,
                       place: str | None = None, goal: str | None = None, text: str | None = None):
        params = {"plan": _plan_iri(plan), "sector": _prefixed(sector, "sector:"),
                  "place": _prefixed(place, "place:"), "goal": ID + goal if goal else None, "text": text}
        return await listing("projects", params, request)

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

    @app.get("/queries/{name}/sparql", tags=["queries"], response_class=PlainTextResponse,
             responses={200: {"content": {"application/sparql-query": {}}}})
    async def named_text(name: str, request: Request):
        """The named query with its parameters substituted, as a query anyone can run or edit (the SPARQL
        page's editor): substituted on the parse tree and checked, never spliced into the text (docs/queries.md)."""
        if name not in named.catalogue():
            raise Problem(404, "Not Found", f"no named query {name}")
        (text,) = await run({"kind": "bound_text", "name": name, "params": dict(request.query_params)}, lane="named")
        return PlainTextResponse(text, media_type="application/sparql-query")

    @app.get("/queries/{name}", tags=["queries"])
    async def run_named(name: str, request: Request):
        params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
        if name not in named.catalogue():
            raise Problem(404, "Not Found", f"no named query {name}")
        return await listing(name, params, request)

    @app.get("/search", tags=["search"])
    async def search(q: str, request: Request):
        rows, t = await run({"kind": "search", "q": q}, lane="named")  # jieba and the query, in a worker
        return page(rows, request, t)

    @app.get("/audit", tags=["audit"])
    async def audit():
        """The stored audit reports, or the audit computed once per store generation (in a worker)."""
        report, _ = await asyncio.shield(audit_task())
        return report

    def audit_task() -> asyncio.Future:
        """The audit of this store generation: one computation, shared by every request (retried if it failed)."""
        generation = pool["p"].version()
        task = audit_cache.get(generation)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            audit_cache.clear()
            task = audit_cache[generation] = asyncio.ensure_future(
                run({"kind": "audit"}, timeout=settings.audit_timeout))
        return task

    app.include_router(linked_data.router)
    return app


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
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:  # "²".isdigit() is true
        raise Problem(400, "Bad parameter", f"{name} must be an integer from {low} to {high}")
    return int(raw)


def _service_description(request: Request, settings: Settings) -> PlainTextResponse:
    endpoint = str(request.url).split("?")[0]
    formats = "".join(f"    sd:resultFormat <http://www.w3.org/ns/formats/{f}> ;\n" for f in
                      ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG"))
    body = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dct: <http://purl.org/dc/terms/> .

[] a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
{formats}    sd:feature sd:UnionDefaultGraph ;
    dct:description "plankg {__version__}: Chinese development plans. Queries are limited to {settings.query_timeout:g} s and {settings.max_rows} rows; SERVICE, LOAD and updates are refused." .
"""
    return PlainTextResponse(body, media_type="text/turtle; charset=utf-8")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _dataset(params: dict, default: str, named_: str) -> QueryDataset | None:
    """The protocol's dataset from its parameters, each value checked to be an absolute IRI."""
    from rdflib.term import _is_valid_uri

    given = params.get(default, []) + params.get(named_, [])
    if not given:
        return None
    for iri in given:
        if ":" not in iri or not _is_valid_uri(iri):
            raise Problem(400, "Bad graph IRI", f"not an absolute IRI: {iri!r}")
    return QueryDataset(tuple(params.get(default, [])), tuple(params.get(named_, [])))


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, by Content-Length or while they stream in."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send):
        response = problem_response(Problem(413, "Request too large",
                                            f"request bodies are limited to {self.limit} bytes"))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class ReadOnlyCors:
    """Opt-in CORS: other origins may read (queries, REST, pages), never update: the Authorization header is
    not allowed cross-origin, so a browser cannot send the write token from another site."""

    def __init__(self, app, origins: list[str]):
        self.app, self.origins = app, set(origins)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        origin = dict(scope.get("headers", [])).get(b"origin", b"").decode("latin-1")
        allowed = origin and ("*" in self.origins or origin in self.origins)
        if not allowed:
            return await self.app(scope, receive, send)
        cors = [(b"access-control-allow-origin", b"*" if "*" in self.origins else origin.encode("latin-1")),
                (b"vary", b"Origin"), (b"access-control-expose-headers", b"X-Result-Truncated")]
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": cors + [
                (b"access-control-allow-methods", b"GET, POST"),
                (b"access-control-allow-headers", b"Accept, Content-Type"), (b"access-control-max-age", b"600")]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + cors}
            await send(message)

        await self.app(scope, receive, with_cors)
