"""A subquery that selects a column only the outer query has.

`WHERE aid NOT IN (SELECT aid FROM organization)` where organization has no
aid: the database quietly reads the outer query's aid, so the subquery
returns each row's own value and the filter is always true (or always
false).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.joins import join_hints
from assistant.sqlgen.analysis.scope import reads_derived_table, scope_tables
from assistant.sqlgen.rules.base import RuleContext


def outer_columns(tree: exp.Expression, context: RuleContext) -> list[str]:
    schema = context.schema
    problems = []
    for select in tree.find_all(exp.Select):
        holder = select.parent  # IN (SELECT ...), EXISTS, a scalar subquery; not a table in FROM
        if (not isinstance(holder, (exp.Subquery, exp.In)) or isinstance(holder.parent, (exp.From, exp.Join, exp.CTE))
                or reads_derived_table(select)):
            continue
        own = [schema.table(name) for name in scope_tables(select).values()]
        if not own or any(info is None for info in own):
            continue
        for item in select.expressions:
            for ref in item.find_all(exp.Column):
                if ref.table or ref.find_ancestor(exp.Select) is not select:
                    continue
                if any(info.column(ref.name) is not None for info in own):
                    continue
                outer = next((info for info in context.scopes.outer_tables(select)
                              if info is not None and info.column(ref.name) is not None), None)
                if outer is None:
                    continue
                names = ", ".join(info.name for info in own)
                problems.append(
                    f"in the subquery ({select.sql(dialect=schema.dialect)}), {names} has no column {ref.name}, so "
                    f"{ref.name} reads {outer.name}.{ref.name} of the outer query and the subquery returns each "
                    f"row's own value; select a column of {names}{join_hints(own[0], [outer], schema)}")
    return problems
