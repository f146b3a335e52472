"""Lexicons kept as data in ``ontology/`` (SKOS Turtle), loaded once per process."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from .quantity import unit_multiplier

PKG = "https://w3id.org/plankg/ontology#"
_SCALE_PREFIXES = ("万", "亿", "万亿")
_CASED_LANGUAGE_TAG = re.compile(rb"[\"']@[A-Za-z0-9-]*[A-Z]")  # "Water"@en-GB


def ontology_file(name: str) -> str:
    return str(files("plankg.ontology") / name)


@lru_cache(maxsize=None)
def words(name: str) -> tuple[str, ...]:
    """A word list of ontology/lexicon: one word a line, then an optional "# rule: …" note; longest first."""
    with open(ontology_file(f"lexicon/{name}"), encoding="utf-8") as fh:
        found = {line.split("#", 1)[0].strip() for line in fh if not line.startswith("#")}
    return tuple(sorted(found - {""}, key=lambda w: (-len(w), w)))


def load(name: str) -> Graph:
    """A Turtle file of ontology/ as a new rdflib graph."""
    return parse_turtle(ontology_file(name))


def parse_turtle(path: str) -> Graph:
    """A Turtle file as an rdflib graph, read by pyoxigraph's parser: several times faster than rdflib's,
    the same triples and prefixes (tests/test_perf_load.py compares the two)."""
    import pyoxigraph as ox

    from plankg.graph.facts import to_rdflib

    with open(path, "rb") as fh:
        data = fh.read()
    if _CASED_LANGUAGE_TAG.search(data):  # pyoxigraph writes language tags in lower case, rdflib as given
        return Graph().parse(path, format="turtle")
    graph = Graph()
    parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=Path(path).absolute().as_uri())
    add = graph.add
    for t in parser:
        add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    for prefix, iri in parser.prefixes.items():
        graph.bind(prefix, iri)
    return graph


@lru_cache(maxsize=None)
def vocabulary(name: str) -> Graph:
    """A Turtle file of ontology/, parsed once per process and shared: read it, never change it."""
    return load(name)


def zh_labels(graph: Graph, concept) -> list[str]:
    # Sorted within each property: a graph yields its objects in hash order.
    return [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in sorted(graph.objects(concept, p))
            if isinstance(o, Literal) and (o.language or "").startswith("zh")]


@lru_cache(maxsize=None)
def units() -> dict[str, tuple[str, int]]:
    """Every unit word a plan may print, with its base unit and multiplier: 亿元 -> (元, 10^8)."""
    graph = vocabulary("units.ttl")
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
