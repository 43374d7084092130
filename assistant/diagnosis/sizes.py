"""How big a table is: the catalog's estimate, or a bounded COUNT(*) when the catalog has none."""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis.context import Context
from connectors.types import ConnectorError, TableInfo

# From this many rows on, a full scan or a per-row subquery costs enough to report.
LARGE_TABLE_ROWS = 10_000
# Below this, an index is not worth suggesting.
INDEX_WORTH_ROWS = 2_000


def table_rows(ctx: Context, table: TableInfo | None) -> int | None:
    if table is None:
        return None
    cache = ctx.notes.setdefault("rows", {})
    key = (table.schema, table.name)
    if key not in cache:
        rows = table.row_estimate if table.row_estimate is not None and table.row_estimate >= 0 else None
        if rows is None and ctx.connector is not None and table.kind == "table":
            rows = _count(ctx, table)
        cache[key] = rows
    return cache[key]


def _count(ctx: Context, table: TableInfo) -> int | None:
    node = exp.Table(this=exp.to_identifier(table.name, quoted=True),
                     db=exp.to_identifier(table.schema, quoted=True) if table.schema else None)
    query = exp.select(exp.Count(this=exp.Star())).from_(node)
    try:
        result = ctx.connector.run(query.sql(dialect=ctx.engine_dialect), row_limit=1,
                                   timeout_s=min(3.0, ctx.timeout_s))
        return int(result.rows[0][0])
    except (ConnectorError, ValueError, TypeError, IndexError):
        return None


def is_large(ctx: Context, table: TableInfo | None) -> bool:
    rows = table_rows(ctx, table)
    return rows is not None and rows >= LARGE_TABLE_ROWS
