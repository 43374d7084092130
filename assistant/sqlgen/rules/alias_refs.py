"""Output aliases read again in the same SELECT.

`SELECT COUNT(...) AS high, CAST(high AS REAL) / COUNT(*) AS ratio` reads the
alias `high` in the next column (and models write `WHERE total > 10` for a
`SUM(...) AS total`). DuckDB allows it; PostgreSQL, MySQL and SQLite do not,
or not everywhere. The reference is replaced by the expression it names, which
is what the model meant, when no table of the SELECT has a column by that name.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import scope_tables
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo


def _real_column_names(select: exp.Select, schema: SchemaInfo) -> set[str] | None:
    names = set()
    for name in scope_tables(select).values():
        info = schema.table(name)
        if info is None:
            return None  # a CTE or unknown table: its columns are not known here
        names |= {c.name.lower() for c in info.columns}
    return names


def alias_refs(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Replace, in the select list, WHERE and HAVING, an unqualified reference to an
    alias defined earlier in the same select list by that alias's expression.
    Changes `tree` in place and returns a note per alias."""
    notes = []
    for select in list(tree.find_all(exp.Select)):
        real = _real_column_names(select, context.schema)
        if real is None:
            continue
        defined: dict[str, exp.Expression] = {}
        targets: list[tuple[exp.Expression, dict[str, exp.Expression]]] = []
        for projection in select.expressions:
            targets.append((projection, dict(defined)))
            if isinstance(projection, exp.Alias) and projection.alias.lower() not in real:
                defined[projection.alias.lower()] = projection.this
        for clause in ("where", "having"):
            if select.args.get(clause) is not None:
                # WHERE runs before aggregation: an aggregate cannot be moved there.
                usable = {a: e for a, e in defined.items() if clause == "having" or not e.find(exp.AggFunc)}
                targets.append((select.args[clause], usable))
        used = set()
        for node, usable in targets:
            for ref in list(node.find_all(exp.Column)):
                name = ref.name.lower()
                if ref.table or name not in usable or ref.find_ancestor(exp.Select) is not select:
                    continue
                value = usable[name].copy()
                ref.replace(value if isinstance(value, (exp.Column, exp.Literal, exp.Func)) else exp.paren(value, copy=False))
                used.add(name)
        notes += [f"alias {name} read in its own SELECT: replaced by its expression" for name in sorted(used)]
    return notes
