"""A chart suggestion chosen from the result's shape, as a Vega-Lite spec.

The rules are those a person would follow: one number is a figure, a label
with a number is a bar chart, a date with a number is a line, two numbers are
a scatter plot; anything else stays a table (None). An identifier (`id`,
`clinic_id`, `*_key`, `*_code`, or a key of the table it comes from) is a
label even when it is a number: never a measure, never a numeric axis.
"""

from __future__ import annotations

import re
from typing import Any, Collection

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?([ T]\d{2}:\d{2}(:\d{2})?)?$")
MAX_BARS = 50
_IDENTIFIER = re.compile(r"^(id|.*_(id|key|code))$", re.IGNORECASE)
_PERIOD_WORDS = {"year", "yr", "quarter", "qtr", "month", "mon", "week", "wk", "day", "dow", "weekday", "hour"}


def _is_period(column: str, values: list[Any]) -> bool:
    words = set(re.split(r"[^a-z]+", column.lower()))
    present = [v for v in values if v is not None]
    return bool(words & _PERIOD_WORDS) and bool(present) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() for v in present)


def _kind(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "empty"
    if all(isinstance(v, bool) for v in present):
        return "nominal"
    if all(isinstance(v, (int, float)) for v in present):
        return "quantitative"
    if all(isinstance(v, str) and _DATE.match(v) for v in present):
        return "temporal"
    return "nominal"


def is_identifier(column: str, keys: Collection[str] = ()) -> bool:
    """Named as an identifier, or one of `keys` (lower-cased key column names)."""
    return bool(_IDENTIFIER.match(column)) or column.lower() in keys


def suggest_chart(columns: list[str], rows: list[list[Any]], keys: Collection[str] = ()) -> dict[str, Any] | None:
    """`keys`: lower-cased names of result columns that carry a table's key
    (tables_read.key_columns)."""
    if not rows or not columns:
        return None
    kinds = [_kind([row[i] for row in rows]) for i in range(len(columns))]
    kinds = ["nominal" if k == "quantitative" and is_identifier(c, keys) else k for c, k in zip(columns, kinds)]
    data = {"values": [dict(zip(columns, row)) for row in rows]}
    base = {"$schema": VEGA_LITE, "data": data}
    if len(rows) == 1 and len(columns) == 1 and kinds[0] == "quantitative":
        return {**base, "mark": {"type": "text", "fontSize": 32}, "encoding": {"text": {"field": columns[0]}}}
    numeric = [i for i, k in enumerate(kinds) if k == "quantitative"]
    temporal = [i for i, k in enumerate(kinds) if k == "temporal"]
    nominal = [i for i, k in enumerate(kinds) if k == "nominal"]
    if temporal and numeric:
        x, y = columns[temporal[0]], columns[numeric[0]]
        return {**base, "mark": {"type": "line", "point": True},
                "encoding": {"x": {"field": x, "type": "temporal"}, "y": {"field": y, "type": "quantitative"}}}
    periods = [i for i in numeric if _is_period(columns[i], [row[i] for row in rows])]
    if periods and not nominal and len(numeric) >= 2:
        x = columns[periods[0]]
        y = next(columns[i] for i in numeric if i != periods[0])
        return {**base, "mark": {"type": "line", "point": True},
                "encoding": {"x": {"field": x, "type": "ordinal", "sort": "ascending"},
                             "y": {"field": y, "type": "quantitative"}}}
    if nominal and numeric and len(rows) <= MAX_BARS:
        x, y = columns[nominal[0]], columns[numeric[0]]
        return {**base, "mark": "bar",
                "encoding": {"x": {"field": x, "type": "nominal", "sort": "-y"},
                             "y": {"field": y, "type": "quantitative"}}}
    if len(numeric) >= 2 and not nominal:
        x, y = columns[numeric[0]], columns[numeric[1]]
        return {**base, "mark": "point",
                "encoding": {"x": {"field": x, "type": "quantitative"}, "y": {"field": y, "type": "quantitative"}}}
    return None


MARKS = ("bar", "line", "point")


def chart_as(columns: list[str], rows: list[list[Any]], mark: str, keys: Collection[str] = ()) -> dict[str, Any] | None:
    """The suggested chart drawn with `mark` instead ("as a line chart"); None when the rows have no
    two axes to draw (one number, a list of names)."""
    if mark not in MARKS:
        raise ValueError(f"no mark named {mark!r}; one of {', '.join(MARKS)}")
    spec = suggest_chart(columns, rows, keys)
    if spec is None or not {"x", "y"} <= set(spec.get("encoding", {})):
        return None
    x = dict(spec["encoding"]["x"])
    if mark != "bar" and x.get("sort") == "-y":
        x["sort"] = "ascending"  # a line or points follow the labels' order, not the bars' heights
    return {**spec, "mark": {"type": "line", "point": True} if mark == "line" else mark,
            "encoding": {**spec["encoding"], "x": x}}
