"""Turn driver values into JSON-serialisable ones, the same way on every engine.

- None, bool, int, str: unchanged.
- float: unchanged when finite; NaN and infinities become the strings
  "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
- Decimal: float (charts and the model want numbers); a value a float cannot
  hold (beyond ~1e308) or a non-finite one becomes its string.
- datetime, date, time: ISO 8601 via isoformat().
- timedelta (MySQL TIME, PostgreSQL interval): "[-]HH:MM:SS[.ffffff]", hours
  may exceed 24.
- bytes, bytearray, memoryview: lowercase hex, no prefix.
- UUID, IP addresses, ranges and anything else unknown: str().
- dict, list, tuple, set (JSON columns, arrays, DuckDB structs): converted
  member by member; dict keys become strings.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE.get(value, "NaN")
    if isinstance(value, Decimal):
        if value.is_finite():
            as_float = float(value)
            if math.isfinite(as_float):
                return as_float
        return _decimal_text(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_timedelta(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return str(value)


def row_to_jsonable(row: Any) -> list[Any]:
    return [to_jsonable(v) for v in row]


def format_timedelta(value: dt.timedelta) -> str:
    micros = value.days * 86_400_000_000 + value.seconds * 1_000_000 + value.microseconds
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    seconds, fraction = divmod(micros, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{fraction:06d}" if fraction else text


def shorten(value: Any, limit: int = 120) -> Any:
    """A JSON value with long strings cut, for sample rows shown to a model."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    if isinstance(value, list):
        return [shorten(v, limit) for v in value[:20]]
    if isinstance(value, dict):
        return {k: shorten(v, limit) for k, v in list(value.items())[:20]}
    return value


def _decimal_text(value: Decimal) -> str:
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-Infinity" if value < 0 else "Infinity"
    return str(value)
