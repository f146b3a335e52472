"""Plain-JSON forms of the document model (documented in docs/json.md)."""

from __future__ import annotations

from plankg import __version__

from .model import Document, Node

OUTLINE_SCHEMA = "plankg-outline/1"


def outline_json(doc: Document) -> dict:
    return {
        "schema": OUTLINE_SCHEMA,
        "generator": f"plankg {__version__}",
        "source": source_json(doc),
        "plan": plan_json(doc),
        "counts": outline_counts(doc),
        "outline": node_json(doc, doc.outline),
    }


def source_json(doc: Document) -> dict:
    src = doc.source
    return {"path": src.path, "encoding": src.encoding, "sha256": src.sha256, "characters": len(src.original)}


def plan_json(doc: Document) -> dict:
    info = doc.info
    return {"title": info.title, "region": info.region, "ordinal": info.ordinal,
            "start_year": info.start_year, "end_year": info.end_year}


def outline_counts(doc: Document) -> dict:
    """Counts a reader checks: chapters inside parts apart from those of the annexes."""
    counts = doc.counts()
    annex_chapters = sum(len(a.find("chapter")) for a in doc.outline.find("annex"))
    boxes = doc.outline.find("box")
    return {
        "parts": counts.get("part", 0),
        "chapters": counts.get("chapter", 0) - annex_chapters,
        "sections": counts.get("section", 0),
        "boxes": len(boxes),
        "unlabelled_boxes": sum(1 for b in boxes if not b.labelled),
        "tables": counts.get("table", 0),
        "annexes": counts.get("annex", 0),
        "annex_chapters": annex_chapters,
        "paragraphs": counts.get("paragraph", 0),
    }


def node_json(doc: Document, node: Node) -> dict:
    out: dict = {"kind": node.kind, "key": node.key}
    if node.numeral is not None or node.number is not None:
        out["numeral"] = node.numeral
        out["number"] = node.number
    if node.kind not in ("paragraph", "table", "plan"):
        out["title"] = node.title
        out["heading"] = node.heading
    if node.kind == "box":
        out["labelled"] = node.labelled
    span = doc.locate(node.start, node.end)
    text = span.pop("text")
    out["span"] = span
    if node.kind == "paragraph":
        out["text"] = text
    if node.children:
        out["children"] = [node_json(doc, c) for c in node.children]
    return out
