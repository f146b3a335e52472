"""Serialising datasets, and writing files atomically."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from typing import BinaryIO, Iterable

from rdflib import RDF, Dataset, Graph

# Our format names -> rdflib's. trig, nquads and jsonld keep the named graphs;
# ttl and nt flatten them into one graph (the union of all plans and the vocabulary).
FORMATS = {"trig": "trig", "nq": "nquads", "nquads": "nquads", "jsonld": "json-ld", "ttl": "turtle", "nt": "nt"}
EXTENSIONS = {".trig": "trig", ".nq": "nq", ".jsonld": "jsonld", ".json": "jsonld", ".ttl": "ttl", ".nt": "nt"}
KEEPS_GRAPHS = {"trig", "nquads", "json-ld"}


class GraphFileError(Exception):
    """A graph file that is missing or does not parse; one line."""


def is_graph_file(path: str) -> bool:
    return Path(path).suffix.lower() in EXTENSIONS


def parse_graph_file(ds: Dataset, path: str) -> Dataset:
    """Parse a graph file into ``ds``, its format told by its extension.

    A file without named graphs (Turtle, N-Triples: ``plankg build -o x.ttl`` merges them) gets
    each plan's graph back from the plan IRIs; one with no plan in it is refused, since every
    named query would answer it with no rows.
    """
    fmt = FORMATS[EXTENSIONS.get(Path(path).suffix.lower(), "trig")]
    target = ds if fmt in KEEPS_GRAPHS else Graph()
    try:
        target.parse(path, format=fmt)
    except FileNotFoundError:
        raise GraphFileError(f"{path}: no such file") from None
    except Exception as exc:
        raise GraphFileError(f"{path}: not a readable {fmt} graph ({str(exc).splitlines()[0][:200]})") from None
    if fmt not in KEEPS_GRAPHS:
        _recover_plan_graphs(target, ds, path)
    return ds


def _recover_plan_graphs(flat: Graph, ds: Dataset, path: str) -> None:
    """Put each triple about a plan (its IRI or one below it) into the plan's graph, the rest into
    the vocabulary graph: the layout ``plankg build`` writes."""
    from .build import BASE, PKG, VOCABULARY_GRAPH, plan_graph_iri

    plans = sorted(str(p) for p in flat.subjects(RDF.type, PKG.Plan) if str(p).startswith(BASE + "id/"))
    if not plans:
        raise GraphFileError(f"{path}: no named graphs and no plan (pkg:Plan) to recover them from; "
                             "give a .trig or .nq file from `plankg build`")
    ids = BASE + "id/"
    graphs = {p[len(ids):]: ds.graph(plan_graph_iri(p[len(ids):])) for p in plans}
    vocab = ds.graph(VOCABULARY_GRAPH)
    for s, p, o in flat:
        subject = str(s)
        home = graphs.get(subject[len(ids):].split("/", 1)[0]) if subject.startswith(ids) else None
        (home if home is not None else vocab).add((s, p, o))


def format_for(path: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path:
        return EXTENSIONS.get(Path(path).suffix.lower(), "trig")
    return "trig"


# Prefixes written in Turtle and TriG (as rdflib writes them).
PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "owl": "http://www.w3.org/2002/07/owl#"}


def write_quads(quads: Iterable, fmt: str, out: BinaryIO) -> None:
    """Serialise pyoxigraph quads, as they stream in, through pyoxigraph (the fast path).

    trig and nq keep the named graphs; ttl and nt merge them into one graph (a triple in two
    graphs is written once); jsonld goes through rdflib, which writes it.
    """
    import pyoxigraph as ox

    from .build import PREFIXES as OWN

    prefixes = {**PREFIXES, **OWN}
    rdf_format = FORMATS[fmt]
    if rdf_format == "json-ld":
        ds = Dataset()
        ds.parse(data=ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS), format="nquads")
        for prefix, ns in prefixes.items():
            ds.bind(prefix, ns)
        out.write(ds.serialize(format="json-ld", encoding="utf-8"))
    elif rdf_format in KEEPS_GRAPHS:
        ox_format = ox.RdfFormat.TRIG if rdf_format == "trig" else ox.RdfFormat.N_QUADS
        ox.serialize(quads, out, ox_format, prefixes=prefixes if rdf_format == "trig" else None)
    else:
        seen: set = set()

        def triples():
            for q in quads:
                t = q.triple
                if t not in seen:
                    seen.add(t)
                    yield t

        ox_format = ox.RdfFormat.TURTLE if rdf_format == "turtle" else ox.RdfFormat.N_TRIPLES
        ox.serialize(triples(), out, ox_format, prefixes=prefixes if rdf_format == "turtle" else None)


def serialize(ds: Dataset, fmt: str) -> bytes:
    """Serialise an rdflib dataset with rdflib (the reference path)."""
    rdf_format = FORMATS[fmt]
    if rdf_format in KEEPS_GRAPHS:
        return _in_total_order(ds.serialize(format=rdf_format, encoding="utf-8"), rdf_format)
    union = Graph()
    for prefix, ns in ds.namespaces():
        union.bind(prefix, ns)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    return _in_total_order(union.serialize(format=rdf_format, encoding="utf-8"), rdf_format)


def _in_total_order(data: bytes, rdf_format: str) -> bytes:
    """The same graph as the same bytes: rdflib writes N-Triples, N-Quads and JSON-LD in its
    store's hash order (Turtle and TriG it sorts itself)."""
    if rdf_format in ("nt", "nquads"):
        lines = sorted(line for line in data.split(b"\n") if line.strip())
        return b"".join(line + b"\n" for line in lines)
    if rdf_format == "json-ld":
        return json.dumps(_sorted_json(json.loads(data)), ensure_ascii=False, indent=2, sort_keys=True).encode()
    return data


def _sorted_json(value, key: str = ""):
    """Arrays sorted (JSON-LD arrays are unordered, except an RDF list's @list), keys sorted on output."""
    if isinstance(value, dict):
        return {k: _sorted_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


@contextmanager
def atomic_output(path: str | Path | None):
    """A binary file to write into: ``path`` replaced when the block ends without error (readers
    see the old file or the new), or standard output then, so that a failure writes nothing."""
    if path is None:
        with tempfile.TemporaryFile() as tmp:
            yield tmp
            tmp.seek(0)
            shutil.copyfileobj(tmp, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one."""
    with atomic_output(path) as fh:
        fh.write(data)
