"""SPARQL text written back from rdflib's parse tree of a query (not its algebra).

The parse tree keeps the query's own shape: its groups, the order of its patterns, its prefixes.
Each node is written as the grammar rule that produced it, so that parsing the text again gives the
same tree; :func:`plankg.queries.named.bound_text` checks that (the two algebras are compared)
before sending anything. A node this writer does not know, or one the parser left incomplete,
raises :class:`Unwritable`: refuse rather than write something else.
"""

from __future__ import annotations

import re

from rdflib import RDF, XSD, BNode, Literal, URIRef, Variable


class Unwritable(Exception):
    """A parse tree with a node this writer cannot write back faithfully."""


def write(tree) -> str:
    """The text of a parsed query: ``tree`` is what ``rdflib.plugins.sparql.parser.parseQuery`` returns."""
    prologue, query = tree[0], tree[1]
    if _name(query) not in ("SelectQuery", "AskQuery"):
        raise Unwritable(f"a {_name(query) or 'query'} form")
    try:
        return "\n".join([*(_prologue(decl) for decl in prologue), _query(query)])
    except KeyError as exc:  # a node without a part its rule always has: the parser lost it
        raise Unwritable(f"a parse node without its {exc}") from None


def _opt(node, key):
    """A parse node's optional part, or None (``CompValue.get`` answers the key itself when absent)."""
    return node[key] if key in node else None


def _is_seq(x) -> bool:
    from pyparsing import ParseResults

    return isinstance(x, (list, ParseResults))


def _name(node) -> str | None:
    return getattr(node, "name", None) if hasattr(node, "keys") else None


def _prologue(decl) -> str:
    if _name(decl) == "PrefixDecl":
        return f"PREFIX {_opt(decl, 'prefix') or ''}: {_term(decl['iri'])}"
    if _name(decl) == "Base":
        return f"BASE {_term(decl['iri'])}"
    raise Unwritable(f"prologue {_name(decl)}")


def _query(q) -> str:
    name = _name(q)
    if name == "AskQuery":
        head = "ASK"
    else:
        head = "SELECT"
        if _opt(q, "modifier"):
            head += f" {q['modifier']}"
        projection = _opt(q, "projection")
        head += " " + (" ".join(_projected(v) for v in projection) if projection else "*")
    for clause in _opt(q, "datasetClause") or ():
        head += f" FROM NAMED {_term(clause['named'])}" if "named" in clause else f" FROM {_term(clause['default'])}"
    out = [f"{head} WHERE {_group(q['where'])}"]
    if "groupby" in q:
        out.append("GROUP BY " + " ".join(_group_condition(c) for c in q["groupby"]["condition"]))
    if "having" in q:
        out.append("HAVING " + " ".join(_constraint(c) for c in q["having"]["condition"]))
    if "orderby" in q:
        out.append("ORDER BY " + " ".join(_order_condition(c) for c in q["orderby"]["condition"]))
    if "limitoffset" in q:
        lo = q["limitoffset"]
        out.extend(f"{word.upper()} {_term(lo[word])}" for word in ("limit", "offset") if word in lo)
    if "valuesClause" in q:
        out.append(_values(q["valuesClause"]))
    unknown = set(q) - {"modifier", "projection", "datasetClause", "where", "groupby", "having", "orderby",
                        "limitoffset", "valuesClause"}
    if unknown:
        raise Unwritable(f"{name} with {', '.join(sorted(unknown))}")
    return "\n".join(out)


def _projected(v) -> str:
    if "var" in v:
        return _term(v["var"])
    return f"({_expr(v['expr'])} AS {_term(v['evar'])})"


def _group(g) -> str:
    """A GroupGraphPattern: ``{ parts }``, or ``{ SELECT … }``."""
    if _name(g) == "SubSelect":
        return "{ " + _query(g) + " }"
    if _name(g) != "GroupGraphPatternSub":
        raise Unwritable(f"group {_name(g)}")
    body = "\n".join(_part(p) for p in _opt(g, "part") or ())
    return "{\n" + "".join(f"  {line}\n" for line in body.split("\n")) + "}"


def _part(p) -> str:
    name = _name(p)
    if name == "TriplesBlock":
        return "\n".join(_triples(t) for t in p["triples"])
    if name == "Filter":
        return f"FILTER {_constraint(p['expr'])}"
    if name == "OptionalGraphPattern":
        return "OPTIONAL " + _group(p["graph"])
    if name == "MinusGraphPattern":
        return "MINUS " + _group(p["graph"])
    if name == "GroupOrUnionGraphPattern":
        return "\nUNION\n".join(_group(g) for g in p["graph"])
    if name == "GraphGraphPattern":
        return f"GRAPH {_term(p['term'])} " + _group(p["graph"])
    if name == "Bind":
        return f"BIND ({_expr(p['expr'])} AS {_term(p['var'])})"
    if name == "InlineData":
        return _values(p)
    raise Unwritable(f"pattern {name}")


def _triples(flat) -> str:
    """One parsed triples block: subject, verb, object, subject, verb, object, …"""
    if len(flat) % 3:
        raise Unwritable("a triples block that is not in threes")
    lines = []
    for i in range(0, len(flat), 3):
        pair = f"{_path(flat[i + 1])} {_term(flat[i + 2])}"
        if i and flat[i] == flat[i - 3]:  # the same subject: a property list, as the parse grouped it
            lines[-1] += f" ;\n  {pair}"
        else:
            lines.append(f"{_term(flat[i])} {pair}")
    return "\n".join(line + " ." for line in lines)


def _values(v) -> str:
    variables = list(v["var"])
    rows = list(_opt(v, "value") or ())
    if len(variables) == 1 and not any(_is_seq(r) for r in rows):
        return f"VALUES {_term(variables[0])} {{ " + " ".join(_datum(r) for r in rows) + " }"
    if any(not _is_seq(r) or len(r) != len(variables) for r in rows):
        raise Unwritable("a VALUES row of the wrong length")
    return ("VALUES (" + " ".join(_term(x) for x in variables) + ") { "
            + " ".join("(" + " ".join(_datum(d) for d in row) + ")" for row in rows) + " }")


def _datum(d) -> str:
    return "UNDEF" if d == "UNDEF" else _term(d)


# --- paths -----------------------------------------------------------------------------------

def _path(p) -> str:
    name = _name(p)
    if name is None:
        return "a" if p == RDF.type else _term(p)
    if name == "PathAlternative":
        return " | ".join(_path(s) for s in p["part"])
    if name == "PathSequence":
        return " / ".join(_path(e) for e in p["part"])
    if name == "PathEltOrInverse":
        return "^" + _path(p["part"])
    if name == "PathElt":
        inner = p["part"]
        text = f"({_path(inner)})" if _name(inner) == "PathAlternative" else _path(inner)
        return text + (_opt(p, "mod") or "")
    if name == "PathNegatedPropertySet":
        return "!(" + " | ".join(_path(x) for x in p["part"]) + ")"
    if name == "InversePath":
        return "^" + _term(p["part"])  # rdflib's parser drops this IRI: the KeyError refuses it
    if name == "DistinctPath":
        return f"DISTINCT({_path(p['part'])})"
    if name == "pname":
        return _term(p)
    raise Unwritable(f"path {name}")


# --- expressions ------------------------------------------------------------------------------

_AGGREGATES = {"Aggregate_Count": "COUNT", "Aggregate_Sum": "SUM", "Aggregate_Min": "MIN", "Aggregate_Max": "MAX",
               "Aggregate_Avg": "AVG", "Aggregate_Sample": "SAMPLE", "Aggregate_GroupConcat": "GROUP_CONCAT"}


def _expr(e) -> str:
    name = _name(e)
    if name is None or name in ("literal", "pname"):
        return _term(e)
    if name == "ConditionalOrExpression":
        return " || ".join(_expr(x) for x in [e["expr"], *(_opt(e, "other") or ())])
    if name == "ConditionalAndExpression":
        return " && ".join(_expr(x) for x in [e["expr"], *(_opt(e, "other") or ())])
    if name == "RelationalExpression":
        text = _expr(e["expr"])
        if "op" not in e:
            return text
        if e["op"] in ("IN", "NOT IN"):
            other = e["other"]
            items = [] if other == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil") else list(other)
            return f"{text} {e['op']} (" + ", ".join(_expr(x) for x in items) + ")"
        return f"{text} {e['op']} {_expr(e['other'])}"
    if name in ("AdditiveExpression", "MultiplicativeExpression"):
        ops, others = list(_opt(e, "op") or ()), list(_opt(e, "other") or ())
        if len(ops) != len(others):
            raise Unwritable(f"{name} with {len(ops)} operators and {len(others)} operands")
        return " ".join([_primary(e["expr"]), *(f"{o} {_primary(x)}" for o, x in zip(ops, others))])
    if name in ("UnaryNot", "UnaryPlus", "UnaryMinus"):
        return {"UnaryNot": "!", "UnaryPlus": "+", "UnaryMinus": "-"}[name] + _primary(e["expr"])
    if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        return ("EXISTS " if name == "Builtin_EXISTS" else "NOT EXISTS ") + _group(e["graph"])
    if name.startswith("Builtin_"):
        args = []
        for value in e.values():
            args.extend(value if _is_seq(value) else [value])
        return f"{name[len('Builtin_'):]}(" + ", ".join(_expr(a) for a in args) + ")"
    if name == "Function":
        distinct = "DISTINCT " if _opt(e, "distinct") == "DISTINCT" else ""
        return f"{_term(e['iri'])}({distinct}" + ", ".join(_expr(a) for a in _opt(e, "expr") or ()) + ")"
    if name in _AGGREGATES:
        distinct = "DISTINCT " if _opt(e, "distinct") == "DISTINCT" else ""
        arg = "*" if e["vars"] == "*" else _expr(e["vars"])
        separator = f" ; SEPARATOR = {_term(e['separator'])}" if "separator" in e else ""
        return f"{_AGGREGATES[name]}({distinct}{arg}{separator})"
    raise Unwritable(f"expression {name}")


def _primary(e) -> str:
    """An operand where the grammar wants a primary expression: a whole expression goes in brackets."""
    text = _expr(e)
    return f"({text})" if _name(e) == "ConditionalOrExpression" else text


def _constraint(c) -> str:
    """HAVING's and ORDER BY's Constraint: a bracketed expression, a built-in or function call."""
    return f"({_expr(c)})" if _name(c) == "ConditionalOrExpression" else _expr(c)


def _group_condition(c) -> str:
    if _name(c) == "GroupAs":
        return f"({_expr(c['expr'])}" + (f" AS {_term(c['var'])})" if "var" in c else ")")
    return _constraint(c)


def _order_condition(c) -> str:
    if _opt(c, "order"):
        return f"{c['order']}({_expr(c['expr'])})"
    return _constraint(c["expr"])


_SHORT = {XSD.integer: re.compile(r"[+-]?[0-9]+"), XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
          XSD.double: re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
          XSD.boolean: re.compile(r"true|false")}


# --- terms ------------------------------------------------------------------------------------

def _term(t) -> str:
    name = _name(t)
    if name == "pname":
        return f"{_opt(t, 'prefix') or ''}:{_opt(t, 'localname') or ''}"
    if name == "literal":
        text = _string(str(t["string"]))
        if _opt(t, "lang"):
            return f"{text}@{t['lang']}"
        if "datatype" in t:
            return f"{text}^^{_term(t['datatype'])}"
        return text
    if isinstance(t, Variable):
        return "?" + str(t)
    if isinstance(t, BNode):
        return "_:" + str(t)
    if isinstance(t, Literal) and t.datatype in _SHORT and _SHORT[t.datatype].fullmatch(str(t)):
        return str(t)  # as the grammar's INTEGER, DECIMAL, DOUBLE, true, false: LIMIT wants an INTEGER
    if isinstance(t, Literal):
        text = _string(str(t))
        return f"{text}@{t.language}" if t.language else f"{text}^^{t.datatype.n3()}" if t.datatype else text
    if isinstance(t, URIRef):
        return t.n3()
    raise Unwritable(f"term {t!r}"[:200])


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(text: str) -> str:
    """A string on one line (a layout that indents lines must not reach into it): escapes for
    quotes, backslashes and line breaks, \\u escapes for other control characters."""
    return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c)
                         for c in text) + '"'
