"""using-graph-uri / using-named-graph-uri for SPARQL Update on the embedded store.

pyoxigraph's ``Store.update`` takes no dataset, and the protocol's dataset is never pasted into the
update's text. So the request is parsed (rdflib) and run here, one operation after another, in order:

- DELETE/INSERT ... WHERE: the WHERE is evaluated by rdflib's engine on its parse tree, over exactly the
  protocol's dataset (the using-graph-uri graphs merged as the default graph, the using-named-graph-uri
  graphs as the named graphs), copied from the store as it is at that point of the request. The templates
  are filled from every solution (a blank node of an INSERT template is a fresh node per solution; a triple
  with an unbound or ill-placed term is skipped), then the deletions and the insertions are applied.
- INSERT DATA / DELETE DATA: their quads, built from the parsed terms.
- CLEAR, DROP, CREATE, ADD, MOVE, COPY: the dataset does not concern them; each is handed to Oxigraph as an
  update generated from its parsed graph names.
- DELETE WHERE has no USING clause the parameters could stand for: refused (501), as is anything else this
  module does not know, before any operation runs.

As SPARQL Update says, a failing operation stops the request; the operations before it stay applied.
"""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef, Variable

from .jobs import JobError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
GRAPH_OPERATIONS = ("Clear", "Drop", "Create", "Add", "Move", "Copy")
HANDLED = ("Modify", "InsertData", "DeleteData", *GRAPH_OPERATIONS)


def apply(store, update: str, using, base: str | None) -> None:
    """Run ``update`` on ``store`` (an OxigraphStore opened for writing) with the protocol's dataset ``using``."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(update), base=base).algebra
    except Exception as exc:
        raise JobError(400, "Update syntax error", str(exc).splitlines()[0][:500] if str(exc) else "") from None
    for op in operations:
        if op.name not in HANDLED:
            raise JobError(501, "Not Implemented", f"{_label(op.name)} cannot be run with using-graph-uri / "
                           "using-named-graph-uri: it has no WHERE clause the dataset applies to; send it "
                           "without those parameters")
        if op.name == "DeleteData" or (op.name == "Modify" and op.delete):
            if any(isinstance(t, BNode) for t in _template_terms(op if op.name == "DeleteData" else op.delete)):
                raise JobError(400, "Bad update", "a DELETE template or DELETE DATA cannot hold blank nodes")
    store.will_write(None)  # which graphs it changes is known only as it runs
    for number, op in enumerate(operations, 1):
        try:
            _run(store, op, using)
        except Exception as exc:
            done = f"operations 1 to {number - 1} were applied" if number > 1 else "nothing was applied"
            if isinstance(exc, JobError):
                raise JobError(exc.status, exc.title, f"operation {number}: {exc.detail}; {done}") from None
            raise JobError(400, "Update failed", f"operation {number} ({_label(op.name)}) failed, {done}: "
                           f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}") from None


def _label(name: str) -> str:
    return {"Modify": "DELETE/INSERT ... WHERE", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA",
            "DeleteWhere": "DELETE WHERE"}.get(name, name.upper())


def _template_terms(clause):
    for s, p, o in clause.triples or ():
        yield from (s, p, o)
    for graph, triples in (clause.quads or {}).items():
        yield graph
        for s, p, o in triples:
            yield from (s, p, o)


def _run(store, op, using) -> None:
    ox = store.ox
    if op.name in GRAPH_OPERATIONS:
        store.store.update(_graph_operation(ox, op))
    elif op.name == "InsertData":
        fresh: dict = {}  # one node per blank node label of the operation
        store.store.extend(_quads(ox, op, {}, fresh))
    elif op.name == "DeleteData":
        for quad in _quads(ox, op, {}, {}):
            store.store.remove(quad)
    else:
        solutions = _solutions(store, op, using)
        deletions = [q for s in solutions for q in _quads(ox, op.delete, s, {})] if op.delete else []
        insertions = [q for s in solutions for q in _quads(ox, op.insert, s, {})] if op.insert else []
        for quad in deletions:
            store.store.remove(quad)
        store.store.extend(insertions)


def _graph_operation(ox, op) -> str:
    """CLEAR/DROP/CREATE/ADD/MOVE/COPY as Oxigraph update text, written from the parsed graph names."""
    def graph(target) -> str:
        if target in ("ALL", "DEFAULT", "NAMED"):
            return target
        return "GRAPH " + str(ox.NamedNode(str(target)))  # a NamedNode is a checked IRI: it writes as <...>

    silent = " SILENT" if "silent" in op else ""  # CompValue.get answers the key itself when it is absent
    if op.name in ("Clear", "Drop", "Create"):
        return f"{op.name.upper()}{silent} {graph(op.graphiri)}"
    source, target = (g if g == "DEFAULT" else str(ox.NamedNode(str(g))) for g in op.graph)
    return f"{op.name.upper()}{silent} {source} TO {target}"


def _solutions(store, op, using) -> list:
    """The WHERE's solutions over the protocol's dataset, as rdflib's engine finds them on the parse tree."""
    from rdflib import Dataset
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
    from rdflib.plugins.sparql.evaluate import evalPart
    from rdflib.plugins.sparql.sparql import QueryContext

    ox = store.ox
    ds = Dataset()
    default = ds.get_context(DATASET_DEFAULT_GRAPH_ID)
    for iri in using.default:  # merged: the default graph of the WHERE
        _copy(store, ox.NamedNode(iri), default)
    for iri in using.named:
        _copy(store, ox.NamedNode(iri), ds.graph(URIRef(iri)))
    ctx = QueryContext(ds, initBindings={})
    ctx.prologue = op.prologue
    ctx = ctx.pushGraph(default)  # not the union: rdflib's default is the union of all graphs
    return list(evalPart(ctx, op.where))


def _copy(store, graph, into) -> None:
    for quad in store.store.quads_for_pattern(None, None, None, graph):
        into.add((_rdflib(store.ox, quad.subject), _rdflib(store.ox, quad.predicate), _rdflib(store.ox, quad.object)))


def _rdflib(ox, term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)  # the store's own id: a solution that binds it names the same node
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise JobError(501, "Not Implemented", "the dataset holds RDF-star triple terms, which the update with "
                   "using-graph-uri / using-named-graph-uri cannot read")


def _quads(ox, clause, solution, fresh: dict) -> list:
    """A template (or data) filled from one solution: triples with an unbound or ill-placed term are skipped;
    each blank node label maps to ``fresh`` (a new dict per solution gives new nodes per solution)."""
    def value(term):
        if isinstance(term, Variable):
            return solution.get(term)
        if isinstance(term, BNode):
            return fresh.setdefault(term, ox.BlankNode())
        return term

    out = []
    groups = [(None, clause.triples or [])] + list((clause.quads or {}).items())
    for graph, triples in groups:
        g = ox.DefaultGraph() if graph is None else value(graph)
        if g is None or not isinstance(g, (URIRef, ox.DefaultGraph)):
            continue
        try:
            g = ox.NamedNode(str(g)) if isinstance(g, URIRef) else g
        except ValueError:
            continue
        for s, p, o in triples:
            s, p, o = value(s), value(p), value(o)
            if s is None or p is None or o is None or isinstance(s, Literal) or not isinstance(p, URIRef):
                continue
            try:
                out.append(ox.Quad(_ox(ox, s), _ox(ox, p), _ox(ox, o), g))
            except ValueError:  # not an RDF term (an IRI() of a string that is no IRI): no triple, as for unbound
                continue
    return out


def _ox(ox, term):
    from plankg.graph.stores import _ox_term

    return term if isinstance(term, ox.BlankNode) else _ox_term(ox, term)
