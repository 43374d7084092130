"""What an answer's SQL computes that is known to go wrong more often: a division (a ratio,
a share, a rate) and date arithmetic (dates are text in SQLite and differ in every dialect).
Read by the confidence score; neither is a fault in itself."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

_DATE_NODES = (exp.TimeToStr, exp.StrToTime, exp.Date, exp.TsOrDsToDate, exp.DateAdd, exp.DateSub, exp.DateDiff,
               exp.DateTrunc, exp.TimestampTrunc, exp.CurrentDate, exp.CurrentTimestamp, exp.Extract,
               exp.Interval, exp.DatetimeAdd, exp.DatetimeSub, exp.TimeStrToTime, exp.UnixToTime, exp.StrToDate)
_DATE_CALLS = {"DATE", "DATETIME", "TIME", "STRFTIME", "JULIANDAY", "UNIXEPOCH", "NOW", "DATE_PART", "AGE"}


@dataclass(frozen=True)
class Shape:
    divides: bool = False
    dates: bool = False


def shape_of(sql: str | None, dialect: str) -> Shape:
    if not sql:
        return Shape()
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return Shape()
    dates = tree.find(*_DATE_NODES) is not None or any(
        node.name.upper() in _DATE_CALLS for node in tree.find_all(exp.Anonymous))
    return Shape(divides=tree.find(exp.Div, exp.IntDiv) is not None, dates=dates)
