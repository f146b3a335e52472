"""A page of a named query's answer, read no further than the page needs.

A query whose rows each belong to one plan (header ``rows: by plan``, :mod:`plankg.queries.named`),
asked across every plan, is answered plan by plan, in the order of the plans' IRIs, until the page is
full. Its full answer is ordered by ``?plan`` first, so the rows and their order are the full answer's
(tests/test_pages.py checks both on a store of several plans). The first page of the projects of 100
plans then reads one plan, not all 49,800 projects, which no store orders in a request's time.

Such a page has no total: counting it would read every plan. It says whether more rows follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from .named import NamedQuery

PLANS = "PREFIX pkg: <https://w3id.org/plankg/ontology#> SELECT DISTINCT ?plan WHERE { ?plan a pkg:Plan } ORDER BY ?plan"


@dataclass
class Page:
    variables: list[str]
    rows: list[dict]  # SPARQL JSON bindings
    more: bool  # rows follow this page


def reads_by_plan(query: NamedQuery, values: dict) -> bool:
    """Whether a page of ``query`` with these parameters is read plan by plan (every plan, not one)."""
    return query.rows_by_plan and not values.get("plan")


def page_by_plan(store, query: NamedQuery, values: dict, limit: int, offset: int) -> Page:
    """Rows ``offset`` to ``offset + limit`` of ``query`` across every plan of ``store``, read plan by plan.

    Each plan's rows come from the query bound to that plan; rows before ``offset`` are read and
    skipped (a deep page reads the plans before it)."""
    plans = [b["plan"]["value"] for b in store.query(PLANS)["results"]["bindings"]]
    rows: list[dict] = []
    variables: list[str] = []
    skip = offset
    for plan in plans:
        answer = store.answer(query.bind({**values, "plan": plan}), names_dataset=False)
        variables = answer.variables
        plan_rows = answer.rows
        if skip:
            skipped = sum(1 for _ in islice(plan_rows, skip))
            skip -= skipped
            if skip:
                continue
        rows.extend(islice(plan_rows, limit + 1 - len(rows)))
        if len(rows) > limit:
            return Page(variables, rows[:limit], True)
    if not variables:  # no plan in the store: the query's own (empty) answer names the columns
        variables = store.answer(query.bind(values), names_dataset=False).variables
    return Page(variables, rows, False)
