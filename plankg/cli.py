"""The ``plankg`` command line: one entry point, one sub-command per job.

Every command takes an optional plan file and falls back to the bundled sample.
Bad input ends with one line on stderr naming the problem and exit code 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys

from plankg import __version__, sample_plan_path
from plankg.extraction import Document, PlanError, read_plan
from plankg.extraction.model import KIND_LABELS, Node
from plankg.extraction.serialize import (CSV_COLUMNS, all_projects, goal_json, goal_links, indicator_rows, indicators_json,
                                         outline_counts, outline_json, places_json, projects_json)
from plankg.graph.plan_memory import DEFAULT_CAPACITY

EXIT_BAD_INPUT = 2
SHOWN_REASONS = 4  # reasons per goal link in text output


class UsageError(Exception):
    """A command line that asks for something impossible."""


def load(path: str | None) -> Document:
    from plankg.extraction.pipeline import process  # here: light commands need no jieba

    return process(read_plan(path or sample_plan_path()))


def each_plan(paths: list[str | None], builder):
    """Extract and map the plans one at a time (constant memory per plan), with a progress bar
    on a terminal; the same plan given twice is a usage error."""
    for path in progress(paths, "plans"):
        try:
            yield builder.plan(load(path))
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def progress(items: list, unit: str):
    """A progress bar on stderr for several items, when stderr is a terminal; else the items."""
    if len(items) < 2 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, unit=unit.rstrip("s"), file=sys.stderr, leave=False)


# --- outline ----------------------------------------------------------------------------

def cmd_outline(args: argparse.Namespace) -> None:
    doc = load(args.plan)
    if args.json:
        _print_json(outline_json(doc))
        return
    print(render_tree(doc))


def _encoding(doc: Document) -> str:
    """The character encoding for text and web pages; for PDF and Word, whose text is not a byte encoding, the format."""
    return doc.source.encoding if doc.source.format in ("text", "html") else doc.source.format


def render_tree(doc: Document) -> str:
    info, c = doc.info, outline_counts(doc)
    period = f", {info.start_year}–{info.end_year}" if info.start_year else ""
    lines = [
        f"{info.title or '(untitled plan)'}  [{os.path.basename(doc.source.path or '')}, {_encoding(doc)}{period}]",
        f"{c['parts']} 篇 parts · {c['chapters']} 章 chapters · {c['sections']} 节 sections · "
        f"{c['boxes']} 专栏 boxes ({c['unlabelled_boxes']} without heading) · {c['tables']} tables · "
        f"{c['annexes']} 附件 annexes ({c['annex_chapters']} chapters) · {c['paragraphs']} paragraphs",
        _reader_line(doc, c),
    ]

    def visit(node: Node, prefix: str) -> None:
        shown = [ch for ch in node.children if ch.kind != "paragraph"]
        for i, child in enumerate(shown):
            last = i == len(shown) - 1
            lines.append(prefix + ("└── " if last else "├── ") + _label(doc, child))
            visit(child, prefix + ("    " if last else "│   "))

    visit(doc.outline, "")
    return "\n".join(lines)


def _reader_line(doc: Document, c: dict) -> str:
    """Which reader read the file, its pages, and how many tables came from the document's own cells."""
    src = doc.source
    pages = f" · {len(src.pages)} pages" if src.pages else ""
    notes = "".join(f" · {note}" for note in src.notes)
    return f"read as {src.format}{pages} · {c['tables_from_cells']} of {c['tables']} tables from cells{notes}"


def _label(doc: Document, node: Node) -> str:
    span = doc.locate(node.start, node.end)
    where = f"L{span['line']}" + (f"–{span['end_line']}" if span["end_line"] != span["line"] else "")
    if node.kind == "table":
        title = "▦ 表格 table"
    elif node.kind == "box" and not node.labelled:
        num = node.number if node.number is not None else "?"
        title = f"专栏{num} (heading lost in conversion)"
    elif node.kind in ("part", "chapter", "section", "box", "annex"):
        title = node.heading
    else:
        zh, en = KIND_LABELS[node.kind]
        title = node.title if node.kind in ("resolution", "title") else f"{zh} {en}"
        if node.kind in ("resolution", "title"):
            title = f"{zh}: {title}"
    extras = []
    paras = sum(1 for ch in node.children if ch.kind == "paragraph")
    if paras:
        extras.append(f"{paras} ¶")
    for kind, word in (("chapter", "章"), ("section", "节"), ("box", "专栏")):
        n = sum(1 for ch in node.children if ch.kind == kind)
        if n:
            extras.append(f"{n} {word}")
    return f"{title}  {where}" + (f"  ({', '.join(extras)})" if extras else "")


# --- indicators -------------------------------------------------------------------------

def cmd_indicators(args: argparse.Namespace) -> None:
    doc = load(args.plan)
    if args.json:
        _print_json(indicators_json(doc))
    elif args.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(indicator_rows(doc))
    else:
        print(render_indicators(doc))


ATTRIBUTE_MARK = {"binding": "约束性", "expected": "预期性", None: "—"}


def render_indicators(doc: Document) -> str:
    if not doc.tables:
        linked = sum(1 for t in doc.targets if t.indicator)
        return (f"{doc.info.title or doc.source.path}: no indicator table found; "
                f"{len(doc.targets)} quantified targets stated in the text ({linked} linked).")
    lines = []
    for table in doc.tables:
        span = doc.locate(table.start, table.end)
        cols = ", ".join(f"{c.label}={c.role}" for c in table.columns)
        lines.append(f"{table.title}  [L{span['line']}–{span['end_line']}; {len(table.indicators)} indicators; {cols}]")
        category = object()
        for ind in table.indicators:
            if ind.category != category:
                category = ind.category
                cat = next((c for c in table.categories if c.name == category), None)
                count = f" （{cat.declared_count}项）" if cat and cat.declared_count else ""
                lines.append(f"  {category or '(no category)'}{count}")
            values = "  ".join(f"{v.column.label}: {v.quantity.text.strip()}" for v in ind.values)
            unit = f" [{ind.unit}]" if ind.unit else ""
            mention = f"  ↔ {len(ind.mentions)} in text" if ind.mentions else ""
            line = doc.locate(ind.start, ind.end)["line"]
            lines.append(f"    {ind.label}{unit} ({ATTRIBUTE_MARK[ind.attribute]}) L{line}: {values}{mention}")
        for problem in table.problems:
            lines.append(f"  ! {problem}")
    linked = sum(1 for t in doc.targets if t.indicator)
    lines.append(f"{len(doc.targets)} quantified targets stated in the text, {linked} of them restating a table indicator.")
    return "\n".join(lines)


# --- projects, places, goals ------------------------------------------------------------

def cmd_projects(args: argparse.Namespace) -> None:
    doc = load(args.plan)
    if args.json:
        _print_json(projects_json(doc))
        return
    lines = []
    for p in doc.projects:
        lines.append(_project_line(doc, p))
        lines.extend("    └ " + _project_line(doc, c) for c in p.components)
    counts = {k: sum(1 for p in doc.projects if p.source == k) for k in ("box", "annex", "text")}
    measures = sum(1 for p in doc.projects if p.kind == "measure")
    lines.append(f"{len(doc.projects)} items: {counts['box']} in boxes, {counts['annex']} strategic (annexes), "
                 f"{counts['text']} listed in the text; {len(doc.projects) - measures} projects, {measures} measures.")
    print("\n".join(lines))


def _project_line(doc: Document, p) -> str:
    where = doc.locate(p.start, p.end)["line"]
    bits = [f"L{where}", p.name if p.kind == "project" else f"{p.name} (measure)"]
    if p.category:
        bits.append(f"[{p.category}]")
    if p.investment:
        bits.append(p.investment.text)
    if p.declared_components:
        bits.append(f"由{p.declared_components}个项目组成")
    places = list(dict.fromkeys(doc.places[m.code].division.name for m in p.places))
    if places:
        bits.append("@" + "、".join(places))
    if p.sectors:
        bits.append("⚑" + "、".join(a.sector.label for a in p.sectors))
    if p.goals:
        bits.append("→ " + "；".join(f"{link.top.title.split('，')[0]} {link.score:.2f}" for link in p.goals))
    return "  ".join(bits)


def cmd_places(args: argparse.Namespace) -> None:
    doc = load(args.plan)
    data = places_json(doc)
    if args.json:
        _print_json(data)
        return
    region = doc.region.name if doc.region else "(region not in the gazetteer)"
    lines = [f"{doc.info.title}: region {region}"]
    counts = {}
    for p in all_projects(doc):
        for code in {m.code for m in p.places}:
            counts[code] = counts.get(code, 0) + 1
    for place in data["places"]:
        mark = "★" if place["own_region"] else " "
        surfaces = "、".join(sorted({s["surface"] for s in place["spans"]}))
        lines.append(f"{mark} {place['code']:>11}  {place['name']} ({place['level']})  "
                     f"{place['mentions']} mentions as {surfaces}; {counts.get(place['code'], 0)} projects")
    print("\n".join(lines))


def cmd_goals(args: argparse.Namespace) -> None:
    doc = load(args.plan)
    if args.projects is not None:
        goal = _find_goal(doc, args.projects)
        data = goal_json(doc, goal, with_projects=True)
        if args.json:
            _print_json(data)
            return
        print(f"{goal.key}  {goal.title}")
        for p, link in goal_links(doc, goal):
            print(_goal_link_lines(doc, p, link))
        return
    data = [goal_json(doc, g) for g in doc.goals]
    if args.json:
        _print_json({"schema": "plankg-goals/2", "plan": doc.info.title, "goals": data})
        return
    if not data:
        print(f"{doc.info.title}: no goals found (no 目标 chapter with ——-bulleted goals)")
    for g, d in zip(doc.goals, data):
        line = doc.locate(g.start, g.end)["line"]
        names = "、".join(i["name"] for i in d["indicators"])
        print(f"{g.key}  L{line}  {g.title}\n    {d['project_count']} projects ({d['primary_count']} as their primary "
              f"goal); measured by: {names or '—'}")
        for s in g.subgoals:
            print(f"    └ {s.key}  L{doc.locate(s.start, s.end)['line']}  {s.scope_heading}：{s.title}")


def _goal_link_lines(doc: Document, p, link) -> str:
    """A project serving a goal: rank and score, the sub-goal it goes through, its reasons quoted."""
    rank = "primary" if link.rank == 1 else f"rank {link.rank}"
    lines = [f"  [{rank}, score {link.score:.3f}]  {_project_line(doc, p)}"]
    if link.goal is not link.top:
        lines.append(f"      via sub-goal {link.goal.key}: {link.goal.title}")
    if link.sector_only:
        lines.append("      only evidence: its sector (the themes its sector usually serves) — check it")
    for e in link.evidence[:SHOWN_REASONS]:
        where = f" L{doc.locate(e.start, e.end)['line']}" if e.start is not None else ""
        from plankg.extraction.goal_links import describe

        lines.append(f"      because{where}: {describe(e)}")
    if len(link.evidence) > SHOWN_REASONS:
        lines.append(f"      … and {len(link.evidence) - SHOWN_REASONS} weaker reasons (--json lists them all)")
    return "\n".join(lines)


def _find_goal(doc: Document, wanted: str):
    from plankg.extraction.goals import all_goals

    for i, goal in enumerate(doc.goals, start=1):
        if wanted in (goal.key, str(i)) or (wanted and wanted in goal.title):
            return goal
    for goal in all_goals(doc):
        if wanted == goal.key or (wanted and wanted in goal.title):
            return goal
    raise UsageError(f"no goal {wanted!r}: give its number (1-{len(doc.goals)}), its id, or words of its title")


# --- build ----------------------------------------------------------------------------------

def cmd_build(args: argparse.Namespace) -> None:
    from plankg.graph.build import GraphBuilder
    from plankg.graph.io import FORMATS, atomic_output, format_for, write_quads

    fmt = format_for(args.output, args.format)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use one of {', '.join(sorted(FORMATS))}")
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise UsageError(f"{args.output}: its folder does not exist")
    plans = args.plans or [None]
    builder = GraphBuilder()

    def quads():  # streamed: one plan's quads in memory at a time
        for plan in each_plan(plans, builder):
            yield from plan.quads
        yield from builder.new_vocabulary()

    with atomic_output(args.output) as out:
        write_quads(quads(), fmt, out)
        size = out.tell()
    if args.output:
        print(f"wrote {args.output} ({size} bytes, {fmt}) for {len(plans)} plan(s)", file=sys.stderr)


# --- audit ------------------------------------------------------------------------------------

EXIT_FINDINGS = 1
EXIT_SHAPES = 3


def audit_inputs(inputs: list[str], shapes):
    """Audit plans (extracted and mapped one at a time) and graph files (parsed), one result."""
    from rdflib import Dataset

    from plankg.graph.audit import AuditResult, audit_dataset, audit_plan
    from plankg.graph.build import GraphBuilder
    from plankg.graph.io import GraphFileError, is_graph_file, parse_graph_file

    plans = [p for p in inputs if not is_graph_file(p)]
    graphs = [p for p in inputs if is_graph_file(p)]
    if not inputs:
        plans = [sample_plan_path()]
    datasets = []
    for path in graphs:  # read first: a bad file is refused before any plan is extracted
        try:
            datasets.append(parse_graph_file(Dataset(), path))
        except GraphFileError as exc:
            raise PlanError(str(exc)) from None
    result, builder, vocab = AuditResult(), GraphBuilder(), []
    for plan in each_plan(plans, builder):
        vocab += builder.new_vocabulary()
        result.merge(audit_plan(plan, vocab, shapes))
    for ds in datasets:
        result.merge(audit_dataset(ds, shapes))
    return result


def cmd_audit(args: argparse.Namespace) -> int:
    from plankg.graph.audit import ShapesError, shapes_graph
    from plankg.graph.io import write_atomically
    from plankg.graph.report import render

    try:
        result = audit_inputs(args.inputs, shapes_graph(args.shapes) if args.shapes else shapes_graph())
    except ShapesError as exc:
        print(f"plankg: shapes error: {exc}", file=sys.stderr)
        return EXIT_SHAPES
    out = render(result, args.format)
    if args.output:
        write_atomically(args.output, out.encode("utf-8"))
    else:
        print(out)
    if args.fail_on != "never" and result.fails(args.fail_on):
        return EXIT_FINDINGS
    return 0


# --- stores, load, query ------------------------------------------------------------------------

STORE_HELP = "the embedded store's folder (default: $PLANKG_STORE or ~/.local/share/plankg/store)"


def add_store_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where the graphs are (default: the embedded store)")
    g.add_argument("--store", metavar="DIR", help=STORE_HELP)
    g.add_argument("--graph", metavar="FILE", help="a graph file held in memory instead of a store")
    g.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 endpoint instead of the embedded store")
    g.add_argument("--gsp", metavar="URL", help="the endpoint's Graph Store Protocol URL, for loading")
    g.add_argument("--graph-param", default="graph", help="the GSP graph parameter (Virtuoso: graph-uri)")
    g.add_argument("--user", help="user for HTTP digest authentication (password: $PLANKG_ENDPOINT_PASSWORD)")
    g.add_argument("--timeout", type=float, default=60.0, help="seconds a remote request may take (default 60)")


def open_store(args: argparse.Namespace, for_loading: bool = False):
    from plankg.graph.stores import OxigraphStore, RdflibStore, RemoteStore, default_store_dir

    if getattr(args, "graph", None):
        if for_loading:
            raise UsageError("--graph FILE is read-only: load into --store or --endpoint")
        return RdflibStore(path=args.graph)
    if getattr(args, "endpoint", None):
        return RemoteStore(args.endpoint, gsp=args.gsp, user=args.user,
                           password=os.environ.get("PLANKG_ENDPOINT_PASSWORD"), timeout=args.timeout,
                           graph_param=args.graph_param)
    store = OxigraphStore(args.store or default_store_dir())
    if not for_loading and not store.plan_graphs():
        # A new, empty store: load the bundled sample, so that every command works out of the box.
        print("plankg: the store is empty; loading the bundled sample plan", file=sys.stderr)
        for _ in load_plans(store, [None]):
            pass
    return store


def load_plans(store, paths: list[str | None]):
    """Load plans one at a time, each with its audit report beside it (docs/model.md); yields
    each plan graph as it is loaded."""
    from plankg.graph.audit import audit_plan, report_quads, shapes_graph
    from plankg.graph.build import GraphBuilder

    builder, vocab, shapes = GraphBuilder(), [], shapes_graph()
    for plan in each_plan(paths, builder):
        new = builder.new_vocabulary()
        store.add_vocabulary(new)  # first: the plan's divisions are described before it is there
        vocab += new
        store.load_audited(plan, lambda: report_quads(audit_plan(plan, vocab, shapes), plan.graph))
        yield plan.graph
    if getattr(store, "bulk_loaded", 0) and store.needs_compaction():
        print("plankg: merging the store's files, which makes its reads faster (as plankg compact does)",
              file=sys.stderr)
    store.flush()


def cmd_load(args: argparse.Namespace) -> None:
    store = open_store(args, for_loading=True)
    for graph in load_plans(store, args.plans or [None]):
        print(f"loaded {graph}", file=sys.stderr)
    store.close()


def cmd_compact(args: argparse.Namespace) -> None:
    import time
    from pathlib import Path

    from plankg.graph.stores import OxigraphStore, default_store_dir

    path = Path(args.store) if args.store else default_store_dir()
    if not (path / "CURRENT").is_file():  # RocksDB's pointer to its manifest: every store has one
        raise UsageError(f"{path}: not an embedded store (no plankg load has written there)")
    store = OxigraphStore(path)
    started = time.perf_counter()
    store.compact()
    store.close()
    print(f"compacted {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def cmd_queries(args: argparse.Namespace) -> None:
    from plankg.queries.named import catalogue

    cat = catalogue()
    if args.json:
        _print_json([q.as_json() for q in cat.values()])
        return
    for q in cat.values():
        print(f"{q.name}\n    {q.title}\n    {q.description}")
        for p in q.params:
            flag = "required" if p.required else f"default {p.default}" if p.default else "optional"
            print(f"    --param {p.name}=<{p.type}>  ({flag}) {p.description}")
        if q.rows_by:
            print(f"    rows by {q.rows_by}: a page across every {q.rows_by} is read one {q.rows_by} at a time "
                  "(docs/queries.md)")


def cmd_query(args: argparse.Namespace) -> None:
    from plankg.queries.named import QueryError, get
    from plankg.queries.results import FORMATTERS

    params = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: write it as key=value")
        params[key] = value
    try:
        query = get(args.name)
        sparql = query.bind(params)
    except QueryError as exc:
        raise UsageError(str(exc)) from None
    store = open_store(args)
    if args.limit is None and not args.offset:
        print(FORMATTERS[args.format](store.query(sparql)))
        return
    from itertools import islice

    from plankg.queries.pages import page_in_parts, reads_in_parts

    if args.limit is not None and reads_in_parts(query, params):
        page = page_in_parts(store, query, params, args.limit, args.offset)
        names, rows = page.variables, page.rows
    else:
        answer = store.answer(sparql)
        if answer.kind != "solutions":
            raise UsageError("--limit and --offset page the rows of a SELECT query")
        end = None if args.limit is None else args.offset + args.limit
        names, rows = answer.variables, list(islice(answer.rows, args.offset, end))
    print(FORMATTERS[args.format]({"head": {"vars": names}, "results": {"bindings": rows}}))


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a count (a whole number, 0 or more): {text!r}")
    return int(text)


# --- serve --------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> None:
    import logging

    import uvicorn

    from plankg.api.app import Settings, create_app
    from plankg.api.workers import StoreSpec

    if args.graph:
        spec = StoreSpec("file", args.graph)
    elif args.endpoint:
        spec = StoreSpec("endpoint", args.endpoint, args.user, os.environ.get("PLANKG_ENDPOINT_PASSWORD"),
                         args.timeout)
    else:
        store = open_store(args)  # loads the bundled sample into an empty store
        store.close()
        from plankg.graph.stores import default_store_dir

        spec = StoreSpec("oxigraph", str(args.store or default_store_dir()))
    settings = Settings(store=spec, query_timeout=args.query_timeout, max_rows=args.max_rows,
                        max_response_bytes=args.max_response_bytes, max_concurrent=args.max_concurrent,
                        write_token=os.environ.get("PLANKG_WRITE_TOKEN") or args.write_token,
                        max_body_bytes=args.max_body_bytes, queue_wait=args.queue_wait,
                        cors_origins=[o for o in (args.cors_origins or "").split(",") if o.strip()],
                        plans_in_memory=args.plans_in_memory)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=10)


def _env(name: str, default, cast=str):
    value = os.environ.get(name)
    return cast(value) if value is not None else default


# --- plumbing ---------------------------------------------------------------------------

def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def add_plan_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", nargs="?", help="plan file: text, Markdown, .docx, .html, .pdf (default: the bundled sample)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plankg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"plankg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("outline", help="print a plan's outline (篇/章/节/专栏/附件) as a tree or JSON")
    add_plan_argument(p)
    p.add_argument("--json", action="store_true", help="print the documented JSON form instead of a tree")
    p.set_defaults(func=cmd_outline)

    p = sub.add_parser("indicators", help="the plan's indicator tables, with the narrative targets that restate them")
    add_plan_argument(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the documented JSON form")
    fmt.add_argument("--csv", action="store_true", help="print one CSV row per indicator")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("projects", help="every project: boxes, annexes and lists in the text, with places, sectors and goals")
    add_plan_argument(p)
    p.add_argument("--json", action="store_true", help="print the JSON form")
    p.set_defaults(func=cmd_projects)

    p = sub.add_parser("places", help="the administrative divisions the plan names, with GB/T 2260 codes")
    add_plan_argument(p)
    p.add_argument("--json", action="store_true", help="print the JSON form, with every mention's span")
    p.set_defaults(func=cmd_places)

    p = sub.add_parser("goals", help="the plan's goals, the indicators measuring them, and the projects serving them")
    add_plan_argument(p)
    p.add_argument("--projects", metavar="GOAL", help="list the projects serving GOAL (number, id or title words)")
    p.add_argument("--json", action="store_true", help="print the JSON form")
    p.set_defaults(func=cmd_goals)

    p = sub.add_parser("build", help="build the RDF graph of one or more plans (a named graph each)")
    p.add_argument("plans", nargs="*", metavar="PLAN", help="plan files: text, Markdown, .docx, .html, .pdf (default: the bundled sample)")
    p.add_argument("-o", "--output", help="write here (atomically) instead of to standard output")
    p.add_argument("--format", choices=["ttl", "nt", "jsonld", "trig", "nq"],
                   help="RDF format (default: from the output's extension, else trig); ttl and nt merge the graphs")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("audit", help="check plans for inconsistencies (SHACL shapes and arithmetic rules)")
    p.add_argument("inputs", nargs="*", metavar="PLAN|GRAPH",
                   help="plan texts, or graph files (.trig .ttl .nt .nq .jsonld); default: the bundled sample")
    p.add_argument("--format", choices=["text", "json", "sarif", "junit", "ttl"], default="text",
                   help="report format (ttl: the SHACL validation report graph)")
    p.add_argument("--fail-on", choices=["violation", "warning", "never"], default="violation",
                   help="exit 1 when a finding this severe or worse is found (default: violation)")
    p.add_argument("-o", "--output", help="write the report here (atomically)")
    p.add_argument("--shapes", help="use these SHACL shapes instead of ontology/shapes.ttl")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("load", help="load plans into the embedded store or a SPARQL endpoint, replacing their graphs")
    p.add_argument("plans", nargs="*", metavar="PLAN", help="plan files: text, Markdown, .docx, .html, .pdf (default: the bundled sample)")
    add_store_options(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("compact", help="merge the embedded store's files, which makes its reads faster "
                       "(load does it itself once the plans loaded since the last one are a quarter of the store's)")
    p.add_argument("--store", metavar="DIR", help=STORE_HELP)
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser("queries", help="list the named queries with their parameters")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("query", help="run a named query (or a .rq file) on a store")
    p.add_argument("name", metavar="NAME|FILE.rq")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="a parameter (repeat for several)")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv"], default="table")
    p.add_argument("--limit", type=_count, metavar="N", help="at most N rows (a query of rows by plan across "
                   "every plan then reads only the plans the rows come from: docs/queries.md)")
    p.add_argument("--offset", type=_count, default=0, metavar="N", help="skip the first N rows")
    add_store_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("serve", help="the HTTP service: SPARQL endpoint, REST API and web pages")
    p.add_argument("--host", default=_env("PLANKG_HOST", "127.0.0.1"), help="address to listen on ($PLANKG_HOST)")
    p.add_argument("--port", type=int, default=_env("PLANKG_PORT", 8000, int), help="port ($PLANKG_PORT)")
    p.add_argument("--query-timeout", type=float, default=_env("PLANKG_QUERY_TIMEOUT", 30.0, float),
                   help="seconds a query may run before it is stopped ($PLANKG_QUERY_TIMEOUT)")
    p.add_argument("--max-rows", type=int, default=_env("PLANKG_MAX_ROWS", 10000, int),
                   help="rows of a result before it is cut, and the cut reported ($PLANKG_MAX_ROWS)")
    p.add_argument("--max-response-bytes", type=int, default=_env("PLANKG_MAX_RESPONSE_BYTES", 20_000_000, int),
                   help="larger answers are refused with 413 ($PLANKG_MAX_RESPONSE_BYTES)")
    p.add_argument("--max-concurrent", type=int, default=_env("PLANKG_MAX_CONCURRENT", 2, int),
                   help="query worker processes ($PLANKG_MAX_CONCURRENT)")
    p.add_argument("--write-token", help="allow SPARQL Update with this bearer token ($PLANKG_WRITE_TOKEN)")
    p.add_argument("--queue-wait", type=float, default=_env("PLANKG_QUEUE_WAIT", 30.0, float),
                   help="seconds a request waits for a free worker before 503 ($PLANKG_QUEUE_WAIT)")
    p.add_argument("--max-body-bytes", type=int, default=_env("PLANKG_MAX_BODY_BYTES", 2_000_000, int),
                   help="larger request bodies are refused with 413 ($PLANKG_MAX_BODY_BYTES)")
    p.add_argument("--cors-origins", default=_env("PLANKG_CORS_ORIGINS", ""),
                   help="comma-separated origins (or *) allowed to read from a browser; off by default ($PLANKG_CORS_ORIGINS)")
    p.add_argument("--plans-in-memory", type=_count, metavar="N",  # a string default: argparse checks the variable too
                   default=_env("PLANKG_PLANS_IN_MEMORY", str(DEFAULT_CAPACITY)),
                   help="plans each REST API worker keeps copied in memory for the views of one plan, once read "
                        "twice, holding N x 100,000 quads at most (~45 MB per 100,000; 0: none) ($PLANKG_PLANS_IN_MEMORY)")
    add_store_options(p)
    p.set_defaults(func=cmd_serve)

    return parser


def _bad_input(exc: Exception) -> bool:
    # StoreError is looked up only if the stores were imported: light commands do not import them.
    stores = sys.modules.get("plankg.graph.stores")
    return isinstance(exc, (PlanError, UsageError)) or (stores is not None and isinstance(exc, stores.StoreError))


# A plan's graph is a few hundred thousand small objects made at once: at the default (a pass every
# 700 new objects) the cycle collector takes a tenth of a build, load or audit.
GC_THRESHOLD = (50_000, 10, 10)


def main(argv: list[str] | None = None) -> int:
    gc.set_threshold(*GC_THRESHOLD)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except BrokenPipeError:
        # The reader (head, less) went away: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("plankg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _bad_input(exc):
            raise
        print(f"plankg: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code or 0


# Commands after which nothing is left to run at exit (no store left open, no worker processes).
QUICK_EXIT = {"outline", "indicators", "projects", "places", "goals", "build", "audit", "load"}


def run() -> None:
    """The program (``plankg``, ``python -m plankg``): :func:`main`, then the process ends. After a command
    of QUICK_EXIT it leaves at once, its output flushed, rather than free its heap object by object (a
    plan's graphs, jieba's dictionary: a quarter of a second, a tenth of a load)."""
    code = main()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # the reader went away (a broken pipe): nothing more to write
            pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
