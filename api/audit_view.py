"""``/audit``: the stored audit reports when the store has them, else the audit computed (in a worker).

Contract with the loader (docs/http.md): the audit report of plan graph ``G`` is the named graph
``G/audit``, the SHACL validation report of ``plankg audit --format ttl`` whose ``sh:ValidationReport``
also carries ``pkg:reportJSON``, the ``--format json`` report, with every finding's spans.
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

from plankg.graph.audit import RANK, stored_findings
from plankg.graph.build import VOCABULARY_GRAPH

from .jobs import AUDIT_SUFFIX

PKG = "https://w3id.org/plankg/ontology#"


def _graph(store, iri: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def audit(store) -> dict:
    plans = store.plan_graphs()
    graphs = set(store.graphs())
    stored = [g + AUDIT_SUFFIX for g in plans if g + AUDIT_SUFFIX in graphs]
    answer = _stored(store, stored) if plans and len(stored) == len(plans) else None
    if answer is not None:
        return {**answer, "source": "stored"}
    from plankg.graph.audit import audit_dataset

    ds = Dataset()
    for g in [str(VOCABULARY_GRAPH), *plans]:
        graph = ds.graph(URIRef(g))
        graph += _graph(store, g)
    findings = [f.as_json() for f in audit_dataset(ds).findings]
    findings.sort(key=lambda f: (RANK[f["severity"]], f["plan"], f["rule"],
                                 next((s["line"] for s in f["spans"] if s["line"] is not None), 0), f["entity"]))
    return {"summary": {s: sum(1 for f in findings if f["severity"] == s) for s in ("violation", "warning", "info")},
            "source": "computed", "findings": findings}


def _stored(store, report_graphs: list[str]) -> dict | None:
    """The reports stored at load: each report's JSON form (pkg:reportJSON) is the CLI's own ``--format json``,
    so /audit gives exactly what ``plankg audit`` gives, with every cell and phrase span of every finding."""
    rows = []
    for g in report_graphs:
        q = (f"PREFIX pkg: <{PKG}> PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?plan ?json WHERE {{ "
             f"GRAPH <{g}> {{ ?r pkg:reportJSON ?json OPTIONAL {{ ?r prov:wasDerivedFrom ?plan }} }} }}")
        rows += store.answer(q, names_dataset=False).rows  # our own query, without FROM: no need to parse it
    return stored_findings(rows)
