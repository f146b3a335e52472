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

import logging
import os
import sqlite3
import threading
import time
import urllib.error
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from .names import VOCABULARY_GRAPH, PlanGraph, audit_graph_iri, is_plan_graph
from .plan_memory import PlansInMemory
from .text_index import TextIndex
from .text_index_file import TextIndexFile, TextIndexWriter, graph_key

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PKG_PLAN = "https://w3id.org/plankg/ontology#Plan"

DEFAULT_TIMEOUT = 60.0


class StoreError(Exception):
    """A store that cannot be opened, reached, or that refuses a request; one line."""


GENERATION_FILE = "plankg-generation"  # in the store's folder: rewritten after each write that plankg commits
UNCOMPACTED_FILE = "plankg-uncompacted"  # in the store's folder: plans bulk-loaded since its last compaction
PENDING_FILE = "plankg-pending"  # in the store's folder: a new plan written before its report (load_audited)


def store_generation(path: str | Path) -> tuple | None:
    """A stamp of the last write committed to the store at ``path`` (one stat): a reader that opened the
    store read-only at another stamp holds an older snapshot, and reopens it to see the change."""
    try:
        st = os.stat(Path(path) / GENERATION_FILE)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


def read_stamp(path: str | Path) -> str | None:
    """The text of the store's generation stamp (GENERATION_FILE); None before plankg first wrote it."""
    try:
        return (Path(path) / GENERATION_FILE).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None


def default_store_dir() -> Path:
    if env := os.environ.get("PLANKG_STORE"):
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "plankg" / "store"


@dataclass(frozen=True)
class QueryDataset:
    """The SPARQL Protocol's dataset (default-graph-uri, named-graph-uri): replaces the query's FROM clauses."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


@dataclass
class Answer:
    """A query's answer, read lazily: rows (SPARQL 1.1 JSON terms) or triples (N-Triples) are
    produced as the caller iterates, so a row cap stops the engine instead of trimming a full list."""

    kind: str  # boolean, solutions, triples
    boolean: bool = False
    variables: list[str] = field(default_factory=list)
    rows: Iterator[dict] = field(default_factory=lambda: iter(()))
    triples: Iterator[str] = field(default_factory=lambda: iter(()))


def _unpack(sparql) -> tuple[str, dict]:
    """A query's text and its parameter bindings (a named query's BoundQuery carries both)."""
    return getattr(sparql, "text", sparql), dict(getattr(sparql, "bindings", None) or {})


class Store(ABC):
    @abstractmethod
    def answer(self, sparql, dataset: QueryDataset | None = None, base: str | None = None,
               names_dataset: bool | None = None) -> Answer:
        """Run a query (text, or a named query with its bindings) with the protocol's dataset and base IRI.

        ``names_dataset``: whether the query has FROM / FROM NAMED, if the caller parsed it already.
        Without FROM or a protocol dataset the default graph is the union of all graphs."""

    def query(self, sparql, dataset: QueryDataset | None = None, base: str | None = None) -> dict:
        """Run a SELECT or ASK query; the SPARQL 1.1 Query Results JSON."""
        a = self.answer(sparql, dataset, base)
        if a.kind == "boolean":
            return {"head": {}, "boolean": a.boolean}
        if a.kind != "solutions":
            raise StoreError("a CONSTRUCT or DESCRIBE query needs construct(), not query()")
        return {"head": {"vars": a.variables}, "results": {"bindings": list(a.rows)}}

    def construct(self, sparql, dataset: QueryDataset | None = None, base: str | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query."""
        a = self.answer(sparql, dataset, base)
        if a.kind != "triples":
            raise StoreError("a SELECT or ASK query needs query(), not construct()")
        return Graph().parse(data="\n".join(a.triples), format="nt")

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

    def load_audited(self, plan: PlanGraph, audit_of: Callable[[], list]) -> None:
        """:meth:`load_plan` with the report ``audit_of()`` returns: a store that can write the plan
        while the audit runs (the embedded one) does."""
        self.load_plan(plan, audit_of())

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

    def new_request(self) -> None:
        """A server calls this before each request's work: what a store allows per request starts again."""


# --- embedded: Oxigraph ---------------------------------------------------------------------

class OxigraphStore(Store):
    def __init__(self, path: str | Path, read_only: bool = False, plans_in_memory: int = 0):
        import pyoxigraph as ox

        self.ox = ox
        self.path = Path(path)
        self.read_only = read_only
        self.written = False  # set by every write; flush() then tells readers (GENERATION_FILE)
        self.bulk_loaded = 0  # plans this process bulk-loaded since the last flush (compaction: flush())
        # Named-query parameters written into the query as constants (queries.named.inline_text), where
        # Oxigraph's planner sees them; False: Oxigraph's own substitutions always (the tests' reference).
        self.inline_parameters = True
        stamp = read_stamp(self.path)  # before the snapshot is taken: the snapshot is this generation or later
        try:
            if read_only:
                self.store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None
        # The text index beside the store (graph/text_index_file.py): marked out of date before each batch
        # of writes (will_write), brought up to date once the batch is stamped (flush).
        self.index_writer = None if read_only else TextIndexWriter(self.path)
        self.dirty: set[str] | None = set()  # graphs written in this batch; None: any (a SPARQL Update)
        self.batch = False  # a batch of writes is under way (the text index is marked out of date)
        if not read_only:
            self._recover()  # a load stopped between a new plan and its report (load_audited)
        # A read-only store (a server's worker) may answer the queries of one plan from an in-memory
        # copy of the plans it reads most (graph/plan_memory.py); a store that writes never does.
        self.memory = PlansInMemory(self.store, plans_in_memory if read_only else 0)
        # Searches are narrowed by the text index beside the store while it matches the generation opened
        # (a writer's too, until it writes); else, in a server's workers, by an index of their own.
        self.stored_texts = TextIndexFile(self.path, stamp)
        self.texts = TextIndex(self.store) if self.memory.capacity else None

    def new_request(self) -> None:
        self.memory.new_request()  # one more plan may be copied into memory

    def _plan_dataset(self, iri, scope: str = "plan") -> QueryDataset | None:
        """For a query of one plan (named-query header ``scope``): the graphs that state the plan (scope
        ``plan``), or the plan graphs that state ``iri`` as a subject (``plan of PARAM``), and the
        vocabulary, as default and named graphs, so the engine reads one plan, not the whole store
        (text-view: 0.2 s on any number of plans, against 1.5 s on 20). None if no graph states it."""
        ox = self.ox
        pattern = (ox.NamedNode(RDF_TYPE), ox.NamedNode(PKG_PLAN)) if scope == "plan" else (None, None)
        graphs = sorted({q.graph_name.value for q in self.store.quads_for_pattern(ox.NamedNode(str(iri)), *pattern, None)
                         if isinstance(q.graph_name, ox.NamedNode) and is_plan_graph(q.graph_name.value)})
        if not graphs:
            return None
        graphs.append(str(VOCABULARY_GRAPH))
        return QueryDataset(default=tuple(graphs), named=tuple(graphs))

    def answer(self, sparql, dataset=None, base=None, names_dataset=None) -> Answer:
        ox = self.ox
        text, bindings = _unpack(sparql)
        options: dict = {"base_iri": base}
        # A query of one plan reads that plan's graphs; across plans, its parameters are written in as
        # constants, which Oxigraph's planner sees (substitutions it does not; within one plan's graphs
        # they do as well or better).
        inline = self.inline_parameters and bool(bindings)
        engine = self.store
        if dataset is None and getattr(sparql, "plan_scoped", False):
            # From disk, a query found by another IRI than its plan's (scope "plan of goal") does better
            # over the union with the IRI written in (goal-projects on 100 plans: 27 ms against 450 ms).
            by_plan = sparql.scope == "plan"
            scoped = self._plan_dataset(bindings[sparql.scope], sparql.scope) if by_plan or self.memory.capacity else None
            copy = self.memory.store_for(scoped.default) if scoped is not None else None
            if scoped is not None and (copy is not None or by_plan):
                dataset, inline, engine = scoped, False, copy if copy is not None else self.store
        if dataset is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
        else:
            if names_dataset is None:
                from plankg.queries.checks import Invalid, Refused, inspect_query

                try:
                    names_dataset = inspect_query(text).names_dataset
                except (Invalid, Refused) as exc:
                    raise StoreError(str(exc)) from None
            # Without FROM the default graph is the union of all graphs, as in Virtuoso (and RdflibStore).
            options["use_default_graph_as_union"] = not names_dataset
        if bindings:
            from plankg.queries.named import inline_text, values_text

            written = None
            if dataset is None and getattr(sparql, "text_index", None):
                # Narrowed to the text index's candidates: a VALUES block the planner starts from; the
                # parameters stay substitutions (written in, each new word would cost rdflib a new check).
                var, param = sparql.text_index
                candidates = self._text_candidates(str(bindings[param]))
                narrowed = values_text(text, var, candidates) if candidates is not None else None
                if narrowed is not None:
                    text, inline = narrowed, False
            if inline:
                written = inline_text(text, bindings)
            if written is not None:
                text = written
            else:
                options["substitutions"] = {ox.Variable(k): _ox_term(ox, v) for k, v in bindings.items()}
        try:
            res = engine.query(text, **options)
        except SyntaxError as exc:
            raise StoreError(f"query syntax error: {str(exc).splitlines()[0][:500]}") from None
        except OSError as exc:
            raise StoreError(f"query failed: {str(exc).splitlines()[0][:500]}") from None
        if isinstance(res, ox.QueryBoolean):
            return Answer("boolean", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            return Answer("solutions", variables=names, rows=_ox_rows(ox, res, names))
        return Answer("triples", triples=(f"{t} ." for t in res))

    def _text_candidates(self, needle: str) -> list[str] | None:
        """The subjects whose text may hold ``needle`` (graph/text_index_file.py, graph/text_index.py);
        None: the query scans."""
        found = self.stored_texts.candidates(needle)
        if found is not None or self.texts is None or self.stored_texts.matches():
            return found  # the worker's own index only while the one beside the store does not match
        return self.texts.candidates(needle)

    def update(self, sparql: str, base: str | None = None) -> None:
        """A SPARQL Update, in one transaction (SyntaxError if it does not parse)."""
        self.will_write(None)
        self.store.update(sparql, base_iri=base)

    def graphs(self) -> list[str]:
        # The store's graph index: no scan of the quads.
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, self.ox.NamedNode))

    def replace_graph(self, graph: URIRef, data: Graph) -> None:
        self._replace(self.ox.NamedNode(graph), _ox_quads(data, graph), [])

    def add_to_graph(self, graph: URIRef, data: Graph) -> None:
        self.will_write([str(graph)])
        self.store.extend(_ox_quads(data, graph))

    def add_vocabulary(self, quads: list) -> None:
        self.will_write({graph_key(q.graph_name) for q in quads})
        self.store.extend(quads)  # one transaction; adding what is there already changes nothing

    def load_plan(self, plan: PlanGraph, audit: list | None = None) -> None:
        self._replace(self.ox.NamedNode(plan.graph), plan.quads, audit or [])

    def load_audited(self, plan: PlanGraph, audit_of: Callable[[], list]) -> None:
        """A new plan is bulk-loaded in a thread while ``audit_of()`` runs: pyoxigraph parses and ingests
        N-Quads without holding the GIL, so on two cores the write costs the load little (plankg load into
        an empty store: 3.0× the floor process, against 3.5× written after the audit; benchmarks/RESULTS.md).
        The report follows in a transaction of its own, so a reader may see the new plan a moment before
        its report (never a report of another version); /audit computes the findings while a plan has none.

        The plan's graph is named in PENDING_FILE until its report is written: if the audit fails, the
        plan is removed at once; if the process is stopped between the two writes, the next process that
        opens the store for writing removes it (:meth:`_recover`). A plan the store holds already, one too
        large for one ingestion, or one with a blank node or a triple term (the N-Quads parser names blank
        nodes anew; a built plan has neither) is written as :meth:`load_plan` writes it, after its audit."""
        ox = self.ox
        graph = ox.NamedNode(plan.graph)
        iri, literal = ox.NamedNode, ox.Literal
        if (len(plan.quads) >= BULK_BATCH or not self._is_new(graph)
                or any(type(q.subject) is not iri or type(q.object) not in (iri, literal) for q in plan.quads)):
            self.load_plan(plan, audit_of())
            return
        self.will_write([plan.graph, audit_graph_iri(plan.graph)])
        data = ox.serialize(plan.quads, format=ox.RdfFormat.N_QUADS)  # ~50 ms for the sample's 79k quads
        failed: list[BaseException] = []

        def write() -> None:
            try:
                self.store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
            except BaseException as exc:  # handed to the caller's thread
                failed.append(exc)

        _write_marker(self.path / PENDING_FILE, plan.graph)
        writer = threading.Thread(target=write, name="plankg-bulk-load")
        writer.start()
        try:
            audit = audit_of()
        except BaseException:
            writer.join()
            self._recover()  # the plan does not stay without its audit
            raise
        writer.join()
        if failed:  # nothing was ingested (one ingestion, all or nothing): the plan as load_plan writes it
            (self.path / PENDING_FILE).unlink()
            self.load_plan(plan, audit)
            return
        self.bulk_loaded += 1
        self.store.extend(audit)
        (self.path / PENDING_FILE).unlink()

    def _is_new(self, graph) -> bool:
        """Whether the store holds neither ``graph`` nor its report (a new plan)."""
        report = self.ox.NamedNode(audit_graph_iri(graph.value))
        return not self.store.contains_named_graph(graph) and not self.store.contains_named_graph(report)

    def _recover(self) -> None:
        """Remove the plan a stopped load wrote without its report (PENDING_FILE), as if never loaded."""
        marker = self.path / PENDING_FILE
        try:
            pending = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return
        graph = self.ox.NamedNode(pending)
        if self.store.contains_named_graph(graph) and not self.store.contains_named_graph(
                self.ox.NamedNode(audit_graph_iri(pending))):
            self.will_write([pending])
            self.store.update(f"DROP SILENT GRAPH <{pending}>")
        marker.unlink()

    def _replace(self, graph, quads: list, audit: list) -> None:
        """Make ``graph`` hold ``quads`` and its audit graph ``audit``, in one transaction.

        A new plan is written by pyoxigraph's bulk loader: under its batch size (a million quads) that
        is one set of new files that RocksDB ingests at once, all or nothing, several times faster
        than a transactional ``extend`` (which larger plans keep). A plan loaded before changes by the triples
        that differ (a reload of the same plan: its extraction times), in one SPARQL update: the
        store holds the old graph or the new one, whenever the process is stopped.
        """
        ox = self.ox
        report = ox.NamedNode(audit_graph_iri(graph.value))
        self.will_write([graph.value, report.value])
        if self._is_new(graph):
            if len(quads) + len(audit) < BULK_BATCH:
                self.store.bulk_extend(quads + audit)
                self.bulk_loaded += 1
            else:
                self.store.extend(quads + audit)
            return
        if self._holds(graph, quads):  # the same plan again: only its report is rewritten
            self.store.update(f"DROP SILENT GRAPH <{report.value}>"
                              + (f" ;\nINSERT DATA {{ GRAPH <{report.value}> {{\n{_nt(audit)}\n}} }}" if audit else ""))
            return
        # Compared as pyoxigraph quads: the stored graph read back once, no text on either side. Oxigraph
        # keeps some literals in canonical form (1.000 as 1): those differ, and are rewritten as they are.
        old = set(self.store.quads_for_pattern(None, None, None, graph))
        gone = old.difference(quads)
        added = [q for q in quads if q not in old]
        ops = []
        if any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in gone):
            ops.append(f"DROP SILENT GRAPH <{graph.value}>")  # DELETE DATA cannot name blank nodes
            added = quads
        elif gone:
            ops.append(f"DELETE DATA {{ GRAPH <{graph.value}> {{\n{_nt(sorted(gone, key=str))}\n}} }}")
        ops.append(f"DROP SILENT GRAPH <{report.value}>")
        if added or audit:
            ops.append(f"INSERT DATA {{ GRAPH <{graph.value}> {{\n{_nt(added)}\n}}\n"
                       f"GRAPH <{report.value}> {{\n{_nt(audit)}\n}} }}")
        self.store.update(" ;\n".join(ops))

    def _holds(self, graph, quads: list) -> bool:
        """Whether ``graph`` holds exactly ``quads`` as the store would keep them, checked without reading
        the stored graph back (its terms decoded: twice the time): every quad is found in the store (by
        value: a decimal 1.000 is the stored 1), and the graph holds no more quads than ``quads`` makes."""
        ox = self.ox
        if not all(q in self.store for q in quads):
            return False
        stored = next(iter(self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")))
        canonical = ox.Store()  # quads equal in value are one quad there, as in the store
        canonical.extend(quads)
        return int(stored["n"].value) == len(canonical)

    def flush(self) -> None:
        if not self.read_only:
            self.store.flush()
        self._stamp()
        if not self.read_only and self.bulk_loaded:
            if self.needs_compaction():
                self.compact()  # after the stamp: readers see the new plans while the files are merged
                self._stamp()
            else:
                self._set_uncompacted(self._uncompacted() + self.bulk_loaded)
            self.bulk_loaded = 0

    def will_write(self, graphs) -> None:
        """Before each write: the graphs it writes (None: it cannot say, as a SPARQL Update). The first
        write of a batch marks the text index out of date, or refuses if it cannot (an index that missed
        this write would drop rows from searches); flush() brings it up to date."""
        if not self.batch:
            try:
                self.index_writer.invalidate(read_stamp(self.path))
            except sqlite3.Error as exc:
                raise StoreError(f"cannot mark the text index {self.index_writer.path} out of date ({exc}); "
                                 "remove that file (the next write rebuilds it) and retry") from None
            self.batch, self.dirty = True, set()
        self.written = True
        if graphs is None or self.dirty is None:
            self.dirty = None
        else:
            self.dirty.update(graphs)

    def _stamp(self) -> None:
        if self.written:  # after the data is durable: a reader that reopens now sees all of it
            self.written = False
            previous, stamp = read_stamp(self.path), f"{time.time_ns()} {os.getpid()}"
            _write_marker(self.path / GENERATION_FILE, stamp)
            if self.index_writer is not None:
                self._sync_text_index(previous, stamp)

    def _sync_text_index(self, previous: str | None, stamp: str) -> None:
        dirty, self.dirty, self.batch = self.dirty, set(), False
        try:
            self.index_writer.sync(self.store, previous, stamp, dirty)
        except sqlite3.Error as exc:  # the index stays out of date: searches scan; the next write rebuilds it
            logging.getLogger(__name__).warning("the text index %s was not brought up to date: %s",
                                                self.index_writer.path, exc)

    def needs_compaction(self) -> bool:
        """Whether the plans bulk-loaded since the store's last compaction, in this process and before
        it (UNCOMPACTED_FILE), call for another, of the whole store.

        Each bulk load adds files of its own to RocksDB's first level, and every read merges them all:
        on a store of 100 plans loaded one after another, a read across plans is 3 to 6 times slower than
        once the files are merged (indicator-across-plans: 8.8 s against 2.3 s; benchmarks/RESULTS.md
        measures it on each run). RocksDB merges them in the
        background only while the store is open, and a load ends first. A compaction rewrites the whole
        store (~20 s for 100 plans, ~0.1 s for one), so it runs once the plans loaded since the last
        one are a quarter of the store's plans or more: whether they come in one run or one per run,
        the cost per plan stays bounded as the store grows. One plan bulk-loaded into an empty store is
        already one file per index, at the last level: nothing to merge."""
        pending = self._uncompacted() + self.bulk_loaded
        if not pending:
            return False
        plans = len(self.plan_graphs())
        return pending * 4 >= plans and not pending == plans == 1

    def compact(self) -> None:
        """Merge the store's files (RocksDB's full compaction, pyoxigraph's ``optimize``): reads of a
        store loaded plan by plan become several times faster. ``plankg compact`` runs it on demand."""
        self.written = True
        self.store.optimize()
        self.bulk_loaded = 0
        self._set_uncompacted(0)

    def _uncompacted(self) -> int:
        try:
            return int((self.path / UNCOMPACTED_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):  # none yet (a store before plankg counted): counted from now on
            return 0

    def _set_uncompacted(self, n: int) -> None:
        _write_marker(self.path / UNCOMPACTED_FILE, str(n))

    def close(self) -> None:
        import gc

        self.flush()
        self.stored_texts.close()
        if self.index_writer is not None:
            self.index_writer.close()
        del self.store
        self.memory = None
        gc.collect()  # a finished query's solutions, caught in a reference cycle, would keep the store's lock


def _write_marker(path: Path, text: str) -> None:
    """One line in a file of the store's folder, on disk before it replaces the old one: a reader, or
    a process after a crash, sees the old line or the new one."""
    fresh = path.with_name(f"{path.name}.{os.getpid()}")
    with open(fresh, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(fresh, path)


def _nt(quads) -> str:
    import pyoxigraph as ox

    return ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _ox_quads(g: Graph, graph=None) -> list:
    """An rdflib graph's triples as pyoxigraph quads in ``graph`` (default: the graph's own name)."""
    import pyoxigraph as ox

    data = g.serialize(format="nt", encoding="utf-8")
    name = ox.NamedNode(str(graph if graph is not None else g.identifier))
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


BULK_BATCH = 1_000_000  # quads pyoxigraph's bulk loader writes as one ingestion (its batch size)
CHUNK_TRIPLES = 20_000  # triples in one Graph Store Protocol request


def _rdflib_graph(quads: list) -> Graph:
    return Graph().parse(data=_nt(quads), format="nt") if quads else Graph()


# --- in memory: rdflib ------------------------------------------------------------------------

class RdflibStore(Store):
    def __init__(self, dataset: Dataset | None = None, path: str | None = None):
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM names a graph of the dataset, never a URL to fetch
        if dataset is None:
            dataset = Dataset(default_union=True)
            if path:
                from .io import GraphFileError, parse_graph_file

                try:
                    parse_graph_file(dataset, path)
                except GraphFileError as exc:
                    raise StoreError(str(exc)) from None
        elif not dataset.default_union:
            # Without FROM the default graph is the union of all graphs, as in Oxigraph's store and Virtuoso:
            # read through a view of the caller's dataset (the same rdflib store, so the same graphs, and
            # writes land in it), not by changing the caller's own setting.
            view = Dataset(store=dataset.store, default_union=True)
            view.namespace_manager = dataset.namespace_manager  # the caller's prefixes, not a second set
            dataset = view
        self.ds = dataset

    def answer(self, sparql, dataset=None, base=None, names_dataset=None) -> Answer:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parserutils import CompValue

        from plankg.queries.checks import Invalid, Refused, inspect_query, parse_query

        text, bindings = _unpack(sparql)
        try:
            inspect_query(text)  # rdflib would run SERVICE: refused here as in the server
            parsed = translateQuery(parse_query(text), base=base)
        except (Invalid, Refused) as exc:
            raise StoreError(str(exc)) from None
        except Exception as exc:
            raise StoreError(f"query error: {str(exc).splitlines()[0][:300]}") from None
        if dataset is not None:  # the protocol's dataset, given to the engine as the query's own
            parsed.algebra["datasetClause"] = (
                [CompValue("DatasetClause", default=URIRef(g)) for g in dataset.default]
                + [CompValue("DatasetClause", named=URIRef(g)) for g in dataset.named]) or None
        try:
            res = self.ds.query(parsed, initBindings=bindings, base=base)
        except Exception as exc:
            raise StoreError(f"query error: {str(exc).splitlines()[0][:300]}") from None
        if res.type == "ASK":
            return Answer("boolean", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            names = [str(v) for v in res.vars]
            return Answer("solutions", variables=names,
                          rows=({n: _json_term(row[i]) for i, n in enumerate(names) if row[i] is not None}
                                for row in res))
        graph = res.graph if res.graph is not None else Graph()
        return Answer("triples", triples=(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph))

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

    def _wrapper(self, sparql: str, dataset: QueryDataset | None):
        from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper

        w = SPARQLWrapper(self.endpoint)
        w.setQuery(sparql)
        w.setMethod(POST)
        w.setTimeout(int(self.timeout))
        w.addParameter("timeout", str(int(self.timeout * 1000)))  # the server's own limit (Virtuoso: ms)
        for g in dataset.default if dataset else ():
            w.addDefaultGraph(g)
        for g in dataset.named if dataset else ():
            w.addNamedGraph(g)
        if self.user:
            w.setHTTPAuth(DIGEST)
            w.setCredentials(self.user, self.password or "")
        w.setReturnFormat(JSON)
        return w

    def answer(self, sparql, dataset=None, base=None, names_dataset=None) -> Answer:
        from SPARQLWrapper import TURTLE
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        from plankg.queries.checks import Invalid, Refused, inspect_query
        from plankg.queries.named import QueryError, bound_text

        text, bindings = _unpack(sparql)
        try:
            form = inspect_query(text).form
            if bindings:  # no protocol parameter carries bindings: substituted in the parse tree
                text = bound_text(text, bindings)
        except (Invalid, Refused, QueryError) as exc:
            raise StoreError(str(exc)) from None
        w = self._wrapper(text, dataset)
        if form in ("CONSTRUCT", "DESCRIBE"):
            w.setReturnFormat(TURTLE)
        try:
            res = w.query().convert()
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.endpoint} refused the query: {str(exc).splitlines()[0][:300]}") from None
        except urllib.error.HTTPError as exc:
            raise StoreError(f"{self.endpoint} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {self.endpoint}: {getattr(exc, 'reason', exc)}") from None
        if form in ("CONSTRUCT", "DESCRIBE"):
            graph = Graph().parse(data=res, format="turtle")
            return Answer("triples", triples=(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in graph))
        if "boolean" in res:
            return Answer("boolean", boolean=bool(res["boolean"]))
        return Answer("solutions", variables=res.get("head", {}).get("vars", []),
                      rows=iter(res.get("results", {}).get("bindings", [])))

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


# --- terms -------------------------------------------------------------------------------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _json_term(term) -> dict:
    """An rdflib term as a SPARQL 1.1 Query Results JSON term."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        out["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype is not None and str(term.datatype) != XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def _ox_rows(ox, solutions, names: list[str]) -> Iterator[dict]:
    """Oxigraph's solutions as JSON terms, one at a time."""
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is None:
                continue
            if isinstance(term, ox.NamedNode):
                row[name] = {"type": "uri", "value": term.value}
            elif isinstance(term, ox.BlankNode):
                row[name] = {"type": "bnode", "value": term.value}
            elif isinstance(term, ox.Literal):
                cell = {"type": "literal", "value": term.value}
                if term.language:
                    cell["xml:lang"] = term.language
                elif term.datatype.value != XSD_STRING:
                    cell["datatype"] = term.datatype.value
                row[name] = cell
            else:  # an RDF-star triple term
                row[name] = {"type": "triple", "value": str(term)}
        yield row


def _ox_term(ox, term):
    """An rdflib term as a pyoxigraph term (for substitutions)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING)))
