"""Counting the rows of a table whose rows already hold counts.

A table like `checkin(business_id, day, count)` keeps one row per business
and day with the number of check-ins in `count`: "how many check-ins on
Mondays" is SUM(count), while COUNT(*) counts the rows, one per business.
Small models reach for COUNT(*). Where the query counts rows and a table it
reads has such a column that the query never touches, that goes back to the
model once, as a doubt; when rows are what is meant, the model keeps its
query.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import reads_derived_table, scope_tables
from assistant.sqlgen.rules.base import RuleContext

_COUNT_NAMES = {"count", "cnt", "quantity", "qty"}
_NUMERIC = ("INT", "REAL", "NUM", "DEC", "FLOAT", "DOUBLE")


def _counts_rows(count: exp.Count) -> bool:
    inner = count.this
    return not isinstance(inner, exp.Distinct) and (isinstance(inner, (exp.Star, exp.Column)) or (
        isinstance(inner, exp.Literal) and inner.is_number))


def count_columns(tree: exp.Expression, context: RuleContext) -> list[str]:
    schema = context.schema
    for select in tree.find_all(exp.Select):
        counts = [c for item in select.expressions for c in item.find_all(exp.Count)
                  if c.find_ancestor(exp.Select) is select and _counts_rows(c)]
        if not counts or reads_derived_table(select):
            continue
        used = {ref.name.lower() for ref in select.find_all(exp.Column)}
        held = []
        for alias, name in scope_tables(select).items():
            info = schema.table(name)
            for column in info.columns if info is not None else []:
                if (column.name.lower() in _COUNT_NAMES and column.name.lower() not in used
                        and any(kind in (column.type or "").upper() for kind in _NUMERIC)):
                    held.append(f"{alias}.{column.name}")
        if len(held) == 1:
            return [f"{held[0]} holds a number per row: if each row stands for several of what the question "
                    f"counts, the total is SUM({held[0]}); {counts[0].sql()} counts rows"]
    return []
