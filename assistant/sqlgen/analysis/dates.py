"""How dates are written, formatted and compared in a query.

SQLite keeps dates as text and formats them with strftime; PostgreSQL and
DuckDB need real dates. The date rules share these readings of the tree:
which calls format a date and into what shape, which expressions must be
dates, and which values are dates kept as text.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlglot import exp

from assistant.sqlgen.analysis.scope import Scopes
from assistant.sqlgen.analysis.values import holds_iso_dates

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)  # always a number in SQLite

# Directives whose output has a fixed shape, rendered on one sample moment.
_SAMPLE = datetime(2023, 4, 1, 9, 5, 7)
_FIXED = set("YmdHMSjW")
_DIRECTIVE = re.compile(r"%(.)")
# strftime formats that yield one number ('%Y' - 1 is a fine year in SQLite).
_ONE_NUMBER = re.compile(r"^%[YmdHMSsJjwW]$")


def format_of(node: exp.Expression) -> str | None:
    """The format of a strftime-like call whose output has a fixed shape, else None."""
    if not isinstance(node, exp.TimeToStr):
        return None
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return None
    if not all(d in _FIXED for d in _DIRECTIVE.findall(fmt.this)):
        return None
    return fmt.this


def shape(text: str) -> str:
    """'2023-04' -> '9999-99'."""
    return re.sub(r"\d", "9", text)


def sample(fmt: str) -> str:
    """What `fmt` gives for one sample moment ('%Y-%m' -> '2023-04')."""
    return _SAMPLE.strftime(fmt)


def formatted_comparisons(tree: exp.Expression):
    """(formatted date, literal, the node holding both) for each comparison."""
    for node in tree.find_all(*COMPARISONS):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            if format_of(side) and isinstance(other, exp.Literal):
                yield side, other, node
    for node in tree.find_all(exp.Between, exp.In):
        if not format_of(node.this):
            continue
        literals = ([node.args.get("low"), node.args.get("high")] if isinstance(node, exp.Between)
                    else node.expressions)
        for literal in literals:
            if isinstance(literal, exp.Literal):
                yield node.this, literal, node


def is_date_text_call(node: exp.Expression) -> bool:
    """A call whose value is a date as text in SQLite: date(), datetime(), strftime() with
    a format that is more than one number, CURRENT_DATE."""
    if isinstance(node, exp.TimeToStr):
        fmt = node.args.get("format")
        return not (isinstance(fmt, exp.Literal) and _ONE_NUMBER.match(fmt.this))
    return isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.CurrentDate, exp.CurrentTimestamp)) or (
        isinstance(node, exp.Anonymous) and node.name.upper() in ("DATE", "DATETIME"))


def _is_date_column(column: exp.Column, scopes: Scopes) -> bool:
    info, found = scopes.column_of(column)
    if found is None:
        return False
    return any(word in (found.type or "").upper() for word in ("DATE", "TIME")) or holds_iso_dates(info, found)


def is_date_text(node: exp.Expression, scopes: Scopes) -> bool:
    """A date call, or a column typed as a date or holding ISO dates."""
    return is_date_text_call(node) or (isinstance(node, exp.Column) and _is_date_column(node, scopes))


_DATE_TYPED = (exp.CurrentDate, exp.CurrentTimestamp, exp.Interval)


def _is_date_valued(node: exp.Expression) -> bool:
    if isinstance(node, _DATE_TYPED):
        return True
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    if isinstance(node, (exp.Add, exp.Sub)):
        return any(_is_date_valued(side) for side in (node.this, node.expression))
    return False


def date_operands(tree: exp.Expression) -> list[exp.Expression]:
    """Expressions that must be dates: EXTRACT/DATE_TRUNC arguments, interval arithmetic,
    and the other side of a comparison with a date."""
    found = []
    for node in tree.find_all(exp.Extract):
        found.append(node.expression)
    for node in tree.find_all(exp.TimestampTrunc, exp.DateTrunc, exp.TimeToStr):
        found.append(node.this)
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = [node.this, node.expression]
        if any(isinstance(s, exp.Interval) for s in sides):
            found += [s for s in sides if not isinstance(s, exp.Interval)]
        elif isinstance(node, exp.Sub):
            found += sides  # date - date; a number - number is left alone by the type check
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        sides = [node.this, node.expression]
        if any(_is_date_valued(s) for s in sides):
            found += sides
    return found
