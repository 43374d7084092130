"""SQLite: a date compared with a number.

SQLite has no date type: a date is text ('2023-01-05'), and text and numbers
do not compare by value: every number sorts before every text, so `date(d) <
2024` or `start_date >= strftime('%Y', d) - 1` on a column declared DATE
(numeric affinity, so the text stays text) holds for every row or for none.
A column declared TEXT turns the number into text first, which compares by
prefix, so it is left alone. The model is told what SQLite did.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import ARITHMETIC, COMPARISONS, is_date_text_call
from assistant.sqlgen.analysis.values import holds_iso_dates
from assistant.sqlgen.rules.base import RuleContext


def _text_affinity(declared: str) -> bool:
    """SQLite's affinity rules: a type naming CHAR, CLOB or TEXT (and no INT) has TEXT affinity."""
    upper = declared.upper()
    return "INT" not in upper and any(word in upper for word in ("CHAR", "CLOB", "TEXT"))


def _is_date_text(node: exp.Expression, context: RuleContext) -> bool:
    """Date text that a number is not turned into text for: a date column without TEXT
    affinity, or a date function's result (which has no affinity)."""
    if isinstance(node, exp.Column):
        tables = context.scopes.resolve(node) or []
        holders = [(t, c) for t in tables if (c := t.column(node.name)) is not None]
        return (len(holders) == 1 and holds_iso_dates(*holders[0])
                and not _text_affinity(holders[0][1].type or ""))
    return is_date_text_call(node)


def _is_number(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Literal) and node.is_number) or isinstance(node, ARITHMETIC)


def dates_against_numbers(tree: exp.Expression, context: RuleContext) -> list[str]:
    if context.dialect != "sqlite":
        return []
    problems = []
    for node in tree.find_all(*COMPARISONS):
        for date, number in ((node.this, node.expression), (node.expression, node.this)):
            # Arithmetic on a date itself is date_arithmetic's finding, not this one.
            operands = (number.this, number.expression) if isinstance(number, ARITHMETIC) else ()
            if _is_number(number) and _is_date_text(date, context) and not any(
                    _is_date_text(operand, context) for operand in operands):
                problems.append(
                    f"{node.sql(dialect='sqlite')} compares {date.sql(dialect='sqlite')}, a date that SQLite "
                    f"keeps as text, with the number {number.sql(dialect='sqlite')}; SQLite sorts every number "
                    f"before every text, so this holds for every row or for none. Compare a date with a date "
                    f"(date(col, '-1 year'), '2023-01-01') or a year with a year "
                    f"(CAST(strftime('%Y', col) AS INTEGER))")
                break
    return problems
