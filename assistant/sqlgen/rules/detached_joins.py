"""Joins whose condition never mentions the table they join.

`JOIN suppliers AS s ON st.store_id = o.store_id` runs: the condition holds
or fails without looking at suppliers, so every row is paired with every
supplier and counts and sums multiply, with no error. Each such join goes
back to the model with how the table links to the ones before it, where the
schema says. A join with no condition at all (CROSS JOIN, a comma, ON TRUE)
says it means every pair, so it is left alone.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.joins import join_path_hint
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo


def _mentions(condition: exp.Expression, alias: str, table) -> bool:
    for column in condition.find_all(exp.Column):
        if column.table:
            if column.table.lower() == alias:
                return True
        elif table is None or table.column(column.name) is not None:
            return True  # an unqualified name the joined table holds (or may hold)
    return False


def _link_hint(earlier: list[str], table, schema: SchemaInfo) -> str:
    """How `table` joins a table before it: directly to any of them, else through a bridge."""
    infos = [info for name in earlier if (info := schema.table(name)) is not None]
    for bridges in (False, True):
        for info in infos:
            if hint := join_path_hint(info, table, schema, bridges=bridges):
                return hint
    return ""


def detached_joins(tree: exp.Expression, context: RuleContext) -> list[str]:
    """A doubt for each JOIN ... ON whose condition reads only other tables."""
    schema = context.schema
    problems = []
    for select in tree.find_all(exp.Select):
        source = select.args.get("from_")
        seen = [t.name for t in source.find_all(exp.Table) if t.find_ancestor(exp.Select) is select] if source else []
        for join in select.args.get("joins") or []:
            target, condition = join.this, join.args.get("on")
            if not isinstance(target, exp.Table):
                continue
            alias, table = target.alias_or_name.lower(), schema.table(target.name)
            if condition is not None and condition.find(exp.Column) is not None \
                    and not _mentions(condition, alias, table):
                hint = _link_hint(seen, table, schema) if table is not None else ""
                problems.append(
                    f"{target.sql()} is joined ON {condition.sql()}, which never mentions {target.alias_or_name}, "
                    f"so every row is paired with every row of {target.name}; join it on its own columns"
                    f"{f' ({hint})' if hint else ''}, or leave it out if the question does not need it")
            seen.append(target.name)
    return problems
