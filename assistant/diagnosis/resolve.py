"""Which table and column each column reference means, using sqlglot scopes and the live schema.

sqlglot's own qualify pass raises on the first problem; here every reference
is resolved so that each unknown or ambiguous one becomes its own finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from assistant.diagnosis.context import find_table
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

# Columns every table has without declaring them.
IMPLICIT_COLUMNS = {
    "sqlite": {"rowid", "_rowid_", "oid"},
    "postgres": {"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"},
}


@dataclass
class Source:
    alias: str
    node: exp.Expression
    table: TableInfo | None = None  # a base table of the schema
    columns: list[str] | None = None  # output column names; None when unknown


@dataclass
class Ref:
    column: exp.Column
    scope: Scope
    status: str  # ok | outer | alias | unknown_column | unknown_source | ambiguous | unknown
    source: Source | None = None
    info: ColumnInfo | None = None
    candidates: list[str] = field(default_factory=list)


class Resolver:
    def __init__(self, tree: exp.Expression, schema: SchemaInfo | None, dialect: str):
        self.schema = schema
        self.dialect = dialect
        try:
            self.scopes = traverse_scope(tree)
        except Exception:  # sqlglot cannot scope some exotic trees; checks then skip
            self.scopes = []
        self._by_node = {id(s.expression): s for s in self.scopes}
        self._sources: dict[int, dict[str, Source]] = {}

    # -- sources ---------------------------------------------------------------

    def sources(self, scope: Scope) -> dict[str, Source]:
        key = id(scope)
        if key not in self._sources:
            self._sources[key] = {alias: self._source(alias, scope, value)
                                  for alias, (node, value) in scope.selected_sources.items()}
        return self._sources[key]

    def _source(self, alias: str, scope: Scope, value) -> Source:
        if isinstance(value, exp.Table):
            table = find_table(self.schema, value)
            columns = [c.name for c in table.columns] if table else None
            return Source(alias, value, table, columns)
        if isinstance(value, Scope):
            return Source(alias, value.expression, None, self.output_columns(value))
        return Source(alias, value if isinstance(value, exp.Expression) else scope.expression)

    def output_columns(self, scope: Scope) -> list[str] | None:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            return self.output_columns(scope.set_operation_scopes[0]) if scope.set_operation_scopes else None
        if not isinstance(query, exp.Select):
            return None
        names: list[str] = []
        for item in query.expressions:
            if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
                chosen = [item.table] if isinstance(item, exp.Column) and item.table else None
                for alias, source in self.sources(scope).items():
                    if chosen and alias not in chosen:
                        continue
                    if source.columns is None:
                        return None
                    names.extend(source.columns)
            else:
                names.append(item.alias_or_name)
        return names

    def scope_of(self, node: exp.Expression) -> Scope | None:
        current = node.parent
        while current is not None:
            scope = self._by_node.get(id(current))
            if scope is not None:
                return scope
            current = current.parent
        return None

    # -- column references -------------------------------------------------------

    def refs(self) -> list[Ref]:
        out = []
        for scope in self.scopes:
            for column in scope.expression.find_all(exp.Column):
                if isinstance(column.this, exp.Star) or self.scope_of(column) is not scope:
                    continue
                out.append(self.resolve(column, scope))
        return out

    def resolve(self, column: exp.Column, scope: Scope) -> Ref:
        name = column.name
        qualifier = column.table
        if qualifier:
            found = self._qualified(column, scope, qualifier, name)
            if found:
                return found
            return Ref(column, scope, "unknown_source",
                       candidates=sorted(self.sources(scope)) + self._outer_aliases(scope))
        sources = self.sources(scope)
        having = [s for s in sources.values() if s.columns is not None and _has(s.columns, name)]
        unknown = [s for s in sources.values() if s.columns is None]
        if len(having) == 1:
            return self._ok(column, scope, having[0], "ok")
        if len(having) > 1:
            if _in_using(scope, name):
                return self._ok(column, scope, having[0], "ok")
            return Ref(column, scope, "ambiguous", candidates=[s.alias for s in having])
        if unknown:
            return Ref(column, scope, "unknown")
        if _refers_to_alias(column, scope, name):
            return Ref(column, scope, "alias")
        if name.lower() in IMPLICIT_COLUMNS.get(self.dialect, ()) and sources:
            return Ref(column, scope, "ok", source=next(iter(sources.values())))
        outer = self._outer(column, scope)
        if outer:
            return outer
        every = [c for s in sources.values() for c in (s.columns or [])]
        return Ref(column, scope, "unknown_column", candidates=every)

    def _qualified(self, column: exp.Column, scope: Scope, qualifier: str, name: str) -> Ref | None:
        walk: Scope | None = scope
        status = "ok"
        while walk is not None:
            sources = self.sources(walk)
            match = next((s for a, s in sources.items() if a.lower() == qualifier.lower()), None)
            if match is not None:
                if match.columns is None:
                    return Ref(column, scope, "unknown", source=match)
                if _has(match.columns, name) or name.lower() in IMPLICIT_COLUMNS.get(self.dialect, ()):
                    return self._ok(column, scope, match, status)
                return Ref(column, scope, "unknown_column", source=match, candidates=list(match.columns))
            walk = walk.parent if _looks_out(walk) else None
            status = "outer"
        return None

    def _outer(self, column: exp.Column, scope: Scope) -> Ref | None:
        walk = scope.parent if _looks_out(scope) else None
        while walk is not None:
            having = [s for s in self.sources(walk).values() if s.columns is not None and _has(s.columns, column.name)]
            if having:
                return self._ok(column, scope, having[0], "outer")
            walk = walk.parent if _looks_out(walk) else None
        return None

    def _outer_aliases(self, scope: Scope) -> list[str]:
        walk = scope.parent if _looks_out(scope) else None
        names: list[str] = []
        while walk is not None:
            names.extend(self.sources(walk))
            walk = walk.parent if _looks_out(walk) else None
        return names

    @staticmethod
    def _ok(column: exp.Column, scope: Scope, source: Source, status: str) -> Ref:
        info = source.table.column(column.name) if source.table else None
        return Ref(column, scope, status, source=source, info=info)


def _looks_out(scope: Scope) -> bool:
    """Whether names in this scope may refer to an enclosing query (correlation)."""
    return scope.parent is not None and (scope.is_subquery or bool(scope.can_be_correlated))


def _has(columns: list[str], name: str) -> bool:
    lowered = name.lower()
    return any(c.lower() == lowered for c in columns)


def _in_using(scope: Scope, name: str) -> bool:
    select = scope.expression
    for join in select.args.get("joins") or []:
        if join.args.get("method") and str(join.args.get("method")).upper() == "NATURAL":
            return True
        if any(u.name.lower() == name.lower() for u in join.args.get("using") or []):
            return True
    return False


def _refers_to_alias(column: exp.Column, scope: Scope, name: str) -> bool:
    """A bare name that matches an output alias (ORDER BY total, SQLite's WHERE alias use)."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return False
    aliases = {e.alias.lower() for e in select.expressions if isinstance(e, exp.Alias)}
    if name.lower() not in aliases:
        return False
    return column.find_ancestor(exp.Alias) is None or column.find_ancestor(exp.Select) is not select


def base_tables(resolver: Resolver) -> list[tuple[Scope, Source]]:
    """Every base-table source of every scope, with the scope it belongs to."""
    out = []
    for scope in resolver.scopes:
        for source in resolver.sources(scope).values():
            if isinstance(source.node, exp.Table):
                out.append((scope, source))
    return out
