"""Grouping "by month" on the raw date.

"Departures for each month" grouped by `departure_time` makes one group per
distinct moment, not per month: small models forget to cut the date down to
the period. A question naming a period (month, year, week, quarter) whose
query groups by a bare column holding dates or times goes back to the model
once, as a doubt, with the dialect's way to take the period.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.analysis.values import holds_epoch_seconds, iso_date_kind
from assistant.sqlgen.rules.base import RuleContext

# "each month", "per year", "which month", "monthly": a period asked for, not one named as a filter ("in 2021").
_PERIOD = re.compile(r"\b(?:each|every|per|by|which|what)\s+(month|year|week|quarter)\b"
                     r"|\b(month|year|week|quarter)ly\b|\b(annual)(?:ly)?\b", re.IGNORECASE)
_DATE_TYPES = ("DATE", "TIME")  # DATE, DATETIME, TIMESTAMP, TIMESTAMPTZ


def _period(question: str) -> str | None:
    match = _PERIOD.search(question)
    if match is None:
        return None
    period = next(group for group in match.groups() if group).lower()
    return "year" if period == "annual" else period


def _holds_moments(ref: exp.Column, context: RuleContext) -> str | None:
    """'epoch' for UNIX seconds, 'date' for dates and times, None for anything else."""
    for info in context.scopes.resolve(ref) or []:
        column = info.column(ref.name)
        if column is None:
            continue
        if holds_epoch_seconds(info, column):
            return "epoch"
        if any(kind in (column.type or "").upper() for kind in _DATE_TYPES) or iso_date_kind(info, column):
            return "date"
    return None


def _hint(column: str, period: str, kind: str, dialect: str) -> str:
    if dialect == "sqlite":
        value = f"{column}, 'unixepoch'" if kind == "epoch" else column
        if period == "quarter":
            return f"strftime('%Y', {value}) || '-Q' || ((CAST(strftime('%m', {value}) AS INTEGER) + 2) / 3)"
        formats = {"month": "%Y-%m", "year": "%Y", "week": "%Y-%W"}
        return f"strftime('{formats[period]}', {value})"
    if dialect in ("mysql", "mariadb"):
        value = f"FROM_UNIXTIME({column})" if kind == "epoch" else column
        return f"DATE_FORMAT({value}, '%Y-%m')" if period == "month" else f"{period.upper()}({value})"
    value = f"TO_TIMESTAMP({column})" if kind == "epoch" else column
    return f"DATE_TRUNC('{period}', {value})"


def period_groups(tree: exp.Expression, context: RuleContext) -> list[str]:
    schema = context.schema
    period = _period(context.question)
    if period is None:
        return []
    for group in tree.find_all(exp.Group):
        for key in group.expressions:
            if not isinstance(key, exp.Column):
                continue
            kind = _holds_moments(key, context)
            if kind is not None:
                column = key.sql(dialect=schema.dialect)
                return [f"the question asks per {period}, but GROUP BY {column} makes one group per distinct "
                        f"{'time' if kind == 'epoch' else 'date'}: group by the {period}, "
                        f"e.g. {_hint(column, period, kind, schema.dialect)}"]
    return []
