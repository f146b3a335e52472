"""A page of a named query's answer, read no further than the page needs.

A query whose rows each belong to one plan (header ``rows: by plan``, :mod:`plankg.queries.named`),
asked across every plan, is answered plan by plan, in the order of the plans' IRIs, until the page is
full. Its full answer is ordered by ``?plan`` first, so the rows and their order are the full answer's
(tests/test_pages.py checks both on a store of several plans). The first page of the projects of 100
plans then reads one plan, not all 49,800 projects, which no store orders in a request's time.

A query of rows by another parameter (``rows: by key, listed by indicator-keys``) is read the same way,
one value of that parameter at a time, in the order the listing query gives them.

Such a page has no total: counting it would read every part. It says whether more rows follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from .named import NamedQuery, get

PLANS = "PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT DISTINCT ?plan WHERE { ?plan a pkg:Plan } ORDER BY ?plan"


@dataclass
class Page:
    variables: list[str]
    rows: list[dict]  # SPARQL JSON bindings
    more: bool  # rows follow this page


def reads_in_parts(query: NamedQuery, values: dict) -> bool:
    """Whether a page of ``query`` with these parameters is read part by part: the query has rows by a
    parameter (plan, key) and this parameter is not given. A listing query must take every other
    parameter given, or it would list parts that have no rows (the whole answer is then read)."""
    if not query.rows_by or values.get(query.rows_by):
        return False
    if query.rows_by_plan:
        return True
    takes = {p.name for p in get(query.rows_listed_by).params}
    return all(k in takes for k, v in values.items() if v)


def parts(store, query: NamedQuery, values: dict) -> list[str]:
    """The values of the parameter the rows are by, in the order of the whole answer: the plans' IRIs,
    or the listing query's column of that name, the listing bound to the parameters it shares with
    ``query``."""
    if query.rows_by_plan:
        answer = store.query(PLANS)
    else:
        listing = get(query.rows_listed_by)
        shared = {p.name for p in listing.params}
        answer = store.query(listing.bind({k: v for k, v in values.items() if k in shared}))
    return list(dict.fromkeys(b[query.rows_by]["value"] for b in answer["results"]["bindings"]))  # each once


def page_in_parts(store, query: NamedQuery, values: dict, limit: int, offset: int) -> Page:
    """Rows ``offset`` to ``offset + limit`` of ``query``, read one part (plan, key) at a time.

    Each part's rows come from the query bound to that part; rows before ``offset`` are read and
    skipped (a deep page reads the parts before it)."""
    rows: list[dict] = []
    variables: list[str] = []
    skip = offset
    for part in parts(store, query, values):
        answer = store.answer(query.bind({**values, query.rows_by: part}), names_dataset=False)
        variables = answer.variables
        part_rows = answer.rows
        if skip:
            skipped = sum(1 for _ in islice(part_rows, skip))
            skip -= skipped
            if skip:
                continue
        rows.extend(islice(part_rows, limit + 1 - len(rows)))
        if len(rows) > limit:
            return Page(variables, rows[:limit], True)
    if not variables:  # no part at all: the query's own (empty) answer names the columns
        variables = store.answer(query.bind(values), names_dataset=False).variables
    return Page(variables, rows, False)
