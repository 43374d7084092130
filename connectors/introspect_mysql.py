"""MySQL / MariaDB catalog, read in bulk from information_schema: one query
each for tables, columns, keys and index columns over the chosen databases."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .introspect import assemble
from .types import TableInfo

if TYPE_CHECKING:
    from .base import Connector, Handle

_TABLE_TYPES = "('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')"

_TABLES = f"""
SELECT table_schema, table_name, table_type, table_rows, table_comment
FROM information_schema.tables
WHERE table_schema IN %(schemas)s AND table_type IN {_TABLE_TYPES}
"""

_COLUMNS = f"""
SELECT c.table_schema, c.table_name, c.column_name, c.column_type, c.is_nullable,
       c.column_default, c.column_comment
FROM information_schema.columns c
JOIN information_schema.tables t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema IN %(schemas)s AND t.table_type IN {_TABLE_TYPES}
ORDER BY c.table_schema, c.table_name, c.ordinal_position
"""

_KEYS = """
SELECT table_schema, table_name, constraint_name, column_name,
       referenced_table_schema, referenced_table_name, referenced_column_name
FROM information_schema.key_column_usage
WHERE table_schema IN %(schemas)s
  AND (constraint_name = 'PRIMARY' OR referenced_table_name IS NOT NULL)
ORDER BY table_schema, table_name, constraint_name, ordinal_position
"""

_INDEXES = """
SELECT table_schema, table_name, index_name, non_unique, column_name
FROM information_schema.statistics
WHERE table_schema IN %(schemas)s
ORDER BY table_schema, table_name, index_name, seq_in_index
"""

FINGERPRINT = [
    """SELECT table_schema, table_name, table_type, table_comment
       FROM information_schema.tables WHERE table_schema IN %(schemas)s
       ORDER BY table_schema, table_name""",
    """SELECT table_schema, table_name, column_name, ordinal_position, column_type,
              is_nullable, column_default, column_comment, column_key
       FROM information_schema.columns WHERE table_schema IN %(schemas)s
       ORDER BY table_schema, table_name, ordinal_position""",
    _KEYS,
    _INDEXES,
]


def schemas_of(connector: Connector, handle: Handle) -> list[str]:
    if connector.schemas:
        return list(connector.schemas)
    current = connector.query(handle, "SELECT DATABASE()")[0][0]
    return [current] if current else []


def read_catalog(connector: Connector, handle: Handle) -> list[TableInfo]:
    schemas = schemas_of(connector, handle)
    if not schemas:
        return []
    params = {"schemas": tuple(schemas)}
    tables = [
        (schema, name, "view" if kind == "VIEW" else "table", None if kind == "VIEW" else rows,
         None if kind == "VIEW" and comment == "VIEW" else comment)
        for schema, name, kind, rows, comment in connector.query(handle, _TABLES, params)
    ]
    columns = [
        (schema, table, name, type_, nullable == "YES", _default(default), comment)
        for schema, table, name, type_, nullable, default, comment in connector.query(handle, _COLUMNS, params)
    ]
    primary: dict[tuple, list[str]] = defaultdict(list)
    foreign: dict[tuple, list[tuple[str, str, str, str]]] = defaultdict(list)
    for schema, table, constraint, column, ref_schema, ref_table, ref_column in connector.query(handle, _KEYS, params):
        if constraint == "PRIMARY":
            primary[(schema, table)].append(column)
        else:
            foreign[(schema, table, constraint)].append((column, ref_schema, ref_table, ref_column))
    primary_keys = [(schema, table, cols) for (schema, table), cols in primary.items()]
    foreign_keys = [
        (schema, table, [p[0] for p in parts], parts[0][1], parts[0][2], [p[3] for p in parts])
        for (schema, table, _), parts in foreign.items()
    ]
    grouped: dict[tuple, tuple[bool, list[str]]] = {}
    for schema, table, index, non_unique, column in connector.query(handle, _INDEXES, params):
        entry = grouped.setdefault((schema, table, index), (not int(non_unique), []))
        entry[1].append(column if column is not None else "(expression)")
    indexes = [(schema, table, name, cols, unique) for (schema, table, name), (unique, cols) in grouped.items()]
    return assemble(tables, columns, primary_keys, foreign_keys, indexes)


def fingerprint_rows(connector: Connector, handle: Handle) -> list[tuple]:
    schemas = schemas_of(connector, handle)
    rows: list[tuple] = [tuple(schemas)]
    if schemas:
        for sql in FINGERPRINT:
            rows.extend(connector.query(handle, sql, {"schemas": tuple(schemas)}))
    return rows


def _default(value: str | None) -> str | None:
    # MariaDB reports "no default" on a nullable column as the text NULL.
    return None if value is None or value == "NULL" else value
