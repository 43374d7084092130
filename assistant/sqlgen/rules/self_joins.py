"""A join condition that compares a column with itself.

`JOIN b ON b.x = b.x` is always true: the join is a cross join in disguise,
which the database runs without a word. It goes back to the model with how
the table does join the others.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.joins import join_hints
from assistant.sqlgen.rules.base import RuleContext


def self_joins(tree: exp.Expression, context: RuleContext) -> list[str]:
    problems = []
    for condition in tree.find_all(exp.EQ):
        left, right = condition.this, condition.expression
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
            continue
        if left.name.lower() != right.name.lower() or left.table.lower() != right.table.lower():
            continue
        if condition.find_ancestor(exp.Join) is None:
            continue
        tables = context.scopes.known(condition.find_ancestor(exp.Select))
        info = tables.get(left.table.lower()) if left.table else None
        others = [t for t in tables.values() if info is not None and t is not info]
        hint = join_hints(info, others, context.schema) if info is not None else ""
        problems.append(f"the join condition {condition.sql()} compares a column with itself, so it joins "
                        f"every row to every row; compare with a column of the other table{hint}")
    return problems
