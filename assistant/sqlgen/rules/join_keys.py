"""A join on a column one of the two tables lacks.

`JOIN b ON a.x = b.x` where a or b has no x: the join meant is the one
declared foreign key between a and b, or else the one column named for the
other table's role (`fare.fare_airline` for `airline.airline_code`), or else
the one column of the lacking table whose name is close to x
(`sbtransaction.sbtxcustid` for `sbcustid`).
"""

from __future__ import annotations

import difflib

from sqlglot import exp

from assistant.sqlgen.analysis.joins import declared_links, role_links
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import TableInfo


def join_keys(tree: exp.Expression, context: RuleContext) -> list[str]:
    notes = []
    for condition in list(tree.find_all(exp.EQ)):
        left, right = condition.this, condition.expression
        if condition.find_ancestor(exp.Join) is None:
            continue
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.table and right.table):
            continue
        a, b = context.scopes.resolve(left), context.scopes.resolve(right)
        if not a or not b or len(a) != 1 or len(b) != 1 or a[0] is b[0]:
            continue
        if a[0].column(left.name) is not None and b[0].column(right.name) is not None:
            continue
        found = declared_links(a[0], b[0]) or role_links(a[0], b[0])
        if len(found) == 1:
            pair = (found[0].left_column, found[0].right_column)
        else:
            pair = _near_key_pair(left.name, a[0], right.name, b[0])
        if pair is None:
            continue
        fixed = exp.column(pair[0], left.table).eq(exp.column(pair[1], right.table))
        notes.append(f"{condition.sql()} -> {fixed.sql()}")
        condition.replace(fixed)
    return notes


def _near_key_pair(left: str, a: TableInfo, right: str, b: TableInfo,
                   cutoff: float = 0.8) -> tuple[str, str] | None:
    """Keep the side that exists; replace the missing side by its single close name."""
    def near(name: str, info: TableInfo) -> str | None:
        if info.column(name) is not None:
            return info.column(name).name
        close = difflib.get_close_matches(name.lower(), [c.name.lower() for c in info.columns], n=2, cutoff=cutoff)
        return info.column(close[0]).name if len(close) == 1 else None

    pair = near(left, a), near(right, b)
    return pair if pair[0] and pair[1] else None
