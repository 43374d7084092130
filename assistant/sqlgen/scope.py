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


def candidate_tables(ref: exp.Column, select: exp.Select) -> list[str]:
    """Names of the tables of `select` that `ref` may come from: the one its qualifier
    names, or all of them."""
    tables = scope_tables(select)
    if ref.table:
        return [name for alias, name in tables.items() if alias.lower() == ref.table.lower()]
    return list(tables.values())


def resolve_tables(ref: exp.Column, schema: SchemaInfo) -> list[TableInfo] | None:
    """The real tables `ref` may come from; None when its SELECT also reads a CTE or
    subquery (whose columns the schema cannot tell)."""
    select = ref.find_ancestor(exp.Select)
    if select is None or reads_derived_table(select):
        return None
    infos = [schema.table(name) for name in candidate_tables(ref, select)]
    if not infos or any(info is None for info in infos):
        return None
    return infos


def reads_derived_table(select: exp.Select) -> bool:
    """Whether this SELECT reads a subquery in its own FROM or JOIN."""
    return any(isinstance(source.parent, (exp.From, exp.Join)) and source.find_ancestor(exp.Select) is select
               for source in select.find_all(exp.Subquery))


def select_aliases(ref: exp.Column) -> set[str]:
    select = ref.find_ancestor(exp.Select)
    return {e.alias.lower() for e in select.expressions if e.alias} if select is not None else set()


def outer_tables(select: exp.Select, schema: SchemaInfo):
    """The tables of the SELECTs around this one, innermost first (None for one the
    schema does not know). A CTE or a subquery in FROM cannot see the query around it."""
    node = select.parent
    while node is not None:
        if isinstance(node, exp.CTE) or (isinstance(node, exp.Subquery) and isinstance(node.parent, (exp.From, exp.Join))):
            return
        if isinstance(node, exp.Select):
            for name in scope_tables(node).values():
                yield schema.table(name)
        node = node.parent


def outer_holds(select: exp.Select, column: str, schema: SchemaInfo) -> bool:
    """Whether a SELECT around this one reads a table with `column` (a correlated
    reference); an unknown table might."""
    return any(info is None or info.column(column) is not None for info in outer_tables(select, schema))
