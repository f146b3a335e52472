"""``/audit``: the stored audit reports when the store has them, else the audit computed (in a worker).

Contract with the loader (docs/http.md): the audit report of plan graph ``G`` is the named graph
``G/audit``, a SHACL validation report as graph/report.py's ``ttl`` form writes it: one
``sh:ValidationResult`` per finding, with ``sh:focusNode``, ``sh:resultSeverity``, ``sh:resultMessage``,
and ``sh:sourceConstraintComponent <https://w3id.org/plankg/rule/ID>`` (arithmetic rules) or
``sh:sourceShape`` (shapes). Labels and spans are read from the plan graph itself.
"""

from __future__ import annotations

from rdflib import RDF, BNode, Dataset, Graph, URIRef

from plankg.graph.audit import RANK, RULE_NS, SEVERITY, SH
from plankg.graph.build import VOCABULARY_GRAPH

from .jobs import AUDIT_SUFFIX

PKG = "https://w3id.org/plankg/ontology#"


def _graph(store, iri: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def audit(store) -> dict:
    plans = store.plan_graphs()
    stored = {g for g in store.graphs() if g.endswith(AUDIT_SUFFIX)}
    if plans and all(g + AUDIT_SUFFIX in stored for g in plans):
        findings = [f for g in plans for f in _stored_findings(store, g)]
        source = "stored"
    else:
        from plankg.graph.audit import audit_dataset

        ds = Dataset()
        for g in [str(VOCABULARY_GRAPH), *plans]:
            graph = ds.graph(URIRef(g))
            graph += _graph(store, g)
        findings = [f.as_json() for f in audit_dataset(ds).findings]
        source = "computed"
    findings.sort(key=lambda f: (RANK[f["severity"]], f["plan"], f["rule"],
                                 next((s["line"] for s in f["spans"] if s["line"] is not None), 0), f["entity"]))
    return {"summary": {s: sum(1 for f in findings if f["severity"] == s) for s in ("violation", "warning", "info")},
            "source": source, "findings": findings}


def _stored_findings(store, plan_graph: str) -> list[dict]:
    report = _graph(store, plan_graph + AUDIT_SUFFIX)
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    about = _about(store, plan_graph, {report.value(r, SH.focusNode) for r in results} - {None})
    plan = next(iter(store.query(f"PREFIX pkg: <{PKG}> SELECT ?plan WHERE {{ GRAPH <{plan_graph}> {{ ?plan a pkg:Plan }} }}"
                                 )["results"]["bindings"]), {}).get("plan", {}).get("value", plan_graph)
    out = []
    for r in results:
        focus = report.value(r, SH.focusNode)
        component = report.value(r, SH.sourceConstraintComponent)
        shape = report.value(r, SH.sourceShape)
        if component is not None and str(component).startswith(str(RULE_NS)):
            rule = str(component)[len(str(RULE_NS)):]
        else:
            rule = "shacl:" + (str(shape).rsplit("#", 1)[-1] if shape is not None and not isinstance(shape, BNode)
                               else "shape")
        values = {}
        if (path := report.value(r, SH.resultPath)) is not None:
            values["path"] = report.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else str(path)
        if (value := report.value(r, SH.value)) is not None:
            values["value"] = str(value)
        for v in report.objects(r, RULE_NS["value"]):
            key, _, val = str(v).partition(": ")
            values[key] = val
        label, span = about.get(str(focus), (str(focus).rsplit("/", 1)[-1], _NO_SPAN))
        out.append({"rule": rule, "severity": SEVERITY.get(report.value(r, SH.resultSeverity), "violation"),
                    "entity": str(focus), "label": label, "message": str(report.value(r, SH.resultMessage) or ""),
                    "values": values, "spans": [span], "plan": plan})
    return out


_NO_SPAN = {"line": None, "start": None, "end": None, "text": ""}


def _about(store, plan_graph: str, entities: set) -> dict:
    """Each entity's label and evidence span, read from the plan graph with one query (no graph copied out)."""
    if not entities:
        return {}
    values = " ".join(URIRef(str(e)).n3() for e in sorted(entities, key=str) if isinstance(e, URIRef))
    q = f"""PREFIX pkg: <{PKG}> PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?label ?line ?start ?end ?text WHERE {{
  VALUES ?e {{ {values} }}
  GRAPH <{plan_graph}> {{
    OPTIONAL {{ ?e rdfs:label|skos:prefLabel ?label FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "zh")) }}
    OPTIONAL {{ ?e pkg:evidence ?ev .
      OPTIONAL {{ ?ev pkg:line ?line }}
      OPTIONAL {{ ?ev oa:hasSelector ?p . ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }}
      OPTIONAL {{ ?ev oa:hasSelector ?x . ?x a oa:TextQuoteSelector ; oa:exact ?text }} }}
  }}
}}"""
    out: dict = {}
    for row in store.query(q)["results"]["bindings"]:
        def get(name, cast=str):
            return cast(row[name]["value"]) if name in row else None

        e = row["e"]["value"]
        if e not in out or (out[e][0] == e.rsplit("/", 1)[-1] and "label" in row):
            out[e] = (get("label") or e.rsplit("/", 1)[-1],
                      {"line": get("line", int), "start": get("start", int), "end": get("end", int),
                       "text": get("text") or ""})
    return out
