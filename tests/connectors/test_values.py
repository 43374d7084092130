"""Driver values become JSON values the same way on every engine."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import uuid
from decimal import Decimal

from connectors.values import format_timedelta, row_to_jsonable, shorten, to_jsonable


def test_scalars_convert_as_documented():
    assert to_jsonable(Decimal("12.50")) == 12.5
    assert to_jsonable(Decimal("1e400")) == "1E+400"
    assert to_jsonable(Decimal("NaN")) == "NaN"
    assert to_jsonable(float("inf")) == "Infinity"
    assert to_jsonable(float("-inf")) == "-Infinity"
    assert to_jsonable(float("nan")) == "NaN"
    assert to_jsonable(dt.date(2024, 2, 29)) == "2024-02-29"
    assert to_jsonable(dt.datetime(2024, 2, 29, 13, 5, 1)) == "2024-02-29T13:05:01"
    assert to_jsonable(dt.time(7, 30)) == "07:30:00"
    assert to_jsonable(b"\x00\xff") == "00ff"
    assert to_jsonable(memoryview(b"ab")) == "6162"
    assert to_jsonable(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert to_jsonable(ipaddress.ip_address("10.0.0.1")) == "10.0.0.1"
    assert to_jsonable(True) is True and to_jsonable(None) is None and to_jsonable(7) == 7


def test_timedelta_is_clock_text():
    assert format_timedelta(dt.timedelta(hours=10, minutes=30)) == "10:30:00"
    assert format_timedelta(dt.timedelta(days=1, seconds=5)) == "24:00:05"
    assert format_timedelta(-dt.timedelta(minutes=1, microseconds=5)) == "-00:01:00.000005"


def test_nested_values_and_rows_serialise():
    row = row_to_jsonable((1, {"a": Decimal("1.5"), 2: [dt.date(2024, 1, 1), b"\x01"]}, (1, 2)))
    assert row == [1, {"a": 1.5, "2": ["2024-01-01", "01"]}, [1, 2]]
    json.dumps(row, allow_nan=False)


def test_shorten_cuts_long_text_for_samples():
    assert shorten("x" * 500, 10) == "x" * 10 + "…"
    assert shorten(["y" * 50], 5) == ["yyyyy…"]
    assert shorten(3) == 3
