"""A table the database does not have.

Each goes back to the model with the close names the schema does have. The
rules after this one read the tables' columns, so an unknown table ends the
run (a gate).
"""

from __future__ import annotations

import difflib

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext


def unknown_tables(tree: exp.Expression, context: RuleContext) -> list[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    known = {t.name.lower(): t.name for t in context.schema.tables}
    errors = []
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name or name.lower() in ctes or name.lower() in known:
            continue
        close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(known[c] for c in close)}?" if close else ""
        errors.append(f"table {name} does not exist{hint}")
    return sorted(set(errors))
