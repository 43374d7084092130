"""A column the tables of its SELECT do not have, or one several of them have.

sqlglot qualifies the query against the introspected schema; a column it
cannot place goes back to the model with which table lacks it, where it does
exist, how two tables join when it was a join key, or what it is close to,
judged in the SELECT where the column is used (a CTE reads other tables than
the query around it). Restructuring needs every column placed, so an error
here ends the run (a gate).
"""

from __future__ import annotations

import difflib

from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from assistant.sqlgen.analysis.joins import join_path_hint
from assistant.sqlgen.analysis.scope import Scopes, scope_tables
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo, TableInfo

CASE_INSENSITIVE = {"sqlite", "mysql", "duckdb"}


def schema_mapping(schema: SchemaInfo) -> dict[str, dict[str, str]]:
    lower = schema.dialect in CASE_INSENSITIVE
    return {
        (t.name.lower() if lower else t.name): {(c.name.lower() if lower else c.name): "TEXT" for c in t.columns}
        for t in schema.tables
    }


def _missing_column(message: str) -> str | None:
    if "Column '" in message:
        return message.split("Column '", 1)[1].split("'", 1)[0]
    if message.startswith("Unknown column:"):
        return message.split(":", 1)[1].strip().split()[0].strip("'\"")
    return None


def _owners_note(column: str, owners: list[str]) -> str:
    return f"; {column} is a column of {', '.join(owners)}" if owners else ""


def _qualified_hint(ref: exp.Column, info: TableInfo, owners: list[str], scopes: Scopes) -> str:
    """`alias.column` where the alias's table lacks the column; in a join condition, how
    the two tables do join."""
    column = ref.name
    head = f"table {info.name} (as {ref.table}) has no column {column}"
    condition = ref.find_ancestor(exp.EQ)
    if condition is not None and ref.find_ancestor(exp.Join) is not None:
        other = condition.expression if condition.this is ref else condition.this
        tables = scopes.resolve(other) if isinstance(other, exp.Column) else None
        if tables and len(tables) == 1 and tables[0] is not info:
            path = join_path_hint(info, tables[0], scopes.schema)
            if path:
                return f"{head}{_owners_note(column, owners)}; {path}"
    close = difflib.get_close_matches(column, [c.name for c in info.columns], n=3, cutoff=0.6)
    near = f"; did you mean {ref.table}.{close[0]}?" if close else ""
    return head + _owners_note(column, owners) + near


def _unqualified_hint(column: str, infos: list[TableInfo], owners: list[str]) -> str:
    names = ", ".join(info.name for info in infos)
    head = f"{'table' if len(infos) == 1 else 'tables'} {names} {'has' if len(infos) == 1 else 'have'} no column {column}"
    if owners:
        return head + _owners_note(column, owners)
    close = difflib.get_close_matches(column, [c.name for info in infos for c in info.columns], n=3, cutoff=0.6)
    return f"{head}; did you mean {', '.join(close)}?" if close else head


def _ambiguous_hint(ref: exp.Column, schema: SchemaInfo) -> str:
    tables = scope_tables(ref.find_ancestor(exp.Select))
    holders = [f"{alias}.{ref.name}" for alias, name in tables.items()
               if (info := schema.table(name)) is not None and info.column(ref.name) is not None]
    return (f"column {ref.name} is ambiguous: it could be {' or '.join(holders)}; "
            f"write the one the question means")


def _column_hint(message: str, tree: exp.Expression, scopes: Scopes) -> str:
    """Say which table lacks the column, where it does exist, or what it is close to."""
    schema = scopes.schema
    column = _missing_column(message)
    if column is None:
        return message
    owners = [t.name for t in schema.tables if t.column(column)]
    for ref in tree.find_all(exp.Column):
        if ref.name.lower() != column.lower():
            continue
        infos = scopes.resolve(ref)
        holders = [info for info in infos or [] if info.column(column) is not None]
        if not ref.table and len(holders) > 1:
            return _ambiguous_hint(ref, schema)
        if not infos or holders:
            continue
        if ref.table:
            return _qualified_hint(ref, infos[0], owners, scopes)
        return _unqualified_hint(column, infos, owners)
    head = f"column {column} does not exist in the tables used"
    return head + _owners_note(column, owners)


def unknown_columns(tree: exp.Expression, context: RuleContext) -> list[str]:
    try:
        qualify(tree.copy(), schema=schema_mapping(context.schema), dialect=context.dialect,
                validate_qualify_columns=True, identify=False)
    except OptimizeError as exc:
        return [_column_hint(str(exc), tree, context.scopes)]
    except SqlglotError:
        pass  # a construct the qualifier does not model: the database will judge it
    return []
