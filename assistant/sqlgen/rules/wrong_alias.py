"""A column taken from the wrong alias.

`T2.citation_num` where only the table aliased `T1` has `citation_num`: small
models mix up their own aliases. When exactly one table of the SELECT has the
column, the reference is re-pointed at it; inside a join condition only a
table joined by then, and not the one on the other side, qualifies.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import scope_tables
from assistant.sqlgen.rules.base import RuleContext


def wrong_alias(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Re-point `alias.column` at the one table of its SELECT that has the column."""
    schema = context.schema
    notes = []
    for select in tree.find_all(exp.Select):
        tables = scope_tables(select)
        for ref in select.find_all(exp.Column):
            if not ref.table or ref.find_ancestor(exp.Select) is not select:
                continue
            owner = next((name for alias, name in tables.items() if alias.lower() == ref.table.lower()), None)
            info = schema.table(owner) if owner else None
            if info is None or info.column(ref.name) is not None:
                continue
            holders = [alias for alias, name in tables.items()
                       if (t := schema.table(name)) is not None and t.column(ref.name) is not None]
            holders = [h for h in holders if _fits_join_condition(ref, h, select)]
            if len(holders) == 1:
                notes.append(f"{ref.table}.{ref.name} -> {holders[0]}.{ref.name}")
                ref.set("table", exp.to_identifier(holders[0]))
    return notes


def _fits_join_condition(ref: exp.Column, holder: str, select: exp.Select) -> bool:
    """Outside a join condition any holder fits. Inside one, the holder must be joined by
    then (a condition cannot read a later table) and must not be the table on the other
    side (that would join a table to itself)."""
    join = ref.find_ancestor(exp.Join)
    if join is None:
        return True
    visible = [select.args["from_"].this] if select.args.get("from_") else []
    for other_join in select.args.get("joins") or []:
        visible.append(other_join.this)
        if other_join is join:
            break
    if holder.lower() not in {t.alias_or_name.lower() for t in visible}:
        return False
    condition = ref.find_ancestor(exp.EQ)
    if condition is None:
        return False
    other = condition.expression if condition.this is ref else condition.this
    return isinstance(other, exp.Column) and other.table.lower() != holder.lower()
