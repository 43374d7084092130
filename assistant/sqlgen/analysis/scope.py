"""Which tables a column reference can come from, judged in its own SELECT.

A CTE or subquery reads other tables than the query around it, so checks and
fixes resolve each reference in the SELECT that holds it, with sqlglot's
scopes (sqlglot.optimizer.scope): a SELECT's own tables are its scope's
tables, and the SELECTs a correlated reference may read are the scopes
traverse_scope puts around it. `Scopes` answers these questions for one
schema; the rules reach it as `context.scopes`.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope

from connectors.types import ColumnInfo, SchemaInfo, TableInfo


def scope_tables(select: exp.Expression) -> dict[str, str]:
    """alias (or name) -> table name, for the tables of one SELECT (not its subqueries)."""
    return {table.alias_or_name: table.name for table in Scope(select).tables}


def candidate_tables(ref: exp.Column, select: exp.Select) -> list[str]:
    """Names of the tables of `select` that `ref` may come from: the one its qualifier
    names, or all of them."""
    tables = scope_tables(select)
    if ref.table:
        return [name for alias, name in tables.items() if alias.lower() == ref.table.lower()]
    return list(tables.values())


def reads_derived_table(select: exp.Select) -> bool:
    """Whether this SELECT reads a subquery in its own FROM or JOIN."""
    return bool(Scope(select).derived_tables)


def _enclosing(select: exp.Select):
    """The SELECTs a correlated reference in `select` may read, innermost first: the
    scopes around a subquery, up to a CTE or a derived table, which cannot see the
    query around them. None for a SELECT whose scopes sqlglot cannot build."""
    try:
        scope = next((s for s in traverse_scope(select.root()) if s.expression is select), None)
    except OptimizeError:
        return
    while scope is not None and scope.scope_type in (ScopeType.SUBQUERY, ScopeType.SET_OPERATION):
        scope = scope.parent
        if scope is not None and isinstance(scope.expression, exp.Select):
            yield scope.expression


def select_aliases(ref: exp.Column) -> set[str]:
    select = ref.find_ancestor(exp.Select)
    return {e.alias.lower() for e in select.expressions if e.alias} if select is not None else set()


def own_columns(select: exp.Select) -> list[exp.Column]:
    """The column references of this SELECT, not of its subqueries."""
    return [ref for ref in select.find_all(exp.Column) if ref.find_ancestor(exp.Select) is select]


def defined_names(tree: exp.Expression) -> set[str]:
    """Every alias and name a qualifier can refer to anywhere in the query (an outer
    query's alias is in scope in a correlated subquery)."""
    names = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)}
    names |= {node.alias.lower() for node in tree.find_all(exp.Subquery, exp.CTE) if node.alias}
    return names


def holders(column: str, scope: dict[str, TableInfo]) -> list[str]:
    """The aliases of `scope` whose table has `column`."""
    return [alias for alias, info in scope.items() if info.column(column) is not None]


class Scopes:
    """Scope questions that need the schema: which real tables a reference or a SELECT reads."""

    def __init__(self, schema: SchemaInfo):
        self.schema = schema

    def resolve(self, ref: exp.Column) -> list[TableInfo] | None:
        """The real tables `ref` may come from; None when its SELECT also reads a CTE or
        subquery (whose columns the schema cannot tell)."""
        select = ref.find_ancestor(exp.Select)
        if select is None or reads_derived_table(select):
            return None
        infos = [self.schema.table(name) for name in candidate_tables(ref, select)]
        if not infos or any(info is None for info in infos):
            return None
        return infos

    def real(self, select: exp.Select) -> dict[str, TableInfo] | None:
        """alias -> table of one SELECT, in FROM order; None when it also reads a CTE or
        subquery, whose columns the schema cannot tell."""
        scope = {}
        for alias, name in scope_tables(select).items():
            info = self.schema.table(name)
            if info is None:
                return None
            scope[alias] = info
        return None if reads_derived_table(select) else scope

    def outer_tables(self, select: exp.Select):
        """The tables of the SELECTs around this one, innermost first (None for one the
        schema does not know). A CTE or a subquery in FROM cannot see the query around it."""
        for outer in _enclosing(select):
            for name in scope_tables(outer).values():
                yield self.schema.table(name)

    def outer_holds(self, select: exp.Select, column: str) -> bool:
        """Whether a SELECT around this one reads a table with `column` (a correlated
        reference); an unknown table might."""
        return any(info is None or info.column(column) is not None for info in self.outer_tables(select))

    def known(self, select: exp.Select) -> dict[str, TableInfo]:
        """alias (lower-cased) -> table, for the tables of one SELECT the schema knows."""
        return {alias.lower(): info for alias, name in scope_tables(select).items()
                if (info := self.schema.table(name)) is not None}

    def column_of(self, ref: exp.Column) -> tuple[TableInfo | None, ColumnInfo | None]:
        """The table and column `ref` reads: in its own SELECT, the table its qualifier
        names or else the first that holds it; failing that, in the SELECTs around it
        (a correlated reference)."""
        select = ref.find_ancestor(exp.Select)
        if select is None:
            return None, None
        for around in (select, *_enclosing(select)):
            tables = self.known(around)
            if ref.table:
                candidates = [tables[ref.table.lower()]] if ref.table.lower() in tables else []
            else:
                candidates = list(tables.values())
            for info in candidates:
                if (found := info.column(ref.name)) is not None:
                    return info, found
        return None, None


def rename_column(ref: exp.Column, name: str) -> None:
    """Point `ref` at column `name`. A bare select-list item of a CTE or subquery keeps
    its output name, which the query around it uses."""
    old = ref.name
    ref.set("this", exp.to_identifier(name))
    select = ref.parent
    if isinstance(select, exp.Select) and ref.arg_key == "expressions" and isinstance(
            select.parent, (exp.CTE, exp.Subquery)):
        ref.replace(exp.alias_(ref.copy(), old))


def result_select(tree: exp.Expression) -> exp.Select | None:
    """The SELECT whose rows the user sees (None for a UNION and the like): a
    subquery's columns are read by the query around it, not by the user."""
    return tree if isinstance(tree, exp.Select) else None
