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

from .build import VOCABULARY_GRAPH

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
        return [g for g in self.graphs() if g != str(VOCABULARY_GRAPH)]

    def load_dataset(self, ds: Dataset) -> list[str]:
        """Load every plan graph of ``ds`` (each replacing its old self) and the vocabulary."""
        loaded = []
        for g in ds.graphs():
            if not len(g):
                continue
            if g.identifier == VOCABULARY_GRAPH:
                self.add_to_graph(VOCABULARY_GRAPH, g)
            else:
                self.replace_graph(g.identifier, g)
                loaded.append(str(g.identifier))
        return loaded

    def close(self) -> None:
        pass


# --- embedded: Oxigraph ---------------------------------------------------------------------

class OxigraphStore(Store):
    def __init__(self, path: str | Path, read_only: bool = False):
        import pyoxigraph as ox

        self.ox = ox
        self.path = Path(path)
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

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        # One SPARQL update is one transaction in Oxigraph: readers see the old graph or the new.
        body = data.serialize(format="nt", encoding="utf-8").decode("utf-8")
        self.store.update(f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
        self.store.flush()

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        body = data.serialize(format="nt", encoding="utf-8").decode("utf-8")
        self.store.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
        self.store.flush()

    def close(self) -> None:
        del self.store


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

    def _gsp(self, method: str, graph: URIRef, data: Graph) -> None:
        import httpx

        if not self.gsp:
            raise StoreError(f"{self.endpoint}: no Graph Store Protocol endpoint given for loading (--gsp)")
        body = data.serialize(format="nt", encoding="utf-8")
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

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        self._gsp("PUT", graph, data)  # GSP PUT replaces the graph in one request

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        self._gsp("POST", graph, data)  # GSP POST merges
