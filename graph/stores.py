"""Stores: one interface, three implementations.

- :class:`OxigraphStore`, the embedded default: a persistent on-disk store (pyoxigraph), so a
  plan is loaded once and queried and served many times.
- :class:`RdflibStore`: a graph file in memory (rdflib), for small jobs (``--graph FILE``).
- :class:`RemoteStore`: any SPARQL 1.1 endpoint, through SPARQLWrapper for queries and the
  Graph Store Protocol for loading, with optional HTTP digest authentication (Virtuoso).

Every store answers a query with the standard SPARQL 1.1 Query Results JSON, and replaces
a plan's named graph in one step, so that a reload never leaves a plan half old, half new.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
from abc import ABC, abstractmethod
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .names import VOCABULARY_GRAPH, PlanGraph, audit_graph_iri, is_plan_graph

DEFAULT_TIMEOUT = 60.0


class StoreError(Exception):
    """A store that cannot be opened, reached, or that refuses a request; one line."""


def default_store_dir() -> Path:
    if env := os.environ.get("PLANKG_STORE"):
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "plankg" / "store"


class Store(ABC):
    @abstractmethod
    def query(self, sparql: str) -> dict:
        """Run a SELECT or ASK query; the SPARQL 1.1 Query Results JSON."""

    @abstractmethod
    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query."""

    @abstractmethod
    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        """Make ``graph`` hold exactly ``data``, in one step."""

    @abstractmethod
    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        """Add ``data`` to ``graph`` (the shared vocabulary graph grows with every plan)."""

    def graphs(self) -> list[str]:
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(b["g"]["value"] for b in res["results"]["bindings"])

    def plan_graphs(self) -> list[str]:
        """The plans' named graphs: not the vocabulary, nor the audit reports beside the plans."""
        return [g for g in self.graphs() if is_plan_graph(g)]

    def load_plan(self, plan: PlanGraph, audit: list | None = None) -> None:
        """Replace the plan's graph by ``plan.quads`` and its audit graph by ``audit`` (none: emptied,
        so no report of an older version stays beside the plan)."""
        self.replace_graph(URIRef(plan.graph), _rdflib_graph(plan.quads))
        self.replace_graph(URIRef(audit_graph_iri(plan.graph)), _rdflib_graph(audit or []))

    def add_vocabulary(self, quads: list) -> None:
        if quads:
            self.add_to_graph(VOCABULARY_GRAPH, _rdflib_graph(quads))

    def load_dataset(self, ds: Dataset) -> list[str]:
        """Load every plan graph of an rdflib dataset (each replacing its old self) and the vocabulary."""
        loaded = []
        for g in ds.graphs():
            if not len(g):
                continue
            quads = _ox_quads(g)
            if g.identifier == VOCABULARY_GRAPH:
                self.add_vocabulary(quads)
            else:
                self.load_plan(PlanGraph("", str(g.identifier), "", quads))
                loaded.append(str(g.identifier))
        return loaded

    def flush(self) -> None:
        """Make what was loaded durable (the embedded store writes its buffers to disk)."""

    def close(self) -> None:
        pass


# --- embedded: Oxigraph ---------------------------------------------------------------------

class OxigraphStore(Store):
    def __init__(self, path: str | Path, read_only: bool = False):
        import pyoxigraph as ox

        self.ox = ox
        self.path = Path(path)
        self.read_only = read_only
        try:
            if read_only:
                self.store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    def query(self, sparql: str) -> dict:
        res = self._run(sparql)
        if isinstance(res, self.ox.QueryBoolean):
            return {"head": {}, "boolean": bool(res)}
        if isinstance(res, self.ox.QuerySolutions):
            return json.loads(res.serialize(format=self.ox.QueryResultsFormat.JSON))
        raise StoreError("a CONSTRUCT or DESCRIBE query needs construct(), not query()")

    def construct(self, sparql: str) -> Graph:
        res = self._run(sparql)
        data = res.serialize(format=self.ox.RdfFormat.N_TRIPLES) if res is not None else b""
        return Graph().parse(data=data or b"", format="nt")

    def _run(self, sparql: str):
        try:
            # The default graph is the union of all graphs, as in Virtuoso (and RdflibStore),
            # unless the query names its dataset with FROM (which Oxigraph reads as graph names).
            union = not re.search(r"\bFROM\s+(?:NAMED\s+)?<", sparql, flags=re.I)
            return self.store.query(sparql, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise StoreError(f"query syntax error: {exc}") from None

    def graphs(self) -> list[str]:
        # The store's graph index: no scan of the quads.
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, self.ox.NamedNode))

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        self._replace(self.ox.NamedNode(graph), _ox_quads(data, graph), [])

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        self.store.extend(_ox_quads(data, graph))

    def add_vocabulary(self, quads: list) -> None:
        self.store.extend(quads)  # one transaction; adding what is there already changes nothing

    def load_plan(self, plan: PlanGraph, audit: list | None = None) -> None:
        self._replace(self.ox.NamedNode(plan.graph), plan.quads, audit or [])

    def _replace(self, graph, quads: list, audit: list) -> None:
        """Make ``graph`` hold ``quads`` and its audit graph ``audit``, in one transaction.

        A new plan is one transactional ``extend``. A plan loaded before changes by the triples
        that differ (a reload of the same plan: its extraction times), in one SPARQL update: the
        store holds the old graph or the new one, whenever the process is stopped.
        """
        ox = self.ox
        report = ox.NamedNode(audit_graph_iri(graph.value))
        if not self.store.contains_named_graph(graph) and not self.store.contains_named_graph(report):
            self.store.extend(quads + audit)
            return
        # Compared as canonical N-Triples lines, written by the same serialiser on both sides.
        old = set(self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).decode("utf-8").splitlines())
        new = _nt(quads).splitlines()
        gone = old.difference(new)
        added = [line for line in new if line not in old]
        ops = []
        if any(line.startswith("_:") or line.rsplit(" ", 2)[-2].startswith("_:") for line in gone):
            ops.append(f"DROP SILENT GRAPH <{graph.value}>")  # DELETE DATA cannot name blank nodes
            added = new
        elif gone:
            ops.append(f"DELETE DATA {{ GRAPH <{graph.value}> {{\n{chr(10).join(sorted(gone))}\n}} }}")
        ops.append(f"DROP SILENT GRAPH <{report.value}>")
        if added or audit:
            ops.append(f"INSERT DATA {{ GRAPH <{graph.value}> {{\n{chr(10).join(added)}\n}}\n"
                       f"GRAPH <{report.value}> {{\n{_nt(audit)}\n}} }}")
        self.store.update(" ;\n".join(ops))

    def flush(self) -> None:
        if not self.read_only:
            self.store.flush()

    def close(self) -> None:
        self.flush()
        del self.store


def _nt(quads) -> str:
    import pyoxigraph as ox

    return ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _ox_quads(g: Graph, graph=None) -> list:
    """An rdflib graph's triples as pyoxigraph quads in ``graph`` (default: the graph's own name)."""
    import pyoxigraph as ox

    data = g.serialize(format="nt", encoding="utf-8")
    name = ox.NamedNode(str(graph if graph is not None else g.identifier))
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


CHUNK_TRIPLES = 20_000  # triples in one Graph Store Protocol request


def _rdflib_graph(quads: list) -> Graph:
    return Graph().parse(data=_nt(quads), format="nt") if quads else Graph()


# --- in memory: rdflib ------------------------------------------------------------------------

class RdflibStore(Store):
    def __init__(self, dataset: Dataset | None = None, path: str | None = None):
        if dataset is None:
            dataset = Dataset(default_union=True)
            if path:
                from .io import GraphFileError, parse_graph_file

                try:
                    parse_graph_file(dataset, path)
                except GraphFileError as exc:
                    raise StoreError(str(exc)) from None
        self.ds = dataset

    def query(self, sparql: str) -> dict:
        try:
            res = self.ds.query(sparql)
        except Exception as exc:
            raise StoreError(f"query error: {str(exc).splitlines()[0][:300]}") from None
        if res.type == "ASK":
            return {"head": {}, "boolean": bool(res.askAnswer)}
        if res.type != "SELECT":
            raise StoreError("a CONSTRUCT or DESCRIBE query needs construct(), not query()")
        return json.loads(res.serialize(format="json"))

    def construct(self, sparql: str) -> Graph:
        res = self.ds.query(sparql)
        return res.graph if res.graph is not None else Graph()

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        self.ds.remove_graph(graph)
        g = self.ds.graph(graph)
        g += data

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        g = self.ds.graph(graph)
        g += data


# --- remote: any SPARQL 1.1 endpoint ----------------------------------------------------------------

class RemoteStore(Store):
    """A SPARQL endpoint; ``gsp`` is its Graph Store Protocol endpoint, for loading.

    Virtuoso: endpoint ``http://host:8890/sparql``, gsp ``http://host:8890/sparql-graph-crud-auth``
    with ``graph_param="graph-uri"`` and digest credentials.
    """

    def __init__(self, endpoint: str, gsp: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = DEFAULT_TIMEOUT, graph_param: str = "graph"):
        self.endpoint, self.gsp, self.user, self.password = endpoint, gsp, user, password
        self.timeout, self.graph_param = timeout, graph_param

    def _wrapper(self, sparql: str):
        from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper

        w = SPARQLWrapper(self.endpoint)
        w.setQuery(sparql)
        w.setMethod(POST)
        w.setTimeout(int(self.timeout))
        w.addParameter("timeout", str(int(self.timeout * 1000)))  # the server's own limit (Virtuoso: ms)
        if self.user:
            w.setHTTPAuth(DIGEST)
            w.setCredentials(self.user, self.password or "")
        w.setReturnFormat(JSON)
        return w

    def query(self, sparql: str) -> dict:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        try:
            return self._wrapper(sparql).query().convert()
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.endpoint} refused the query: {str(exc).splitlines()[0][:300]}") from None
        except urllib.error.HTTPError as exc:
            raise StoreError(f"{self.endpoint} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {self.endpoint}: {getattr(exc, 'reason', exc)}") from None

    def construct(self, sparql: str) -> Graph:
        from SPARQLWrapper import TURTLE

        w = self._wrapper(sparql)
        w.setReturnFormat(TURTLE)
        try:
            data = w.query().convert()
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {self.endpoint}: {getattr(exc, 'reason', exc)}") from None
        return Graph().parse(data=data, format="turtle")

    def _gsp(self, method: str, graph: URIRef, data) -> None:
        """One Graph Store Protocol request; ``data`` an rdflib graph or pyoxigraph quads."""
        import httpx

        if not self.gsp:
            raise StoreError(f"{self.endpoint}: no Graph Store Protocol endpoint given for loading (--gsp)")
        body = data.serialize(format="nt", encoding="utf-8") if isinstance(data, Graph) else _nt(data).encode()
        auth = httpx.DigestAuth(self.user, self.password or "") if self.user else None
        try:
            with httpx.Client(auth=auth, timeout=self.timeout) as client:
                if auth is not None:
                    # Get the digest challenge with a small request first: a server that answers a
                    # large unauthenticated upload with 401 may reset the connection mid-body.
                    client.get(self.gsp, params={self.graph_param: "urn:x-plankg:probe"})
                resp = client.request(method, self.gsp, params={self.graph_param: str(graph)}, content=body,
                                      headers={"Content-Type": "application/n-triples"})
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach {self.gsp}: {exc}") from None
        if resp.status_code >= 300:
            raise StoreError(f"{self.gsp} refused to {method} {graph}: HTTP {resp.status_code} {resp.reason_phrase}")

    def load_plan(self, plan: PlanGraph, audit: list | None = None) -> None:
        """GSP PUT per plan; a plan larger than one chunk is PUT in its first chunk and POSTed in the
        others (bounded requests; HTTP chunked transfer is not read by every server), then counted."""
        graph = URIRef(plan.graph)
        chunks = [plan.quads[i:i + CHUNK_TRIPLES] for i in range(0, len(plan.quads), CHUNK_TRIPLES)] or [[]]
        for n, chunk in enumerate(chunks):
            self._gsp("PUT" if n == 0 else "POST", graph, chunk)
        self._gsp("PUT", URIRef(audit_graph_iri(plan.graph)), audit or [])
        res = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        stored = int(res["results"]["bindings"][0]["n"]["value"])
        if stored != len(plan.quads):
            raise StoreError(f"{self.endpoint} holds {stored} triples of {graph} after loading {len(plan.quads)}")

    def add_vocabulary(self, quads: list) -> None:
        if quads:
            self._gsp("POST", VOCABULARY_GRAPH, quads)

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        self._gsp("PUT", graph, data)  # GSP PUT replaces the graph in one request

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        self._gsp("POST", graph, data)  # GSP POST merges
