"""Lexicons kept as data in ``ontology/`` (SKOS Turtle), loaded once per process."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from .quantity import unit_multiplier

PKG = "https://w3id.org/plankg/ontology#"
_SCALE_PREFIXES = ("万", "亿", "万亿")


def ontology_file(name: str) -> str:
    return str(files("plankg.ontology") / name)


@lru_cache(maxsize=None)
@lru_cache(maxsize=None)
def words(name: str) -> tuple[str, ...]:
    """A word list of ontology/lexicon: one word a line, then an optional "# rule: …" note; longest first."""
    with open(ontology_file(f"lexicon/{name}"), encoding="utf-8") as fh:
        found = {line.split("#", 1)[0].strip() for line in fh if not line.startswith("#")}
    return tuple(sorted(found - {""}, key=lambda w: (-len(w), w)))


def load(name: str) -> Graph:
    graph = Graph()
    graph.parse(ontology_file(name), format="turtle")
    return graph


def zh_labels(graph: Graph, concept) -> list[str]:
    # Sorted within each property: a graph yields its objects in hash order.
    return [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in sorted(graph.objects(concept, p))
            if isinstance(o, Literal) and (o.language or "").startswith("zh")]


@lru_cache(maxsize=None)
def units() -> dict[str, tuple[str, int]]:
    """Every unit word a plan may print, with its base unit and multiplier: 亿元 -> (元, 10^8)."""
    graph = load("units.ttl")
    out: dict[str, tuple[str, int]] = {}
    scalable = {s for s, o in graph.subject_objects(graph.namespace_manager.expand_curie("pkg:scalable"))
                if o.toPython() is True}
    for concept in sorted(graph.subjects(SKOS.inScheme, None)):
        for label in zh_labels(graph, concept):
            out[label] = (label, 1)
            if concept in scalable:
                for prefix in _SCALE_PREFIXES:
                    out.setdefault(prefix + label, unit_multiplier(prefix + label))
    return out


@lru_cache(maxsize=None)
def unit_regex() -> str:
    """A regex alternation of all unit words, longest first."""
    return "|".join(re.escape(u) for u in sorted(units(), key=lambda u: (-len(u), u)))
