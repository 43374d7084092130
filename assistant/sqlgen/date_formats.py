"""Comparisons of a formatted date with a literal of another shape.

`strftime('%Y', d)` gives text like '2023': compared with the number 2023 it is
never equal in SQLite (text and integer never are), with '4' for April it never
matches '04', and with '2023-01-01' it compares a year with a day. The database
answers each with no rows and no error. The first two have one right form and
are fixed; the third needs the model to say what it meant. Compared with
arithmetic (`strftime('%Y', d) < strftime('%Y', 'now') - 1`) the text is never
less than the number in SQLite: the year is read as the number it is.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlglot import exp

# Directives whose output has a fixed shape, rendered on one sample moment.
_SAMPLE = datetime(2023, 4, 1, 9, 5, 7)
_FIXED = set("YmdHMSjW")
_DIRECTIVE = re.compile(r"%(.)")
_DATE_LIKE = re.compile(r"^[\d:\- T./]+$")
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)  # always a number in SQLite


def _format_of(node: exp.Expression) -> str | None:
    if not isinstance(node, exp.TimeToStr):
        return None
    fmt = node.args.get("format")
    if not isinstance(fmt, exp.Literal) or not fmt.is_string:
        return None
    if not all(d in _FIXED for d in _DIRECTIVE.findall(fmt.this)):
        return None
    return fmt.this


def _shape(text: str) -> str:
    return re.sub(r"\d", "9", text)


def _sample(fmt: str) -> str:
    return _SAMPLE.strftime(fmt)


def _pairs(tree: exp.Expression):
    """(formatted date, literal, the node holding both) for each comparison."""
    for node in tree.find_all(*COMPARISONS):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            if _format_of(side) and isinstance(other, exp.Literal):
                yield side, other, node
    for node in tree.find_all(exp.Between, exp.In):
        if not _format_of(node.this):
            continue
        literals = ([node.args.get("low"), node.args.get("high")] if isinstance(node, exp.Between)
                    else node.expressions)
        for literal in literals:
            if isinstance(literal, exp.Literal):
                yield node.this, literal, node


def fix_format_literals(tree: exp.Expression, dialect: str) -> list[str]:
    """`strftime('%Y', d) = 2023` -> `= '2023'`; `strftime('%m', d) = '4'` -> `= '04'`."""
    notes = []
    for formatted, literal, _node in list(_pairs(tree)):
        fmt = _format_of(formatted)
        expected = _shape(_sample(fmt))
        text = literal.this
        if not text.isdigit() or (literal.is_string and _shape(text) == expected):
            continue
        padded = text.zfill(len(expected)) if set(expected) == {"9"} else text
        if _shape(padded) != expected:
            continue  # another shape: a question for the model (format_shape_problems)
        fixed = exp.Literal.string(padded)
        notes.append(f"{literal.sql(dialect=dialect)} compared with {formatted.sql(dialect=dialect)} -> "
                     f"{fixed.sql(dialect=dialect)}")
        literal.replace(fixed)
    return notes


def fix_format_arithmetic(tree: exp.Expression, dialect: str) -> list[str]:
    """SQLite: `strftime('%Y', d) < x - 1` -> `CAST(strftime('%Y', d) AS INTEGER) < x - 1`."""
    if dialect != "sqlite":
        return []
    notes = []
    for node in list(tree.find_all(*COMPARISONS)):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            fmt = _format_of(side)
            if fmt and _sample(fmt).isdigit() and isinstance(other, ARITHMETIC):
                number = exp.cast(side.copy(), exp.DataType.build("INTEGER"))
                notes.append(f"{side.sql(dialect=dialect)} compared with the number {other.sql(dialect=dialect)} "
                             f"-> {number.sql(dialect=dialect)}")
                side.replace(number)
                break
    return notes


def format_shape_problems(tree: exp.Expression, dialect: str) -> list[str]:
    """A formatted date compared with a date-like literal of another shape."""
    problems, seen = [], set()
    for formatted, literal, node in _pairs(tree):
        fmt = _format_of(formatted)
        text = literal.this
        if id(node) in seen or not _DATE_LIKE.match(text) or _shape(text) == _shape(_sample(fmt)):
            continue
        seen.add(id(node))
        problems.append(
            f"{node.sql(dialect=dialect)} compares {formatted.sql(dialect=dialect)}, which gives values like "
            f"'{_sample(fmt)}', with '{text}', so it never matches as meant; compare the date itself with "
            f"'{text}', or compare with a value shaped like '{_sample(fmt)}'")
    return problems
