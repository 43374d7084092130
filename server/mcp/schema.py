"""A database's schema as MCP tools and resources give it: tables, columns, keys and descriptions.

Structure only: no sample rows or values, so a column marked sensitive shows nothing
of its data here.
"""

from __future__ import annotations

from typing import Any

from connectors.types import SchemaInfo, TableInfo
from server.api.errors import ApiError


def _table(table: TableInfo) -> dict[str, Any]:
    return {
        "name": table.name,
        "kind": table.kind,
        "schema": table.schema,
        "description": table.comment,
        "row_estimate": table.row_estimate,
        "primary_key": table.primary_key,
        "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable, "default": c.default,
                     "primary_key": c.primary_key, "description": c.comment} for c in table.columns],
        "foreign_keys": [{"columns": fk.columns, "references": fk.ref_table, "ref_columns": fk.ref_columns}
                         for fk in table.foreign_keys],
        "indexes": [{"name": i.name, "columns": i.columns, "unique": i.unique} for i in table.indexes],
    }


def _mentions(table: TableInfo, term: str) -> bool:
    texts = [table.name, table.comment or ""]
    texts += [text for c in table.columns for text in (c.name, c.comment or "")]
    return any(term in text.lower() for text in texts)


def describe(db: str, schema: SchemaInfo, table: str | None = None, search: str | None = None) -> dict[str, Any]:
    """The whole schema, one table (404 when it has none of that name), or the tables whose
    names or descriptions, or whose columns' names or descriptions, mention `search`."""
    tables = schema.tables
    if table:
        found = schema.table(table)
        if found is None:
            raise ApiError(404, f"'{db}' has no table '{table}'; its tables: "
                                f"{', '.join(t.name for t in schema.tables) or '(none)'}")
        tables = [found]
    elif search and search.strip():
        term = search.strip().lower()
        tables = [t for t in tables if _mentions(t, term)]
    return {"db": db, "engine": schema.engine, "dialect": schema.dialect, "tables": [_table(t) for t in tables]}
