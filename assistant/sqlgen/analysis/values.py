"""What a column's stored values look like, read from introspection's samples.

A column typed TEXT may hold dates ('2023-01-05'), one typed INTEGER may hold
UNIX times (1577836800); the checks and fixes that treat such a column as a
date look here.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.types import ColumnInfo, TableInfo
from knowledge.text import calendar_name_kind

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def seen_values(table: TableInfo, column: ColumnInfo) -> list[Any]:
    """Non-null values introspection saw: a few distinct ones and the sample rows."""
    position = table.columns.index(column)
    seen = list(column.values or [])[:3] + [row[position] for row in table.sample_rows if position < len(row)]
    return [v for v in seen if v is not None]


def holds_iso_dates(table: TableInfo, column: ColumnInfo) -> bool:
    seen = seen_values(table, column)
    return bool(seen) and all(isinstance(v, str) and _ISO_DATE.match(v) for v in seen)


def iso_date_kind(table: TableInfo, column: ColumnInfo) -> str | None:
    """DATE or TIMESTAMP for a column of ISO date strings, else None."""
    if not holds_iso_dates(table, column):
        return None
    return "TIMESTAMP" if any(_ISO_DATE_TIME.match(v) for v in seen_values(table, column)) else "DATE"


# UNIX seconds from 1973-03-03 to 2286-11-20: ten-digit integers, which ids,
# counts, money and years in practice are not.
_EPOCH_SECONDS = range(10**8, 10**10)


def holds_epoch_seconds(table: TableInfo, column: ColumnInfo) -> bool:
    """An integer column whose values are all UNIX times in seconds."""
    if "INT" not in (column.type or "").upper():
        return False
    seen = seen_values(table, column)
    return bool(seen) and all(isinstance(v, int) and v in _EPOCH_SECONDS for v in seen)


def holds_calendar_names(table: TableInfo, column: ColumnInfo) -> str | None:
    """'month' or 'day' for a text column whose values are all month or weekday names."""
    kinds = {calendar_name_kind(v) for v in seen_values(table, column)}
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None
