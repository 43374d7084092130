"""Grouping by a column without showing it.

`SELECT SUM(x) ... GROUP BY course_id` gives every number without what it is
for: each grouped column the outermost SELECT does not show is put at the
front of its output.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import result_select
from assistant.sqlgen.rules.base import RuleContext


def _shown(select: exp.Select) -> tuple[set[str], set[str]]:
    """Output names (aliases and column names) and the SQL of each output expression."""
    names, shapes = set(), set()
    for item in select.expressions:
        inner = item.this if isinstance(item, exp.Alias) else item
        if item.alias:
            names.add(item.alias.lower())
        if isinstance(inner, exp.Column):
            names.add(inner.name.lower())
        shapes.add(inner.sql().lower())
    return names, shapes


def group_keys(tree: exp.Expression, context: RuleContext) -> list[str]:
    select = result_select(tree)
    group = select.args.get("group") if select is not None else None
    if group is None or any(isinstance(e, exp.Star) for e in select.expressions):
        return []
    names, shapes = _shown(select)
    missing = []
    for key in group.expressions:
        if isinstance(key, exp.Literal):
            continue  # GROUP BY 1: a position in the output, so already shown
        if isinstance(key, exp.Column) and (key.name.lower() in names):
            continue
        if key.sql().lower() in shapes or not key.find(exp.Column):
            continue
        missing.append(key)
    if not missing:
        return []
    select.set("expressions", [key.copy() for key in missing] + list(select.expressions))
    return [f"shown the grouped {key.sql()}" for key in missing]
