"""Engine-neutral parts of introspection.

Each engine reads its catalog in a few bulk queries and hands the rows to
`assemble`. Sample rows and low-cardinality values are then read per table
with bounded queries built as sqlglot trees and sent through the guarded,
read-only path, and the optional data dictionary is merged into comments.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from .types import ColumnInfo, ConnectorError, ForeignKey, IndexInfo, TableInfo
from .values import shorten, to_jsonable

if TYPE_CHECKING:
    from .base import Connector

SAMPLE_ROWS = 3
VALUE_SCAN_ROWS = 1000  # rows read per table to find low-cardinality values
MAX_DISTINCT = 50
MAX_VALUE_CHARS = 100
SAMPLE_TIMEOUT_S = 5.0
SAMPLE_WORKERS = 4
SAMPLE_BUDGET_S = 60.0  # for all tables together; later tables go without samples

_TEXT_TYPE_WORDS = ("char", "text", "string", "clob", "enum", "citext")

Key = tuple[str | None, str]  # (schema, table)


def assemble(
    tables: Iterable[tuple[str | None, str, str, Any, str | None]],
    columns: Iterable[tuple[str | None, str, str, str, bool, str | None, str | None]],
    primary_keys: Iterable[tuple[str | None, str, list[str]]] = (),
    foreign_keys: Iterable[tuple[str | None, str, list[str], str | None, str, list[str]]] = (),
    indexes: Iterable[tuple[str | None, str, str, list[str], bool]] = (),
) -> list[TableInfo]:
    """Build TableInfo objects from catalog rows.

    tables:       (schema, name, kind "table"|"view", row_estimate, comment)
    columns:      (schema, table, name, type, nullable, default, comment), in order
    primary_keys: (schema, table, [columns])
    foreign_keys: (schema, table, [columns], ref_schema, ref_table, [ref_columns])
    indexes:      (schema, table, index name, [columns], unique)
    """
    by_key: dict[Key, TableInfo] = {}
    for schema, name, kind, estimate, comment in tables:
        by_key[(schema, name)] = TableInfo(
            name=name,
            columns=[],
            kind=kind,
            schema=schema,
            comment=comment or None,
            row_estimate=_as_count(estimate),
        )
    for schema, table, name, type_, nullable, default, comment in columns:
        info = by_key.get((schema, table))
        if info is not None:
            info.columns.append(
                ColumnInfo(
                    name=name,
                    type=type_ or "",
                    nullable=bool(nullable),
                    default=None if default is None else str(default),
                    comment=comment or None,
                )
            )
    for schema, table, cols in primary_keys:
        info = by_key.get((schema, table))
        if info is not None and cols:
            info.primary_key = list(cols)
            for column in info.columns:
                column.primary_key = column.name in info.primary_key
    for schema, table, cols, ref_schema, ref_table, ref_cols in foreign_keys:
        info = by_key.get((schema, table))
        if info is not None:
            target = ref_table if ref_schema in (None, schema) else f"{ref_schema}.{ref_table}"
            info.foreign_keys.append(ForeignKey(columns=list(cols), ref_table=target, ref_columns=list(ref_cols)))
    for schema, table, name, cols, unique in indexes:
        info = by_key.get((schema, table))
        if info is not None:
            info.indexes.append(IndexInfo(name=name, columns=list(cols), unique=bool(unique)))
    return sorted(by_key.values(), key=lambda t: (t.schema or "", t.name))


def is_text_type(type_: str) -> bool:
    lowered = type_.lower()
    return any(word in lowered for word in _TEXT_TYPE_WORDS) and "[]" not in lowered


def table_ref(table: TableInfo) -> exp.Table:
    return exp.table_(table.name, db=table.schema, quoted=True)


def add_samples(connector: Connector, tables: list[TableInfo]) -> None:
    """Sample rows, distinct values of low-cardinality text columns, and a
    row count where the engine gave no estimate and the table is small.

    Two bounded queries per table, in one read-only session; a table that
    cannot be read (privileges, a broken view, a timeout) is left without.
    A few tables at a time: the time goes to round trips, not to work.
    """
    deadline = time.monotonic() + SAMPLE_BUDGET_S
    with ThreadPoolExecutor(max_workers=SAMPLE_WORKERS) as pool:
        list(pool.map(lambda table: _sample(connector, table, deadline), tables))


def _sample(connector: Connector, table: TableInfo, deadline: float) -> None:
    if not table.columns or time.monotonic() > deadline:
        return
    timeout = min(connector.timeout_s, SAMPLE_TIMEOUT_S)
    text_columns = [c for c in table.columns if is_text_type(c.type)]
    scanned = text_columns or table.columns[:1]
    sample = exp.select("*").from_(table_ref(table)).limit(SAMPLE_ROWS)
    scan = (
        exp.select(*[exp.column(c.name, quoted=True) for c in scanned])
        .from_(table_ref(table))
        .limit(VALUE_SCAN_ROWS)
    )
    try:
        with connector.session(timeout) as handle:
            _, sample_rows, _ = connector.fetch(handle, sample, SAMPLE_ROWS)
            _, scan_rows, _ = connector.fetch(handle, scan, VALUE_SCAN_ROWS)
    except ConnectorError:
        return
    table.sample_rows = [[shorten(to_jsonable(v)) for v in row] for row in sample_rows]
    if table.row_estimate is None and len(scan_rows) < VALUE_SCAN_ROWS:
        table.row_estimate = len(scan_rows)
    for position, column in enumerate(text_columns):
        read = [row[position] for row in scan_rows]
        column.values = _low_cardinality(read)
        column.value_rows = sum(v is not None for v in read) if column.values else 0


def _low_cardinality(values: list[Any]) -> list[str] | None:
    distinct = {str(v) for v in values if v is not None}
    if not distinct or len(distinct) > MAX_DISTINCT:
        return None
    if any(len(v) > MAX_VALUE_CHARS for v in distinct):
        return None
    return sorted(distinct)


def merge_dictionary(tables: list[TableInfo], dictionary: dict | None) -> None:
    """Merge {"tables": {table: {"description", "columns": {col: text}}}} into
    comments. Keys match case-insensitively, as "table" or "schema.table";
    a database comment and a dictionary text are both kept."""
    entries = (dictionary or {}).get("tables") or {}
    if not isinstance(entries, dict):
        return
    lookup = {str(k).lower(): v for k, v in entries.items() if isinstance(v, dict)}
    for table in tables:
        entry = None
        if table.schema:
            entry = lookup.get(f"{table.schema}.{table.name}".lower())
        entry = entry or lookup.get(table.name.lower())
        if not entry:
            continue
        table.comment = _join(table.comment, entry.get("description"))
        columns = entry.get("columns") or {}
        if isinstance(columns, dict):
            notes = {str(k).lower(): v for k, v in columns.items()}
            for column in table.columns:
                column.comment = _join(column.comment, notes.get(column.name.lower()))


def _join(*texts: Any) -> str | None:
    parts: list[str] = []
    for text in texts:
        if isinstance(text, str) and text.strip() and text.strip() not in parts:
            parts.append(text.strip())
    return " — ".join(parts) or None


def _as_count(value: Any) -> int | None:
    if value is None:
        return None
    try:
        count = int(float(value))
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None
