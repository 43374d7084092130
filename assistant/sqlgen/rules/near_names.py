"""A misspelt column with one near-identical name.

`sales_date` where the table has `sale_date`: a column no table has, with
exactly one near-identical name among the tables it can come from, is that
column.
"""

from __future__ import annotations

import difflib

from sqlglot import exp

from assistant.sqlgen.analysis.scope import rename_column, select_aliases
from assistant.sqlgen.rules.base import RuleContext

CUTOFF = 0.85


def near_names(tree: exp.Expression, context: RuleContext) -> list[str]:
    everywhere = {c.name.lower() for t in context.schema.tables for c in t.columns}
    notes = []
    for ref in list(tree.find_all(exp.Column)):
        name = ref.name
        if not name or name.lower() in everywhere or name.lower() in select_aliases(ref):
            continue
        infos = context.scopes.resolve(ref)
        if not infos:
            continue
        names = {c.name.lower(): c.name for info in infos for c in info.columns}
        close = difflib.get_close_matches(name.lower(), list(names), n=2, cutoff=CUTOFF)
        if len(close) == 1:
            notes.append(f"{name} -> {names[close[0]]}")
            rename_column(ref, names[close[0]])
    return notes
