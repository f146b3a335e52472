"""SPARQL 1.1 Query Results JSON rendered as a table, CSV or TSV (the W3C CSV/TSV formats)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata


def variables(res: dict) -> list[str]:
    return res.get("head", {}).get("vars", [])


def rows(res: dict) -> list[dict]:
    return res.get("results", {}).get("bindings", [])


def _plain(term: dict | None) -> str:
    return "" if term is None else term["value"]


def _nt(term: dict | None) -> str:
    """A term in N-Triples syntax, as SPARQL TSV results write it."""
    if term is None:
        return ""
    value = term["value"]
    if term["type"] == "uri":
        return f"<{value}>"
    if term["type"] == "bnode":
        return f"_:{value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    if "xml:lang" in term:
        return f'"{escaped}"@{term["xml:lang"]}'
    if "datatype" in term:
        return f'"{escaped}"^^<{term["datatype"]}>'
    return f'"{escaped}"'


def to_json(res: dict) -> str:
    return json.dumps(res, ensure_ascii=False, indent=2)


def to_csv(res: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    if "boolean" in res:
        w.writerow(["boolean"])
        w.writerow(["true" if res["boolean"] else "false"])
        return out.getvalue()
    w.writerow(variables(res))
    for row in rows(res):
        w.writerow([_plain(row.get(v)) for v in variables(res)])
    return out.getvalue()


def to_tsv(res: dict) -> str:
    if "boolean" in res:
        return "?boolean\n" + ("true" if res["boolean"] else "false") + "\n"
    lines = ["\t".join("?" + v for v in variables(res))]
    lines += ["\t".join(_nt(row.get(v)) for v in variables(res)) for row in rows(res)]
    return "\n".join(lines) + "\n"


def to_xml(res: dict) -> str:
    """The SPARQL Query Results XML Format."""
    from xml.sax.saxutils import escape, quoteattr

    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>')
    for v in variables(res):
        out.write(f"<variable name={quoteattr(v)}/>")
    out.write("</head>\n")
    if "boolean" in res:
        out.write(f"<boolean>{'true' if res['boolean'] else 'false'}</boolean>\n</sparql>\n")
        return out.getvalue()
    out.write("<results>\n")
    for row in rows(res):
        out.write("<result>")
        for var, term in row.items():
            out.write(f"<binding name={quoteattr(var)}>")
            if term["type"] == "uri":
                out.write(f"<uri>{escape(term['value'])}</uri>")
            elif term["type"] == "bnode":
                out.write(f"<bnode>{escape(term['value'])}</bnode>")
            else:
                attrs = ""
                if "xml:lang" in term:
                    attrs = f" xml:lang={quoteattr(term['xml:lang'])}"
                elif "datatype" in term:
                    attrs = f" datatype={quoteattr(term['datatype'])}"
                out.write(f"<literal{attrs}>{escape(term['value'])}</literal>")
            out.write("</binding>")
        out.write("</result>\n")
    out.write("</results>\n</sparql>\n")
    return out.getvalue()


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _short(term: dict | None) -> str:
    value = _plain(term)
    for base in ("https://w3id.org/plankg/id/", "https://w3id.org/plankg/ontology#", "https://w3id.org/plankg/"):
        if term is not None and term["type"] == "uri" and value.startswith(base):
            return value[len(base):]
    return value.replace("\n", " ")


def to_table(res: dict, max_width: int = 60) -> str:
    if "boolean" in res:
        return "true" if res["boolean"] else "false"
    heads = variables(res)
    cells = [[_short(row.get(v)) for v in heads] for row in rows(res)]
    cells = [[c if _width(c) <= max_width else c[:max_width // 2 - 1] + "…" for c in r] for r in cells]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(heads)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(heads), line(["─" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)


FORMATTERS = {"table": to_table, "json": to_json, "csv": to_csv, "tsv": to_tsv}
