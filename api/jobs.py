"""The work done inside a worker process: check, evaluate and serialise, so the event loop never does.

Every job answers a tuple: ``("ok", ...)`` or ``("error", status, title, detail)``; nothing raises
out of :meth:`Runner.run`, so one bad request never costs the worker.
"""

from __future__ import annotations

import json
from itertools import islice

from plankg.queries import checks
from plankg.queries.results import to_csv, to_tsv, to_xml

from .negotiation import choose

RESULT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                "application/sparql-results+xml": "xml", "application/xml": "xml", "text/csv": "csv",
                "text/tab-separated-values": "tsv"}
GRAPH_TYPES = {"text/turtle": "TURTLE", "application/n-triples": "N_TRIPLES", "application/ld+json": "JSON_LD",
               "application/rdf+xml": "RDF_XML", "application/trig": "TRIG"}
AUDIT_SUFFIX = "/audit"  # the stored audit report of plan graph G is the named graph G + "/audit"


class JobError(Exception):
    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _open(spec, writer: bool, plans_in_memory: int = 0):
    from plankg.graph.stores import OxigraphStore, RdflibStore, RemoteStore

    if spec.kind == "oxigraph":
        return OxigraphStore(spec.location, read_only=not writer, plans_in_memory=plans_in_memory)
    if spec.kind == "file":
        return RdflibStore(path=spec.location)
    return RemoteStore(spec.location, user=spec.user, password=spec.password, timeout=spec.timeout)


class Runner:
    def __init__(self, spec, limits: dict, writer: bool = False, egress: str = ""):
        self.spec, self.limits, self.writer, self.egress = spec, limits, writer, egress
        self.store = None
        self.stamp = None  # the store's generation when this worker opened it
        self.open_error = ""
        self.max_rows = limits.get("max_rows", 10_000)
        self.max_bytes = limits.get("max_response_bytes", 20_000_000)

    def open(self) -> None:
        from plankg.graph.stores import StoreError, store_generation

        if self.spec.kind == "oxigraph":
            self.stamp = store_generation(self.spec.location)  # read first: a write after it is seen next time
        try:
            self.store = _open(self.spec, self.writer, self.limits.get("plans_in_memory", 0))
            self.open_error = ""
        except StoreError as exc:
            self.open_error = str(exc)

    def refresh(self) -> None:
        """Reopen a read-only store written since it was opened (``plankg load`` in another process, or an
        update): a read-only Oxigraph store answers from the snapshot it opened. One stat when nothing changed."""
        from plankg.graph.stores import store_generation

        if self.writer or self.spec.kind != "oxigraph" or store_generation(self.spec.location) == self.stamp:
            return
        old, self.store = self.store, None
        if old is not None:
            old.close()
        self.open()

    def run(self, job: dict):
        from plankg.graph.stores import StoreError
        from plankg.queries.named import QueryError

        try:
            self.refresh()
            if self.store is None:
                raise JobError(503, "Store unavailable", self.open_error or "the store is not open")
            self.store.new_request()
            return getattr(self, "job_" + job["kind"])(job)
        except JobError as exc:
            return ("error", exc.status, exc.title, exc.detail)
        except checks.Refused as exc:
            return ("error", 403, "Forbidden", str(exc))
        except checks.Invalid as exc:
            return ("error", 400, "Bad request", str(exc))
        except (StoreError, QueryError) as exc:
            return ("error", 400, "Query failed", str(exc))
        except MemoryError:
            return ("error", 413, "Too large", "the answer did not fit in the worker's memory; narrow the query")
        except Exception as exc:  # an engine error: report it, keep the worker
            return ("error", 400, "Query failed", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")

    # --- SPARQL Protocol -----------------------------------------------------------------------

    def job_sparql(self, job: dict):
        info = checks.inspect_query(job["query"])  # Refused / Invalid before anything runs
        boolean_or_rows = info.form in ("SELECT", "ASK")
        offered = RESULT_TYPES if boolean_or_rows else GRAPH_TYPES
        media = choose(job.get("accept"), list(offered))
        if media is None:
            raise JobError(406, "Not Acceptable", f"{info.form} results come as {', '.join(offered)}")
        answer = self.store.answer(job["query"], dataset=job.get("dataset"), base=job.get("base"),
                                   names_dataset=info.names_dataset)
        if answer.kind == "triples":
            triples = list(islice(answer.triples, self.max_rows + 1))
            truncated = len(triples) > self.max_rows
            body = _serialize_triples(triples[:self.max_rows], GRAPH_TYPES[media])
        else:
            res, truncated = self._capped(answer)
            body = _serialize_results(res, RESULT_TYPES[media])
        if len(body) > self.max_bytes:
            raise JobError(413, "Response too large", f"the answer is {len(body)} bytes, more than the limit of "
                           f"{self.max_bytes}; narrow the query or add LIMIT")
        return ("ok", media, body, truncated)

    def _capped(self, answer) -> tuple[dict, bool]:
        """The result as SPARQL JSON, reading at most max_rows + 1 rows from the engine."""
        if answer.kind == "boolean":
            return {"head": {}, "boolean": answer.boolean}, False
        rows = list(islice(answer.rows, self.max_rows + 1))
        truncated = len(rows) > self.max_rows
        return {"head": {"vars": answer.variables}, "results": {"bindings": rows[:self.max_rows]}}, truncated

    # --- REST --------------------------------------------------------------------------------

    def job_rows(self, job: dict):
        res, truncated = self._capped(self.store.answer(job["query"], names_dataset=False))
        rows = [{k: v["value"] for k, v in row.items()} for row in res.get("results", {}).get("bindings", [])]
        return ("ok", rows, truncated)

    def job_page(self, job: dict):
        """A page of a named query of rows by plan (or by key) across every plan (key), read one plan (key) at
        a time (queries/pages.py): its rows as in job_rows, and whether more follow."""
        from plankg.queries import named, pages

        query = named.catalogue()[job["name"]]
        page = pages.page_in_parts(self.store, query, job["params"], job["limit"], job["offset"])
        return ("ok", [{k: v["value"] for k, v in row.items()} for row in page.rows], page.more)

    def job_select(self, job: dict):
        """Typed rows (SPARQL JSON) of a query or a bound named query: for callers that need the terms."""
        checks.inspect_query(getattr(job["query"], "text", job["query"]))
        res, truncated = self._capped(self.store.answer(job["query"]))
        return ("ok", res, truncated)

    def job_bound_text(self, job: dict):
        """A named query's text with its parameters substituted on the parse tree (queries/named.py)."""
        from plankg.queries import named

        bound = named.get(job["name"]).bind(job["params"])
        if not bound.bindings:
            return ("ok", bound.text)
        try:
            return ("ok", named.bound_text(bound.text, bound.bindings))
        except named.QueryError as exc:
            raise JobError(400, "Cannot write it out", str(exc).replace("sent to a remote endpoint", "written out")) from None

    def job_search(self, job: dict):
        from plankg.extraction import segment
        from plankg.queries import named

        q = job["q"]
        words = [w for w in segment.words(q) if w.strip()] or [q]
        status, rows, truncated = self.job_rows({"query": named.get("search").bind({"needle": max(words, key=len)})})
        hits = [r for r in rows if all(w in r["text"] for w in words)]
        for r in hits:
            r["words"] = words
        return ("ok", hits, truncated)

    def job_audit(self, job: dict):
        from . import audit_view

        return ("ok", audit_view.audit(self.store), False)

    def job_ping(self, job: dict):
        return ("ok", {"egress": self.egress, "pid": __import__("os").getpid()}, False)

    # --- SPARQL Update (the writer process) -------------------------------------------------------

    def job_update(self, job: dict):
        info = checks.inspect_update(job["update"])
        using = job.get("using")
        if using is not None and info.names_dataset:
            raise JobError(400, "Conflicting dataset", "using-graph-uri / using-named-graph-uri cannot be given "
                           "with an update that has USING, USING NAMED or WITH")
        if using is not None:
            from . import update_dataset

            update_dataset.apply(self.store, job["update"], using, job.get("base"))
        else:
            try:
                self.store.update(job["update"], base=job.get("base"))
            except SyntaxError as exc:
                raise JobError(400, "Update syntax error", str(exc).splitlines()[0][:500]) from None
        self.store.flush()  # and tells the readers of every process (graph/stores.py GENERATION_FILE)
        return ("ok", None, False)


def _serialize_results(res: dict, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps(res, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        return to_csv(res).encode("utf-8")
    if fmt == "tsv":
        return to_tsv(res).encode("utf-8")
    return to_xml(res).encode("utf-8")


def _serialize_triples(lines: list[str], fmt: str) -> bytes:
    import pyoxigraph as ox

    quads = ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    if fmt == "TRIG":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG) or b""
    return ox.serialize((q.triple for q in quads), format=getattr(ox.RdfFormat, fmt)) or b""
