"""Which tables a column reference can come from, judged in its own SELECT.

A CTE or subquery reads other tables than the query around it, so checks and
fixes resolve each reference in the SELECT that holds it.
"""

from __future__ import annotations

from sqlglot import exp

from connectors.types import SchemaInfo, TableInfo


def scope_tables(select: exp.Expression) -> dict[str, str]:
    """alias (or name) -> table name, for the tables of one SELECT (not its subqueries)."""
    found = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is select:
            found[table.alias_or_name] = table.name
    return found


def resolve_tables(ref: exp.Column, schema: SchemaInfo) -> list[TableInfo] | None:
    """The real tables `ref` may come from; None when its SELECT also reads a CTE or
    subquery (whose columns the schema cannot tell)."""
    select = ref.find_ancestor(exp.Select)
    if select is None:
        return None
    tables = scope_tables(select)
    if any(isinstance(source, exp.Subquery) and source.find_ancestor(exp.Select) is select
           for source in select.find_all(exp.Subquery)
           if source.parent is not None and isinstance(source.parent, (exp.From, exp.Join))):
        return None
    if ref.table:
        names = [name for alias, name in tables.items() if alias.lower() == ref.table.lower()]
    else:
        names = list(tables.values())
    infos = [schema.table(name) for name in names]
    if not infos or any(info is None for info in infos):
        return None
    return infos


def select_aliases(ref: exp.Column) -> set[str]:
    select = ref.find_ancestor(exp.Select)
    return {e.alias.lower() for e in select.expressions if e.alias} if select is not None else set()
