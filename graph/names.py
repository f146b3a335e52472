"""Names of the graphs plankg writes, light to import (no extraction, no jieba): stores and
the service need them without the extraction stack."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

BASE = "https://w3id.org/plankg/"
VOCABULARY_GRAPH = URIRef(BASE + "graph/vocabulary")
AUDIT_SUFFIX = "/audit"


def plan_graph_iri(pid: str) -> URIRef:
    return URIRef(f"{BASE}graph/{pid}")


def audit_graph_iri(plan_graph: str) -> str:
    """Where a plan's audit report is stored, beside its graph (docs/model.md)."""
    return str(plan_graph) + AUDIT_SUFFIX


def is_plan_graph(graph: str) -> bool:
    return graph != str(VOCABULARY_GRAPH) and not graph.endswith(AUDIT_SUFFIX)


@dataclass
class PlanGraph:
    """One plan's named graph as pyoxigraph quads, ready to serialise, audit or load."""

    id: str
    graph: str  # the named graph's IRI
    plan: str  # the plan's IRI
    quads: list
