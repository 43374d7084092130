"""SQLite: one date minus another.

In SQLite a date is text, and one date minus another subtracts the years at
the front of the two texts. The days between them are julianday(a) -
julianday(b), and a day has 24 hours, 1,440 minutes, 86,400 seconds. Small
models keep the subtraction even when told, and forget the factor, so both
are written in for the one unit the question asks for; a calendar unit
(years, months) is left to the model, told (date_arithmetic).
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.analysis.dates import is_date_text
from assistant.sqlgen.rules.base import RuleContext

_UNIT = re.compile(r"\b(years?|months?|weeks?|quarters?|days?|hours?|minutes?|seconds?)\b", re.IGNORECASE)
_PER_DAY = {"day": 1, "hour": 24, "minute": 1440, "second": 86400}


def _asked_unit(question: str) -> str | None:
    """The one unit of time the question names ('day' when it names none); None when it
    names several, or a calendar unit (years, months) that no fixed factor gives."""
    units = {unit.lower().rstrip("s") for unit in _UNIT.findall(question)}
    if not units:
        return "day"
    unit = units.pop() if len(units) == 1 else None
    return unit if unit in _PER_DAY else None


def _is_julianday(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.upper() == "JULIANDAY"


def _scaled(node: exp.Expression) -> bool:
    """Whether the value is already multiplied or divided (by 24, 86400, ...)."""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, (exp.Mul, exp.Div))


def days_between_dates(tree: exp.Expression, context: RuleContext) -> list[str]:
    unit = _asked_unit(context.question)
    if context.dialect != "sqlite" or unit is None:
        return []
    notes = []
    for node in list(tree.find_all(exp.Sub)):
        if all(is_date_text(side, context.scopes) for side in (node.this, node.expression)):
            days = exp.Sub(this=exp.Anonymous(this="julianday", expressions=[node.this.copy()]),
                           expression=exp.Anonymous(this="julianday", expressions=[node.expression.copy()]))
            notes.append(f"days between dates: {node.sql(dialect='sqlite')} -> {days.sql(dialect='sqlite')}")
            node.replace(days)
    if unit == "day":
        return notes
    for node in list(tree.find_all(exp.Sub)):
        if _is_julianday(node.this) and _is_julianday(node.expression) and not _scaled(node):
            scaled = exp.Mul(this=exp.Paren(this=node.copy()), expression=exp.Literal.number(_PER_DAY[unit]))
            notes.append(f"days to {unit}s: {node.sql(dialect='sqlite')} -> {scaled.sql(dialect='sqlite')}")
            node.replace(scaled)
    return notes
