"""DuckDB catalog, read in bulk from its duckdb_* table functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from .introspect import assemble
from .types import TableInfo

if TYPE_CHECKING:
    from .base import Connector, Handle

_WHERE = (
    "database_name = current_database() AND NOT internal "
    "AND schema_name NOT IN ('information_schema', 'pg_catalog')"
)

_TABLES = f"""
SELECT schema_name, table_name, 'table', estimated_size, comment FROM duckdb_tables() WHERE {_WHERE}
UNION ALL
SELECT schema_name, view_name, 'view', NULL, comment FROM duckdb_views() WHERE {_WHERE}
"""

_COLUMNS = f"""
SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, comment
FROM duckdb_columns() WHERE {_WHERE}
ORDER BY schema_name, table_name, column_index
"""

_CONSTRAINTS = """
SELECT schema_name, table_name, constraint_type, constraint_column_names,
       referenced_table, referenced_column_names
FROM duckdb_constraints()
WHERE database_name = current_database() AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
ORDER BY schema_name, table_name, constraint_index
"""

_INDEXES = """
SELECT schema_name, table_name, index_name, is_unique, sql
FROM duckdb_indexes() WHERE database_name = current_database()
ORDER BY schema_name, table_name, index_name
"""

FINGERPRINT = [
    f"SELECT schema_name, table_name, sql, comment FROM duckdb_tables() WHERE {_WHERE} ORDER BY ALL",
    f"SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE {_WHERE} ORDER BY ALL",
    f"SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE {_WHERE} ORDER BY ALL",
    "SELECT schema_name, table_name, index_name, sql FROM duckdb_indexes() "
    "WHERE database_name = current_database() ORDER BY ALL",
]


def read_catalog(connector: Connector, handle: Handle) -> list[TableInfo]:
    wanted = set(connector.schemas) if connector.schemas else None

    def keep(rows):
        return [r for r in rows if wanted is None or r[0] in wanted]

    tables = keep(connector.query(handle, _TABLES))
    columns = keep(connector.query(handle, _COLUMNS))
    primary_keys, foreign_keys = [], []
    for schema, table, kind, cols, ref_table, ref_cols in keep(connector.query(handle, _CONSTRAINTS)):
        if kind == "PRIMARY KEY":
            primary_keys.append((schema, table, list(cols)))
        else:
            foreign_keys.append((schema, table, list(cols), schema, ref_table, list(ref_cols or [])))
    indexes = [
        (schema, table, name, _index_columns(sql), unique)
        for schema, table, name, unique, sql in keep(connector.query(handle, _INDEXES))
    ]
    return assemble(tables, columns, primary_keys, foreign_keys, indexes)


def fingerprint_rows(connector: Connector, handle: Handle) -> list[tuple]:
    rows: list[tuple] = [tuple(connector.schemas or ())]
    for sql in FINGERPRINT:
        rows.extend(connector.query(handle, sql))
    return rows


def _index_columns(create_sql: str | None) -> list[str]:
    """Column names from the index's CREATE INDEX text (DuckDB lists them
    only as text); an expression keeps its SQL."""
    if not create_sql:
        return []
    try:
        tree = sqlglot.parse_one(create_sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return []
    index = tree.this if isinstance(tree, exp.Create) else None
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    columns = params.args.get("columns", []) if params is not None else []
    names = []
    for item in columns:
        target = item.this if isinstance(item, exp.Ordered) else item
        names.append(target.name if isinstance(target, exp.Column) else target.sql("duckdb"))
    return names
