"""SQLite: arithmetic on a date.

SQLite keeps dates as text: '2023-01-05' + 10 is 2033, not ten days later,
and one date minus another is the difference of their years. Both run and
answer wrong; the model is told how SQLite moves dates and counts days.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import is_date_text
from assistant.sqlgen.rules.base import RuleContext


def date_arithmetic(tree: exp.Expression, context: RuleContext) -> list[str]:
    if context.dialect != "sqlite":
        return []
    problems = []
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = (node.this, node.expression)
        both_dates = isinstance(node, exp.Sub) and all(is_date_text(s, context.scopes) for s in sides)
        if both_dates or any(isinstance(s, exp.Literal) and s.is_number for s in sides) and any(
                is_date_text(s, context.scopes) for s in sides):
            problems.append(f"{node.sql(dialect='sqlite')} does arithmetic on a date, which SQLite stores as "
                            "text; write date(col, '+10 days') to move a date, julianday(a) - julianday(b) "
                            "for the days between two dates")
    return problems
