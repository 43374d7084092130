"""The schema as the model reads it: CREATE TABLE statements with comments.

Identifiers are quoted by sqlglot for the connection's dialect, so a table
called `order` or `Order Items` reaches the model as valid SQL.
"""

from __future__ import annotations

from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from connectors.types import ColumnInfo, SchemaInfo, TableInfo


@cache
def _keywords(dialect: str) -> frozenset[str]:
    # Multi-word keywords ("ORDER BY") make each of their words unsafe too.
    keys = Dialect.get_or_raise(dialect).tokenizer_class.KEYWORDS
    return frozenset(word for key in keys for word in key.split())


def _ident(name: str, dialect: str) -> str:
    """Quoted only where needed: odd characters or a keyword of the dialect."""
    identifier = exp.to_identifier(name)
    if name.upper() in _keywords(dialect):
        identifier.set("quoted", True)
    return identifier.sql(dialect=dialect)


def _comment(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def is_categorical(column: ColumnInfo) -> bool:
    """Values that repeat from row to row name categories; unique ones are names or free text."""
    values = column.values or []
    return len(values) <= 3 or column.value_rows >= 2 * len(values)


def _shorten(value: str, chars: int) -> str:
    return value if len(value) <= chars else value[: chars - 3] + "..."


def value_note(column: ColumnInfo, max_values: int = 8, *, compact: bool = False) -> str:
    """The column's stored values as the model sees them.

    Compact: a category lists its values (the literals a filter must use);
    other text shows two short examples, enough to show its format.
    """
    values = column.values or []
    if not values:
        return ""
    if compact and not is_categorical(column):
        return "e.g. " + ", ".join(repr(_shorten(v, 40)) for v in values[:2])
    shown = ", ".join(repr(v) for v in values[:max_values])
    more = ", ..." if len(values) > max_values else ""
    return f"values: {shown}{more}"


def table_ddl(table: TableInfo, dialect: str, *, with_values: bool = True, max_values: int = 8,
              compact: bool = False) -> str:
    lines = []
    for column in table.columns:
        parts = [_ident(column.name, dialect), column.type or "TEXT"]
        if column.primary_key and len(table.primary_key) <= 1:
            parts.append("PRIMARY KEY")
        elif not column.nullable:
            parts.append("NOT NULL")
        notes = [_comment(column.comment)] if column.comment else []
        if with_values and column.values:
            notes.append(value_note(column, max_values, compact=compact))
        line = " ".join(parts)
        lines.append((line, "; ".join(n for n in notes if n)))
    if len(table.primary_key) > 1:
        cols = ", ".join(_ident(c, dialect) for c in table.primary_key)
        lines.append((f"PRIMARY KEY ({cols})", ""))
    for fk in table.foreign_keys:
        cols = ", ".join(_ident(c, dialect) for c in fk.columns)
        refs = ", ".join(_ident(c, dialect) for c in fk.ref_columns)
        lines.append((f"FOREIGN KEY ({cols}) REFERENCES {_ident(fk.ref_table, dialect)}({refs})", ""))
    body = []
    for i, (line, note) in enumerate(lines):
        comma = "," if i < len(lines) - 1 else ""
        body.append(f"  {line}{comma}" + (f" -- {note}" if note else ""))
    header = f"CREATE TABLE {_ident(table.name, dialect)} ("
    if table.comment:
        header = f"-- {_comment(table.comment)}\n" + header
    return header + "\n" + "\n".join(body) + "\n);"


def schema_ddl(schema: SchemaInfo, tables: list[str] | None = None, *, with_values: bool = True,
               compact: bool = False) -> str:
    """DDL for the named tables (all when None), in the schema's own order."""
    wanted = None if tables is None else {t.lower() for t in tables}
    chosen = [t for t in schema.tables if wanted is None or t.name.lower() in wanted]
    return "\n\n".join(table_ddl(t, schema.dialect, with_values=with_values, compact=compact) for t in chosen)
