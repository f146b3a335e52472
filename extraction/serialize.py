"""Plain-JSON forms of the document model (documented in docs/json.md)."""

from __future__ import annotations

from plankg import __version__

from .model import Document, Node
from .tables import cell_tables

OUTLINE_SCHEMA = "plankg-outline/1"


def header(doc: Document, schema: str) -> dict:
    """What every JSON form starts with: its schema, the generator, the source and the plan."""
    return {"schema": schema, "generator": f"plankg {__version__}", "source": source_json(doc), "plan": plan_json(doc)}


def outline_json(doc: Document) -> dict:
    return {
        **header(doc, OUTLINE_SCHEMA),
        "counts": outline_counts(doc),
        "outline": node_json(doc, doc.outline),
    }


def source_json(doc: Document) -> dict:
    src = doc.source
    return {"path": src.path, "encoding": src.encoding, "sha256": src.sha256, "characters": len(src.original),
            "format": src.format, "pages": len(src.pages), "notes": list(src.notes)}


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
        "tables_from_cells": cell_tables(doc),
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


# --- indicators ----------------------------------------------------------------------

INDICATORS_SCHEMA = "plankg-indicators/1"
VALUE_ROLES = ("baseline", "target", "growth", "actual", "actual_growth")


def indicator_id(ind) -> str:
    return f"{ind.table}/row-{ind.row}"


def indicators_json(doc: Document) -> dict:
    return {
        **header(doc, INDICATORS_SCHEMA),
        "tables": [table_json(doc, t) for t in doc.tables],
        "indicators": [indicator_json(doc, i) for t in doc.tables for i in t.indicators],
        "targets": [target_json(doc, t) for t in doc.targets],
    }


def table_json(doc: Document, table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "kind": table.kind,
        "read_from": table.read_from,
        "columns": [{"label": c.label, "year": c.year, "role": c.role} for c in table.columns],
        "categories": [{"name": c.name, "declared_count": c.declared_count, "items": c.items,
                        "source": doc.locate(c.start, c.end)} for c in table.categories],
        "problems": table.problems,
        "source": _span(doc, table.start, table.end),
    }


def indicator_json(doc: Document, ind) -> dict:
    from .quantity import unit_multiplier

    out = {
        "id": indicator_id(ind),
        "name": ind.name,
        "label": ind.label,
        "parent": ind.parent,
        "category": ind.category,
        "unit": ind.unit,
        "multiplier": unit_multiplier(ind.unit)[1] if ind.unit else None,
        "attribute": ind.attribute,
        "attribute_text": ind.attribute_text,
    }
    roles = {v.column.role for v in ind.values}
    for role in VALUE_ROLES:
        if role in ("baseline", "target", "growth") or role in roles:
            value = ind.value(role)
            out[role] = value.quantity.as_json() if value else None
    out["values"] = [{"column": v.column.label, "role": v.column.role, **v.quantity.as_json(),
                      "source": doc.locate(v.start, v.end)} for v in ind.values]
    out["table"] = ind.table
    out["row"] = ind.row
    out["source"] = doc.locate(ind.start, ind.end)
    out["name_source"] = doc.locate(ind.name_start, ind.name_end)
    out["mentions"] = [target_json(doc, t, with_indicator=False) for t in ind.mentions]
    return out


def target_json(doc: Document, target, with_indicator: bool = True) -> dict:
    out = {
        "subject": target.subject,
        "kind": target.kind,
        "quantity": target.quantity.as_json(),
        "sentence": doc.locate(target.start, target.end),
        "value_source": doc.locate(target.value_start, target.value_end),
        "time_context": target.context,
        "direction": target.direction if target.kind in ("growth", "change") else None,
        "implied_year": target.implied,
        "notes": list(target.flags),
    }
    if with_indicator:
        out["indicator"] = indicator_id(target.indicator) if target.indicator else None
    out["match_score"] = target.score if target.indicator else None
    return out


def _span(doc: Document, start: int, end: int) -> dict:
    span = doc.locate(start, end)
    span.pop("text")
    return span


CSV_COLUMNS = ["id", "table", "row", "category", "parent", "name", "unit", "attribute"] + [
    f"{role}_{part}" for role in VALUE_ROLES for part in ("text", "value", "year", "qualifier", "cumulative")
] + ["mentions", "line", "start", "end"]


def indicator_rows(doc: Document):
    """One flat row per indicator, for CSV."""
    for table in doc.tables:
        for ind in table.indicators:
            row = {"id": indicator_id(ind), "table": table.title, "row": ind.row, "category": ind.category,
                   "parent": ind.parent, "name": ind.name, "unit": ind.unit, "attribute": ind.attribute}
            for role in VALUE_ROLES:
                value = ind.value(role)
                q = value.quantity.as_json() if value else {}
                for part in ("text", "value", "year", "qualifier", "cumulative"):
                    row[f"{role}_{part}"] = q.get(part)
            src = doc.locate(ind.start, ind.end)
            row.update(mentions=len(ind.mentions), line=src["line"], start=src["start"], end=src["end"])
            yield row


# --- places, projects, goals -----------------------------------------------------------

def place_json(doc: Document, place) -> dict:
    d = place.division
    return {
        "code": d.code, "name": d.name, "level": d.level, "parent": d.parent or None,
        "in_gb2260": d.in_standard, "own_region": place.own_region, "mentions": len(place.mentions),
        "spans": [{**doc.locate(m.start, m.end), "surface": m.text, "reason": m.reason or None,
                   "candidates": list(m.candidates)} for m in place.mentions],
    }


def places_json(doc: Document) -> dict:
    places = sorted(doc.places.values(), key=lambda p: (-len(p.mentions), p.division.code))
    return {**header(doc, "plankg-places/1"),
            "region": doc.region.code if doc.region else None,
            "places": [place_json(doc, p) for p in places]}


def project_json(doc: Document, project) -> dict:
    out = {
        "id": project.key, "name": project.name, "kind": project.kind, "kind_reason": project.kind_reason or None,
        "source_kind": project.source, "category": project.category,
        "container": project.container, "chapter": project.chapter,
        "investment": project.investment.as_json() if project.investment else None,
        "investment_estimated": project.investment_estimated or None,
        "declared_components": project.declared_components,
        "declared_component_words": project.declared_component_words or None,
        "component_count": project.component_count,
        "numbers": [q.as_json() for q in project.numbers],
        "places": [{"code": m.code, "surface": m.text, "reason": m.reason or None, **_span(doc, m.start, m.end)}
                   for m in project.places],
        "sectors": [{"id": a.sector.id, "label": a.sector.label, "label_en": a.sector.label_en, "level": a.level,
                     "words": a.words, "evidence": a.text} for a in project.sectors],
        "goals": [goal_link_json(doc, g) for g in project.goals],
        "source": doc.locate(project.start, project.end),
    }
    if project.components:
        out["components"] = [project_json(doc, c) for c in project.components]
    return out


def projects_json(doc: Document) -> dict:
    return {**header(doc, "plankg-projects/1"),
            "projects": [project_json(doc, p) for p in doc.projects]}


def goal_link_json(doc: Document, link) -> dict:
    """One goal link of a project: rank, score, the goal (a sub-goal where one applies), its reasons quoted."""
    def quote(start, end, text):
        return {"text": text, **(_span(doc, start, end) if start is not None else {"start": None, "end": None})}

    return {"goal": link.goal.key, "title": link.goal.title, "top_goal": link.top.key, "rank": link.rank,
            "primary": link.rank == 1, "score": link.score, "sector_only": link.sector_only, "path": link.path,
            "matched": link.matched, "words": link.words,
            "evidence": [{"kind": e.kind, "where": e.where, "context": e.context, "quote": quote(e.start, e.end, e.term),
                          "theme": e.theme, "contribution": round(e.contribution, 3),
                          "goal_side": {"basis": e.goal_side.basis,
                                        **quote(e.goal_side.start, e.goal_side.end, e.goal_side.term)}}
                         for e in link.evidence]}


def goal_json(doc: Document, goal, with_projects: bool = False) -> dict:
    out = {
        "id": goal.key, "title": goal.title, "source": doc.locate(goal.start, goal.end),
        "top_goal": goal.top.key if goal.parent else None, "scope": goal.scope or None,
        "subgoals": [{"id": s.key, "title": s.title, "scope": s.scope, "scope_heading": s.scope_heading,
                      "rolls_up_because": [e.term for e in s.rollup]} for s in goal.subgoals],
        "indicators": [{"indicator": indicator_id(m.indicator), "name": m.indicator.label, "via": m.via,
                        "evidence": m.evidence} for m in goal.indicators],
    }
    links = goal_links(doc, goal)
    out["project_count"] = len(links)
    out["primary_count"] = sum(1 for _, link in links if link.rank == 1)
    if with_projects:
        out["projects"] = [{**project_json(doc, p), "link": goal_link_json(doc, link)} for p, link in links]
    return out


def goal_links(doc: Document, goal) -> list:
    """(project, link) for every project serving the goal (a top goal: also through its sub-goals),
    primary links first, then by score, then in the plan's order."""
    found = [(p, link) for p in all_projects(doc) for link in p.goals if goal in (link.goal, link.top)]
    return sorted(found, key=lambda pl: (pl[1].rank, -pl[1].score, pl[0].start, pl[0].key))


def all_projects(doc: Document):
    for p in doc.projects:
        yield p
        yield from p.components
