"""Write the Mermaid class diagram of ontology/plankg.ttl into docs/model.md (between markers).

    python tools/ontology_diagram.py
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Namespace

ROOT = Path(__file__).resolve().parent.parent
PKG = Namespace("https://w3id.org/plankg/ontology#")
BEGIN, END = "<!-- diagram:begin -->", "<!-- diagram:end -->"


def short(g: Graph, term) -> str:
    prefix, _, name = g.namespace_manager.compute_qname(term)
    return name if prefix == "pkg" else f"{prefix}_{name}".replace("-", "_")


def diagram() -> str:
    g = Graph().parse(ROOT / "ontology" / "plankg.ttl")
    lines = ["```mermaid", "classDiagram"]
    for cls in sorted(g.subjects(RDF.type, OWL.Class)):
        if not str(cls).startswith(str(PKG)):
            continue
        for sup in sorted(g.objects(cls, RDFS.subClassOf)):
            lines.append(f"    {short(g, sup)} <|-- {short(g, cls)}")
    for prop in sorted(g.subjects(RDF.type, OWL.ObjectProperty)):
        for dom in g.objects(prop, RDFS.domain):
            for rng in g.objects(prop, RDFS.range):
                lines.append(f"    {short(g, dom)} --> {short(g, rng)} : {short(g, prop)}")
    for prop in sorted(g.subjects(RDF.type, OWL.DatatypeProperty)):
        for dom in g.objects(prop, RDFS.domain):
            rng = next(g.objects(prop, RDFS.range), None)
            kind = short(g, rng) if rng is not None else "literal"
            lines.append(f"    {short(g, dom)} : {short(g, prop)} {kind}")
    lines.append("```")
    return "\n".join(lines)


def main() -> None:
    doc = ROOT / "docs" / "model.md"
    text = doc.read_text(encoding="utf-8")
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), f"{BEGIN}\n{diagram()}\n{END}", text, flags=re.S)
    doc.write_text(new, encoding="utf-8")
    print(f"{doc}: diagram of {new.count(chr(10))} lines")


if __name__ == "__main__":
    main()
