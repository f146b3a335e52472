"""Serialising datasets, and writing files atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from rdflib import Dataset, Graph

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
    """Parse a graph file into ``ds``, its format told by its extension."""
    fmt = FORMATS[EXTENSIONS.get(Path(path).suffix.lower(), "trig")]
    try:
        ds.parse(path, format=fmt)
    except FileNotFoundError:
        raise GraphFileError(f"{path}: no such file") from None
    except Exception as exc:
        raise GraphFileError(f"{path}: not a readable {fmt} graph ({str(exc).splitlines()[0][:200]})") from None
    return ds


def format_for(path: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path:
        return EXTENSIONS.get(Path(path).suffix.lower(), "trig")
    return "trig"


def serialize(ds: Dataset, fmt: str) -> bytes:
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


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
