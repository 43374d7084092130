"""A text column of ISO dates used as a date in PostgreSQL or DuckDB.

Those engines have no date functions on text: a text column holding ISO
dates, used where a date is needed, is cast (`EXTRACT(YEAR FROM
start_dt::DATE)`).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import date_operands
from assistant.sqlgen.analysis.values import iso_date_kind
from assistant.sqlgen.rules.base import RuleContext

_TEXT_TYPES = ("TEXT", "CHAR", "STRING", "CLOB")


def _text_date_cast(node: exp.Expression, context: RuleContext) -> str | None:
    """DATE or TIMESTAMP when `node` is a text column whose values are ISO dates."""
    if not isinstance(node, exp.Column):
        return None
    infos = context.scopes.resolve(node)
    for info in infos or []:
        column = info.column(node.name)
        if column is None:
            continue
        if not any(word in (column.type or "").upper() for word in _TEXT_TYPES):
            return None
        return iso_date_kind(info, column)
    return None


def text_dates(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    if dialect not in ("postgres", "duckdb"):
        return []
    notes = []
    seen = set()
    for node in date_operands(tree):
        if id(node) in seen or node.parent is None:
            continue
        seen.add(id(node))
        kind = _text_date_cast(node, context)
        if kind is None:
            continue
        notes.append(f"{node.sql(dialect=dialect)} read as {kind}")
        node.replace(exp.cast(node.copy(), exp.DataType.build(kind)))
    return notes
