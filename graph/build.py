"""Map a Document to RDF: the one place where the document model becomes triples.

Each plan goes into its own named graph; the vocabularies (ontology, sector and unit
schemes, the divisions the plans name) go into a shared one. IRIs are minted from the
plan's stable identifier and each entity's place in the plan (its outline key), so that
building the same plan twice gives the same bytes. The extraction activity's times are
recorded only when given ($SOURCE_DATE_EPOCH), so that they too stay the same.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from plankg import __version__
from plankg.extraction import lexicon
from plankg.extraction.goal_links import describe
from plankg.extraction.goals import all_goals
from plankg.extraction.model import Document, Node
from plankg.extraction.places import gazetteer
from plankg.extraction.quantity import Quantity, unit_multiplier
from plankg.extraction.serialize import indicator_id

from .names import BASE, VOCABULARY_GRAPH, PlanGraph, plan_graph_iri  # noqa: F401  (re-exported)


class _Namespace(Namespace):
    """A namespace whose terms are made once (rdflib makes a new URIRef at every ``NS.term``)."""

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term


PKG = _Namespace(lexicon.PKG)
OA = _Namespace("http://www.w3.org/ns/oa#")
QB = _Namespace("http://purl.org/linked-data/cube#")
SDMX_DIM = _Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
ORG = _Namespace("http://www.w3.org/ns/org#")
PLACE = Namespace(BASE + "place/")
SECTOR = Namespace(BASE + "sector/")
UNIT = Namespace(BASE + "unit/")
THEME = Namespace(BASE + "goal-theme/")
REASONS = 3  # the strongest reasons of a goal link as nodes; pkg:matched lists them all
RDF, RDFS, XSD = _Namespace(str(RDF)), _Namespace(str(RDFS)), _Namespace(str(XSD))
DCTERMS, PROV, SKOS = _Namespace(str(DCTERMS)), _Namespace(str(PROV)), _Namespace(str(SKOS))
SOFTWARE = URIRef(BASE + "software/plankg/" + __version__)

NODE_CLASS = {"preamble": PKG.Preamble, "resolution": PKG.Resolution, "title": PKG.TitleBlock,
              "foreword": PKG.Foreword, "contents": PKG.Contents, "part": PKG.Part, "chapter": PKG.Chapter,
              "section": PKG.Section, "box": PKG.Box, "annex": PKG.Annex, "table": PKG.Table,
              "paragraph": PKG.Paragraph}
ROLE = {"baseline": PKG.Baseline, "target": PKG.Target, "growth": PKG.Growth, "actual": PKG.Actual,
        "actual_growth": PKG.ActualGrowth, "value": PKG.OtherValue}
QUALIFIER = {"exact": PKG.Exact, "at_most": PKG.AtMost, "at_least": PKG.AtLeast, "about": PKG.About,
             "range": PKG.Range, "absent": PKG.Absent, "qualitative": PKG.Qualitative}
ATTRIBUTE = {"binding": PKG.Binding, "expected": PKG.Expected}


def plan_id(doc: Document) -> str:
    """A stable identifier of the plan: its region's code and the plan's ordinal.

    654200-fyp13 is Tacheng's 13th five-year plan, whatever file or encoding it was read
    from; china-fyp14 the national 14th. A plan whose region or ordinal is unknown is
    identified by a hash of its title (or text).
    """
    info = doc.info
    ordinal = f"fyp{info.ordinal}" if info.ordinal else (f"{info.start_year}-{info.end_year}" if info.end_year else "")
    if doc.region is not None and ordinal:
        return f"{doc.region.code}-{ordinal}"
    if info.region == "中华人民共和国" and ordinal:
        return f"china-{ordinal}"
    basis = info.title or doc.text
    digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]
    return f"plan-{digest}" + (f"-{ordinal}" if ordinal else "")




def build_time() -> datetime | None:
    """The extraction time to record: $SOURCE_DATE_EPOCH, else none.

    A clock reading would make the same plan build to different bytes in every run;
    reproducible builds set SOURCE_DATE_EPOCH (reproducible-builds.org) to date theirs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else None


def build_dataset(docs: list[Document], ids: list[str] | None = None,
                  started: datetime | None = None) -> Dataset:
    """One rdflib dataset: a named graph per plan, and the shared vocabulary graph.

    The reference path (tests compare the fast path, :class:`GraphBuilder`, with it)."""
    ds = Dataset()
    _bind(ds)
    vocab = ds.graph(VOCABULARY_GRAPH)
    _add_vocabularies(vocab)
    ids = ids or [plan_id(d) for d in docs]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"two inputs are the same plan ({', '.join(dupes)}); give each plan once")
    for doc, pid in zip(docs, ids):
        graph = ds.graph(plan_graph_iri(pid))
        _PlanMapper(doc, pid, graph, vocab, started).run()
    return ds


PREFIXES = {"pkg": str(PKG), "oa": str(OA), "qb": str(QB), "prov": str(PROV), "dct": str(DCTERMS),
            "skos": str(SKOS), "place": str(PLACE), "sector": str(SECTOR), "unit": str(UNIT),
            "theme": str(THEME), "sdmx-dimension": str(SDMX_DIM), "org": str(ORG)}


def _bind(g) -> None:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, Namespace(ns))


@lru_cache(maxsize=None)
def _unit_concepts() -> dict[str, URIRef]:
    """Unit label (zh) -> its concept in ontology/units.ttl, parsed once: a preferred label before an
    alternative one (个百分点 and 百分点 are one unit)."""
    units, out = lexicon.vocabulary("units.ttl"), {}
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for concept, label in sorted(units.subject_objects(prop)):
            if isinstance(label, Literal) and label.language == "zh":
                out.setdefault(str(label), URIRef(concept))
    return out


VOCABULARY_FILES = ("plankg.ttl", "sectors.ttl", "units.ttl", "goal-themes.ttl", "indicators.ttl")


def _add_vocabularies(vocab: Graph) -> None:
    for name in VOCABULARY_FILES:
        vocab += lexicon.vocabulary(name)


# --- the fast path: pyoxigraph quads, one plan at a time ------------------------------------------

class _Triples(list):
    """What the mapper writes into on the fast path: plain tuples, no rdflib store indexes."""

    add = list.append


class GraphBuilder:
    """Map plans to quads one at a time, so a corpus streams in constant memory per plan.

    The vocabulary graph (ontology, schemes, the divisions plans name) grows with the plans;
    :meth:`new_vocabulary` hands out what was added since it was last called.
    """

    def __init__(self, started: datetime | None = None):
        self.started = started
        self.vocab = Graph()
        _add_vocabularies(self.vocab)
        self._ids: set[str] = set()
        self._given: set = set()
        self._terms = _OxTerms()

    def plan(self, doc: Document, pid: str | None = None) -> PlanGraph:
        pid = pid or plan_id(doc)
        if pid in self._ids:
            raise ValueError(f"two inputs are the same plan ({pid}); give each plan once")
        self._ids.add(pid)
        triples = _Triples()
        _OxPlanMapper(doc, pid, triples, self.vocab, self.started).run()
        graph = plan_graph_iri(pid)
        return PlanGraph(pid, str(graph), f"{BASE}id/{pid}", self._terms.quads(triples, graph))

    def new_vocabulary(self) -> list:
        """Vocabulary quads not handed out before (all of them, the first time)."""
        # Sorted: an rdflib graph's order is not the same in every process (same bytes out).
        fresh = sorted((t for t in self.vocab if t not in self._given), key=lambda t: tuple(x.n3() for x in t))
        self._given.update(fresh)
        return self._terms.quads(fresh, VOCABULARY_GRAPH)


class _OxTerms:
    """rdflib terms to pyoxigraph terms, IRIs cached (a plan repeats few of them many times)."""

    def __init__(self):
        import pyoxigraph as ox

        self.ox = ox
        self.iris: dict[str, object] = {}

    def term(self, t):
        if isinstance(t, URIRef):
            n = self.iris.get(t)
            if n is None:
                n = self.iris[t] = self.ox.NamedNode(t)
            return n
        if type(t) is self.ox.Literal:  # made by _OxPlanMapper
            return t
        if isinstance(t, Literal):
            if t.language:
                return self.ox.Literal(str(t), language=t.language)
            if t.datatype is not None:
                return self.ox.Literal(str(t), datatype=self.term(t.datatype))
            return self.ox.Literal(str(t))
        return self.ox.BlankNode(str(t))

    def quads(self, triples, graph) -> list:
        g, term, quad = self.term(graph), self.term, self.ox.Quad
        # An IRI seen before is one dict look-up, a literal the mapper made is itself: the general
        # conversion (term) only for the rest. A dict: duplicates dropped as a graph would, the mapper's
        # order kept (same bytes); before the quads are made, the costly part.
        known, made = self.iris.get, self.ox.Literal
        keys: dict = {}
        for s, p, o in triples:
            keys[(known(s) or term(s), known(p) or term(p), o if type(o) is made else known(o) or term(o))] = None
        return [quad(s, p, o, g) for s, p, o in keys]


class _PlanMapper:
    def __init__(self, doc: Document, pid: str, graph: Graph, vocab: Graph, started: datetime | None):
        self.doc, self.pid, self.g, self.vocab = doc, pid, graph, vocab
        self.plan = URIRef(f"{BASE}id/{pid}")
        self.activity = URIRef(f"{self.plan}/extraction")
        self.source = URIRef(f"{self.plan}/source")
        self.started = started or build_time()
        self.node_iri: dict[int, URIRef] = {}

    def iri(self, key: str) -> URIRef:
        return URIRef(f"{self.plan}/{quote(key, safe='/-_.')}")

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def zh(self, text: str) -> Literal:
        return Literal(text, lang="zh")

    def lit(self, value, datatype: URIRef | None = None) -> Literal:
        return Literal(value, datatype=datatype)

    def decimal(self, value: Decimal) -> Literal:
        return _decimal(value)

    def run(self) -> None:
        self._plan()
        self._outline(self.doc.outline, self.plan)
        self._goals()
        self._indicators()
        self._targets()
        self._places()
        self._projects()
        if self.started is not None:
            self.add(self.activity, PROV.endedAtTime, self.lit(self.started.isoformat(), datatype=XSD.dateTime))

    # plan and provenance -------------------------------------------------------------

    def _plan(self) -> None:
        doc, info = self.doc, self.doc.info
        self.add(self.plan, RDF.type, PKG.Plan)
        if info.title:
            self.add(self.plan, DCTERMS.title, self.zh(info.title))
            self.add(self.plan, RDFS.label, self.zh(info.title))
        if info.ordinal:
            self.add(self.plan, PKG.ordinal, self.lit(info.ordinal))
        if info.start_year:
            self.add(self.plan, PKG.periodStart, self.lit(str(info.start_year), datatype=XSD.gYear))
            self.add(self.plan, PKG.periodEnd, self.lit(str(info.end_year), datatype=XSD.gYear))
        if doc.region is not None:
            self.add(self.plan, PKG.region, self._division(doc.region.code))
        self.add(self.plan, DCTERMS.identifier, self.lit(self.pid))
        self.add(self.plan, PROV.wasGeneratedBy, self.activity)
        self.add(self.plan, PROV.wasDerivedFrom, self.source)
        src = doc.source
        self.add(self.source, RDF.type, PKG.SourceText)
        self.add(self.source, PKG.sha256, self.lit(src.sha256))
        self.add(self.source, PKG.encoding, self.lit(src.encoding))
        name = (src.path or "").replace("\\", "/").rsplit("/", 1)[-1]
        if name:
            self.add(self.source, DCTERMS.title, self.lit(name))
        self.add(self.activity, RDF.type, PKG.Extraction)
        self.add(self.activity, PROV.used, self.source)
        self.add(self.activity, PROV.wasAssociatedWith, SOFTWARE)
        if self.started is not None:
            self.add(self.activity, PROV.startedAtTime, self.lit(self.started.isoformat(), datatype=XSD.dateTime))
        self.vocab.add((SOFTWARE, RDF.type, PROV.SoftwareAgent))
        self.vocab.add((SOFTWARE, RDFS.label, Literal(f"plankg {__version__}")))

    def _entity(self, iri: URIRef, cls: URIRef, start: int, end: int) -> None:
        """An extracted entity: its class, plan, generating activity and evidence span."""
        self.add(iri, RDF.type, cls)
        self.add(iri, PKG.plan, self.plan)
        self.add(iri, PROV.wasGeneratedBy, self.activity)
        self._evidence(iri, start, end)

    def _evidence(self, iri: URIRef, start: int, end: int) -> None:
        where = self.doc.locate(start, end)
        ev = URIRef(f"{iri}/evidence")
        pos, quote_sel = URIRef(f"{ev}/position"), URIRef(f"{ev}/quote")
        self.add(iri, PKG.evidence, ev)
        self.add(ev, RDF.type, OA.SpecificResource)
        self.add(ev, OA.hasSource, self.source)
        self.add(ev, OA.hasSelector, pos)
        self.add(ev, OA.hasSelector, quote_sel)
        self.add(ev, PKG.line, self.lit(where["line"]))
        self.add(pos, RDF.type, OA.TextPositionSelector)
        self.add(pos, OA.start, self.lit(where["start"]))
        self.add(pos, OA.end, self.lit(where["end"]))
        self.add(quote_sel, RDF.type, OA.TextQuoteSelector)
        self.add(quote_sel, OA.exact, self.lit(where["text"]))

    # outline ------------------------------------------------------------------------------

    def _outline(self, node: Node, parent: URIRef) -> None:
        for order, child in enumerate(node.children, start=1):
            iri = self.iri(child.key)
            self.node_iri[id(child)] = iri
            self._entity(iri, NODE_CLASS[child.kind], child.start, child.end)
            self.add(iri, DCTERMS.isPartOf, parent)
            self.add(iri, PKG.order, self.lit(order))
            self.add(iri, PKG.key, self.lit(child.key))
            if child.title:
                self.add(iri, DCTERMS.title, self.zh(child.title))
                self.add(iri, RDFS.label, self.zh(child.heading or child.title))
            if child.numeral is not None:
                self.add(iri, PKG.numeral, self.lit(child.numeral))
            if child.number is not None:
                self.add(iri, PKG.number, self.lit(child.number))
            if child.kind == "box":
                self.add(iri, PKG.labelled, self.lit(child.labelled))
            if child.kind == "paragraph":
                self.add(iri, PKG.text, self.zh(self.doc.text[child.start:child.end]))
            self._outline(child, iri)

    # goals ----------------------------------------------------------------------------------

    def _goals(self) -> None:
        for goal in all_goals(self.doc):
            iri = self.iri(goal.key)
            self._entity(iri, PKG.SubGoal if goal.parent is not None else PKG.Goal, goal.start, goal.end)
            self.add(iri, RDFS.label, self.zh(goal.title))
            self.add(iri, SKOS.prefLabel, self.zh(goal.title))
            self.add(iri, PKG.order, self.lit(goal.order))
            if goal.parent is not None:  # a sub-goal: the objective a heading states, rolled up to a top goal
                self.add(iri, SKOS.broader, self.goal_iri(goal.parent))
                self.add(iri, PKG.scope, self.iri(goal.scope))
                self.add(iri, PKG.rollUp, self.zh("；".join(describe(e) for e in goal.rollup)))

    def goal_iri(self, goal) -> URIRef:
        return self.iri(goal.key)

    def _goal_links(self, iri: URIRef, p) -> None:
        """A project's ranked goal links, each with its score and every piece of evidence, quoted."""
        for link in p.goals:
            gl = URIRef(f"{iri}/goal-link-{link.rank}")
            self.add(iri, PKG.serves, self.goal_iri(link.goal))
            if link.goal is not link.top:  # serving a sub-goal serves the goal it rolls up to
                self.add(iri, PKG.serves, self.goal_iri(link.top))
            self.add(iri, PKG.goalLink, gl)
            self.add(gl, RDF.type, PKG.GoalLink)
            self.add(gl, PKG.goal, self.goal_iri(link.goal))
            self.add(gl, PKG.topGoal, self.goal_iri(link.top))
            self.add(gl, PKG.rank, self.lit(link.rank))
            self.add(gl, PKG.score, self.decimal(Decimal(f"{link.score:.3f}")))
            self.add(gl, PKG.sectorOnly, self.lit(link.sector_only))
            self.add(gl, PKG.matched, self.zh(link.matched))
            for n, e in enumerate(link.evidence[:REASONS], start=1):
                ev = URIRef(f"{gl}/reason-{n}")
                self.add(gl, PKG.reason, ev)
                self.add(ev, RDF.type, PKG.LinkReason)
                self.add(ev, PKG.reasonKind, self.lit(e.kind))
                self.add(ev, PKG.theme, THEME[e.theme])
                self.add(ev, PKG.contribution, self.decimal(Decimal(f"{e.contribution:.3f}")))
                self.add(ev, PKG.quote, self.zh(e.term))
                if e.start is not None:
                    where = self.doc.locate(e.start, e.end)
                    self.add(ev, OA.start, self.lit(where["start"]))
                    self.add(ev, OA.end, self.lit(where["end"]))
                    self.add(ev, PKG.line, self.lit(where["line"]))
                side = e.goal_side
                if side.start is not None:
                    owner = link.goal if e.kind == "subgoal" else link.top
                    gs = self.iri(f"{owner.key}/mention-{side.start}-{side.end}")
                    self.add(ev, PKG.goalSide, gs)
                    self.add(gs, PKG.basis, self.lit(side.basis))
                    self.add(gs, PKG.quote, self.zh(side.term))
                    where = self.doc.locate(side.start, side.end)
                    self.add(gs, OA.start, self.lit(where["start"]))
                    self.add(gs, OA.end, self.lit(where["end"]))

    # indicators --------------------------------------------------------------------------

    def _indicators(self) -> None:
        measured = {id(m.indicator): (g, m) for g in self.doc.goals for m in g.indicators}
        for table in self.doc.tables:
            t_iri = self.iri(table.key)
            self.add(t_iri, RDF.type, PKG.IndicatorTable)
            self.add(t_iri, PKG.tableKind, self.lit(table.kind))
            self.add(t_iri, RDFS.label, self.zh(table.title))
            cats = {}
            for n, cat in enumerate(table.categories, start=1):
                c_iri = URIRef(f"{t_iri}/category-{n}")
                cats[cat.name] = c_iri
                self._entity(c_iri, PKG.IndicatorCategory, cat.start, cat.end)
                self.add(c_iri, RDFS.label, self.zh(cat.name))
                self.add(c_iri, DCTERMS.isPartOf, t_iri)
                if cat.declared_count is not None:
                    self.add(c_iri, PKG.declaredItemCount, self.lit(cat.declared_count))
                self.add(c_iri, PKG.listedItemCount, self.lit(len(cat.items)))
            for ind in table.indicators:
                i_iri = self.iri(indicator_id(ind))
                self._entity(i_iri, PKG.Indicator, ind.start, ind.end)
                self.add(i_iri, RDFS.label, self.zh(ind.label))
                self.add(i_iri, SKOS.prefLabel, self.zh(ind.name))
                key, concept = indicator_key(ind.name)
                self.add(i_iri, PKG.indicatorKey, self.lit(key))
                if concept is not None:
                    self.add(i_iri, PKG.indicatorConcept, concept)
                self.add(i_iri, PKG.table, t_iri)
                self.add(i_iri, PKG.order, self.lit(ind.row))
                if ind.parent:
                    self.add(i_iri, PKG.group, self.zh(ind.parent))
                if ind.category in cats:
                    self.add(i_iri, PKG.category, cats[ind.category])
                if ind.attribute:
                    self.add(i_iri, PKG.attribute, ATTRIBUTE[ind.attribute])
                if ind.unit:
                    self._unit(i_iri, ind.unit)
                for value in ind.values:
                    o_iri = URIRef(f"{i_iri}/{value.column.role}")
                    self._entity(o_iri, QB.Observation, value.start, value.end)
                    self.add(o_iri, QB.dataSet, t_iri)
                    self.add(o_iri, PKG.indicator, i_iri)
                    self.add(o_iri, PKG.role, ROLE[value.column.role])
                    self.add(o_iri, RDFS.label, self.lit(value.column.label))
                    # A growth rate is in percent; a 〔…〕 change is in the indicator's own unit.
                    growth = value.column.role in ("growth", "actual_growth") and not value.quantity.cumulative
                    self._quantity(o_iri, value.quantity, default_unit="%" if growth else ind.unit)
                if id(ind) in measured:
                    goal, measure = measured[id(ind)]
                    self.add(i_iri, PKG.measures, self.goal_iri(goal))
                    self.add(i_iri, PKG.measureBasis, self.lit(measure.via))

    def _quantity(self, iri: URIRef, q: Quantity, default_unit: str | None = None) -> None:
        self.add(iri, PKG.printedText, self.lit(q.text.strip()))
        self.add(iri, PKG.qualifier, QUALIFIER[q.qualifier])
        self.add(iri, PKG.cumulative, self.lit(q.cumulative))
        if q.value is not None:
            self.add(iri, PKG.value, self.decimal(q.value))
        if q.upper is not None:
            self.add(iri, PKG.upperValue, self.decimal(q.upper))
        if q.year is not None:
            self.add(iri, SDMX_DIM.refPeriod, self.lit(str(q.year), datatype=XSD.gYear))
        unit = q.unit or default_unit
        if unit and q.qualifier not in ("absent", "qualitative"):
            self._unit(iri, unit)

    def _unit(self, iri: URIRef, printed: str) -> None:
        base, multiplier = unit_multiplier(printed)
        self.add(iri, PKG.unit, self._unit_concept(base))
        self.add(iri, PKG.unitMultiplier, self.lit(multiplier))
        self.add(iri, PKG.unitText, self.lit(printed))

    def _unit_concept(self, label: str) -> URIRef:
        concept = _unit_concepts().get(label)
        if concept is not None:
            return concept
        # A unit the scheme does not know yet: minted from its label, so it is still one resource.
        concept = UNIT["x-" + quote(label, safe="")]
        self.vocab.add((concept, RDF.type, SKOS.Concept))
        self.vocab.add((concept, SKOS.inScheme, UNIT.scheme))
        self.vocab.add((concept, SKOS.prefLabel, Literal(label, lang="zh")))
        return concept

    # narrative targets ------------------------------------------------------------------------

    def _targets(self) -> None:
        for n, t in enumerate(self.doc.targets, start=1):
            iri = self.iri(f"target-{n}")
            self._entity(iri, PKG.NarrativeTarget, t.start, t.end)
            self.add(iri, PKG.subjectText, self.zh(t.subject))
            self.add(iri, PKG.targetKind, self.lit(t.kind))
            if t.direction and t.kind in ("growth", "change"):
                self.add(iri, PKG.direction, self.lit(t.direction))
            self.add(iri, PKG.impliedYear, self.lit(bool(t.implied)))
            for note in t.flags:
                self.add(iri, PKG.readingNote, self.lit(note))
            self.add(iri, RDFS.label, self.zh(f"{t.subject} {t.quantity.text}"))
            value = URIRef(f"{iri}/value")
            self.add(iri, RDF.value, value)
            self._evidence(value, t.value_start, t.value_end)
            self._quantity(value, t.quantity)
            if t.indicator is not None:
                self.add(iri, PKG.restates, self.iri(indicator_id(t.indicator)))
                self.add(iri, PKG.matchScore, self.decimal(Decimal(str(t.score))))

    # places ------------------------------------------------------------------------------------

    def _division(self, code: str) -> URIRef:
        """The division's IRI; it and its ancestors are described in the vocabulary graph."""
        gaz = gazetteer()
        iri = PLACE[code]
        d = gaz.get(code)
        while d is not None and (PLACE[d.code], RDF.type, PKG.Division) not in self.vocab:
            p = PLACE[d.code]
            self.vocab.add((p, RDF.type, PKG.Division))
            self.vocab.add((p, SKOS.prefLabel, Literal(d.name, lang="zh")))
            self.vocab.add((p, RDFS.label, Literal(d.name, lang="zh")))
            self.vocab.add((p, PKG.level, Literal(d.level)))
            if d.in_standard:
                self.vocab.add((p, SKOS.notation, Literal(d.code, datatype=PKG.GBT2260)))
            if d.parent:
                self.vocab.add((p, SKOS.broader, PLACE[d.parent]))
            d = gaz.get(d.parent)
        return iri

    def _places(self) -> None:
        for code, place in sorted(self.doc.places.items()):
            division = self._division(code)
            self.add(self.plan, PKG.mentions, division)
            for n, m in enumerate(place.mentions, start=1):
                iri = self.iri(f"place-mention/{code}/{n}")
                self._entity(iri, PKG.PlaceMention, m.start, m.end)
                self.add(iri, PKG.place, division)
                within = self.doc.container_of(m.start, kinds=tuple(NODE_CLASS))
                if within:  # the innermost outline node (a paragraph, mostly) that holds the mention
                    self.add(iri, DCTERMS.isPartOf, self.iri(within[-1].key))
                self.add(iri, PKG.surface, self.zh(m.text))
                if m.reason:
                    self.add(iri, PKG.resolution, self.lit(m.reason))

    # projects ----------------------------------------------------------------------------------

    def _projects(self) -> None:
        containers = {n.key: self.node_iri[id(n)] for n in self.doc.outline.walk() if id(n) in self.node_iri}
        for project in self.doc.projects:
            self._project(project, containers.get(project.container), containers)

    def _project(self, p, container: URIRef | None, containers: dict, parent: URIRef | None = None) -> URIRef:
        iri = self.iri(p.key)
        self._entity(iri, PKG.Project, p.start, p.end)
        if getattr(p, "kind", "project") == "measure":
            self.add(iri, RDF.type, PKG.Measure)  # a policy action listed with the projects
        self.add(iri, RDFS.label, self.zh(p.name))
        self.add(iri, SKOS.prefLabel, self.zh(p.name))
        self.add(iri, PKG.sourceKind, self.lit(p.source))
        self.add(iri, PKG.key, self.lit(p.key))
        if parent is not None:
            self.add(parent, DCTERMS.hasPart, iri)
            self.add(iri, DCTERMS.isPartOf, parent)
        elif container is not None:
            self.add(iri, DCTERMS.isPartOf, container)
        if p.chapter in containers:
            self.add(iri, PKG.inChapter, containers[p.chapter])
        if p.category:
            self.add(iri, PKG.projectCategory, self.zh(p.category))
        if p.investment is not None:
            inv = URIRef(f"{iri}/investment")
            self.add(iri, PKG.investment, inv)
            self._quantity(inv, p.investment)
            self.add(inv, PKG.estimated, self.lit(bool(p.investment_estimated)))
        if p.declared_components is not None:
            self.add(iri, PKG.declaredComponentCount, self.lit(p.declared_components))
        if p.component_count is not None:
            self.add(iri, PKG.componentCount, self.lit(p.component_count))
        for n, q in enumerate(p.numbers, start=1):
            cap = URIRef(f"{iri}/capacity-{n}")
            self.add(iri, PKG.capacity, cap)
            self._quantity(cap, q)
        for code in dict.fromkeys(m.code for m in p.places):
            self.add(iri, PKG.locatedIn, self._division(code))
        for n, a in enumerate(p.sectors, start=1):
            sector = SECTOR[a.sector.id]
            self.add(iri, PKG.sector, sector)
            sa = URIRef(f"{iri}/sector-{n}")
            self.add(iri, PKG.sectorAssignment, sa)
            self.add(sa, RDF.type, PKG.SectorAssignment)
            self.add(sa, PKG.sector, sector)
            self.add(sa, PKG.evidenceLevel, self.lit(a.level))
            for w in a.words:
                self.add(sa, PKG.keyword, self.zh(w))
            self.add(sa, RDFS.comment, self.zh(a.text))
        self._goal_links(iri, p)
        for c in p.components:
            self._project(c, None, containers, parent=iri)
        return iri


class _OxPlanMapper(_PlanMapper):
    """The fast path's mapper: plain, Chinese, integer and boolean literals made as pyoxigraph terms
    at once (rdflib's Literal casts and normalises every value: a quarter of the build). Any other
    literal (decimals, years, times) is made by rdflib and converted, so both paths write the same terms."""

    _BOOLEAN = ox.NamedNode(str(XSD.boolean))
    _INTEGER = ox.NamedNode(str(XSD.integer))

    def zh(self, text: str):
        return ox.Literal(text, language="zh")

    def lit(self, value, datatype: URIRef | None = None):
        if datatype is None:
            kind = type(value)
            if kind is str:
                return ox.Literal(value)
            if kind is bool:
                return ox.Literal("true" if value else "false", datatype=self._BOOLEAN)
            if kind is int:
                return ox.Literal(str(value), datatype=self._INTEGER)
        return super().lit(value, datatype)


# A leading scope word names the plan's own region (全区生产总值: the region's product).
_SCOPE = re.compile(r"^全(?:国|省|自治区|区|市|州|盟|地区|县|旗)")


def indicator_key(name: str) -> tuple[str, URIRef | None]:
    """The key an indicator is matched by across plans, and its concept where one is known.

    The name normalised (NFKC, no spaces or quotes, no leading scope word); a name that is a
    label of a concept of ontology/indicators.ttl is keyed by the concept's notation.
    """
    norm = unicodedata.normalize("NFKC", name)
    norm = _SCOPE.sub("", re.sub(r"[\s“”\"「」『』]", "", norm)) or norm
    concept = _indicator_concepts().get(norm)
    return (str(concept[1]) if concept else norm), (concept[0] if concept else None)


@lru_cache(maxsize=None)
def _indicator_concepts() -> dict[str, tuple[URIRef, str]]:
    scheme = lexicon.vocabulary("indicators.ttl")
    return {unicodedata.normalize("NFKC", label): (URIRef(c), scheme.value(c, SKOS.notation))
            for c in scheme.subjects(SKOS.inScheme, None) for label in lexicon.zh_labels(scheme, c)}


def _decimal(value: Decimal) -> Literal:
    """An xsd:decimal from the printed digits (never through float)."""
    return Literal(format(value, "f"), datatype=XSD.decimal)
