"""An aggregate without GROUP BY, sorted: one row where a list was meant.

`SELECT airport_name, MIN(connect_time) FROM airport ORDER BY connect_time`:
an aggregate with no GROUP BY folds every row into one, so the ORDER BY has
nothing to sort and the bare column shows one arbitrary row (SQLite; other
engines refuse it). Sorting says the model wanted rows, each in its place;
the query goes back to the model once, as a doubt.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext


def _own_aggregates(select: exp.Select) -> list[exp.AggFunc]:
    """Aggregates of `select` itself: not of a subquery, not a window function."""
    return [agg for column in select.expressions for agg in column.find_all(exp.AggFunc)
            if agg.find_ancestor(exp.Select) is select and agg.find_ancestor(exp.Window) is None]


def one_row_order(tree: exp.Expression, context: RuleContext) -> list[str]:
    problems = []
    for select in tree.find_all(exp.Select):
        order = select.args.get("order")
        if order is None or select.args.get("group") or select.args.get("having"):
            continue
        aggregates = _own_aggregates(select)
        if not aggregates:
            continue
        dialect = context.dialect
        problems.append(
            f"{aggregates[0].sql(dialect=dialect)} without GROUP BY folds all rows into one, so "
            f"{order.sql(dialect=dialect).strip()} sorts nothing and the query returns a single row. To list the "
            "rows in order, select the column itself, not an aggregate of it; for one value per item, GROUP BY "
            "the item; for the top row, ORDER BY the column and LIMIT 1")
    return problems
