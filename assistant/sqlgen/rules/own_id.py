"""A table's own key named the way other tables refer to it.

`salespersons.salesperson_id` where salespersons has `id`. Only where the
column's table is certain (qualified, or the only table of its SELECT) and
the reference is not a correlated one to the query around it.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import rename_column, select_aliases
from assistant.sqlgen.rules.base import RuleContext
from knowledge.text import names_table


def own_id(tree: exp.Expression, context: RuleContext) -> list[str]:
    notes = []
    for ref in list(tree.find_all(exp.Column)):
        infos = context.scopes.resolve(ref)
        if not infos or len(infos) != 1 or infos[0].column(ref.name) is not None:
            continue
        if not ref.table and context.scopes.outer_holds(ref.find_ancestor(exp.Select), ref.name):
            continue  # a correlated reference to the query around it
        info = infos[0]
        own = info.column("id")
        if own is not None and names_table(ref.name, info.name) and ref.name.lower() not in select_aliases(ref):
            notes.append(f"{ref.sql()} -> {own.name}")
            rename_column(ref, own.name)
    return notes
