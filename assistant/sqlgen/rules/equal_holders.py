"""A column several joined tables hold, left unqualified or given an alias the
query never defines.

`COUNT(pid)` over `publication JOIN writes ON publication.pid = writes.pid`:
when the tables are joined on that very column, every choice gives the same
value, so any one is right; and where only one table of the SELECT holds it,
an undefined qualifier is re-pointed at that table.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.equalities import equal_classes
from assistant.sqlgen.analysis.scope import defined_names, holders, own_columns, select_aliases
from assistant.sqlgen.rules.base import RuleContext


def equal_holders(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Qualify an ambiguous column, or re-point an undefined alias, when the tables that
    hold the column are all joined on it (or only one of them holds it)."""
    notes = []
    defined = defined_names(tree)
    for select in tree.find_all(exp.Select):
        scope = context.scopes.real(select)
        if not scope or len(scope) < 2:
            continue
        classes = None
        for ref in own_columns(select):
            if ref.table and ref.table.lower() in defined:
                continue
            if not ref.table and ref.name.lower() in select_aliases(ref):
                continue
            found = holders(ref.name, scope)
            if not found or (not ref.table and len(found) == 1) or context.scopes.outer_holds(select, ref.name):
                continue
            if len(found) > 1:
                classes = classes if classes is not None else equal_classes(select, scope)
                roots = {classes.get((h.lower(), ref.name.lower())) for h in found}
                if len(roots) != 1 or None in roots:
                    continue
            before = ref.sql()
            ref.set("table", exp.to_identifier(found[0]))
            notes.append(f"{before} -> {ref.sql()}")
    return notes

