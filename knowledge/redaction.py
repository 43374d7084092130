"""A schema as a prompt may show it: without the stored values of sensitive columns.

A column marked sensitive keeps its name and type (the model must still be
able to select it), but its listed values and its cells in the sample rows
never reach a prompt, a hint or a message sent back to the model.
"""

from __future__ import annotations

from dataclasses import replace

from connectors.types import SchemaInfo, TableInfo

Sensitive = frozenset[tuple[str, str]]  # (table, column), lower-cased


def _redacted_table(table: TableInfo, hidden: set[str]) -> TableInfo:
    positions = [i for i, c in enumerate(table.columns) if c.name.lower() in hidden]
    columns = [replace(c, values=None, value_rows=0) if c.name.lower() in hidden else c for c in table.columns]
    rows = [[None if i in positions else cell for i, cell in enumerate(row)] for row in table.sample_rows]
    return replace(table, columns=columns, sample_rows=rows)


def without_sensitive_values(schema: SchemaInfo, sensitive: Sensitive) -> SchemaInfo:
    """A copy of `schema` whose sensitive columns show no stored value; `schema` itself is untouched."""
    if not sensitive:
        return schema
    tables = []
    for table in schema.tables:
        hidden = {c for t, c in sensitive if t == table.name.lower()}
        tables.append(_redacted_table(table, hidden) if hidden else table)
    return replace(schema, tables=tables)
