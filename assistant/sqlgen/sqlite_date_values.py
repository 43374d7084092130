"""Dates in SQLite that quietly stop being dates.

SQLite has no date type: a date is text ('2023-01-05'), and its date
functions answer NULL, not an error, for a value or modifier they cannot read
(`strftime('%Y', 'now()')`, `date('now', '+1 quarter')`). Text and numbers
do not compare by value either: every number sorts before every text, so
`date(d) < 2024` or `start_date >= strftime('%Y', d) - 1` on a column declared
DATE (numeric affinity, so the text stays text) holds for every row or for
none. A column declared TEXT turns the number into text first, which compares
by prefix, so it is left alone. Both run and answer wrong; each goes back to
the model with what SQLite did.
"""

from __future__ import annotations

import sqlite3

from sqlglot import exp

from assistant.sqlgen.date_formats import ARITHMETIC, COMPARISONS
from assistant.sqlgen.scope import resolve_tables
from assistant.sqlgen.semantic_checks import is_date_text_call
from assistant.sqlgen.value_shapes import holds_iso_dates
from connectors.types import SchemaInfo

_DATE_FUNCTIONS = ("DATE(", "TIME(", "DATETIME(", "JULIANDAY(", "STRFTIME(", "UNIXEPOCH(")


def _date_call(node: exp.Expression) -> bool:
    return isinstance(node, exp.Func) and node.sql(dialect="sqlite").upper().startswith(_DATE_FUNCTIONS)


def _constant(node: exp.Expression) -> bool:
    return node.find(exp.Column, exp.Select, exp.Placeholder, exp.Parameter) is None


def _evaluate(sql: str):
    with sqlite3.connect(":memory:") as con:
        return con.execute(f"SELECT {sql}").fetchone()[0]


def null_date_calls(tree: exp.Expression, dialect: str) -> list[str]:
    """Date function calls on constants only that SQLite itself answers with NULL."""
    if dialect != "sqlite":
        return []
    calls = [node for node in tree.find_all(exp.Func) if _date_call(node) and _constant(node)]
    problems = []
    for node in calls:
        if any(parent is call for parent in _ancestors(node) for call in calls):
            continue  # the outermost constant call speaks for its arguments
        sql = node.sql(dialect="sqlite")
        try:
            value = _evaluate(sql)
        except sqlite3.Error:
            continue  # not ours to judge: the database will answer
        if value is None:
            problems.append(f"{sql} is NULL in SQLite: it reads only time values such as 'now', '2023-01-05' "
                            f"or '2023-01-05 10:00:00' and modifiers such as '-1 year', '+7 days' or "
                            f"'start of month', so every comparison with it is false")
    return problems


def _ancestors(node: exp.Expression):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _text_affinity(declared: str) -> bool:
    """SQLite's affinity rules: a type naming CHAR, CLOB or TEXT (and no INT) has TEXT affinity."""
    upper = declared.upper()
    return "INT" not in upper and any(word in upper for word in ("CHAR", "CLOB", "TEXT"))


def _is_date_text(node: exp.Expression, schema: SchemaInfo) -> bool:
    """Date text that a number is not turned into text for: a date column without TEXT
    affinity, or a date function's result (which has no affinity)."""
    if isinstance(node, exp.Column):
        tables = resolve_tables(node, schema) or []
        holders = [(t, c) for t in tables if (c := t.column(node.name)) is not None]
        return (len(holders) == 1 and holds_iso_dates(*holders[0])
                and not _text_affinity(holders[0][1].type or ""))
    return is_date_text_call(node)


def _is_number(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Literal) and node.is_number) or isinstance(node, ARITHMETIC)


def dates_against_numbers(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """A date (text in SQLite) compared with a number: true for every row or for none."""
    if schema.dialect != "sqlite":
        return []
    problems = []
    for node in tree.find_all(*COMPARISONS):
        for date, number in ((node.this, node.expression), (node.expression, node.this)):
            # Arithmetic on a date itself is date_arithmetic's finding, not this one.
            operands = (number.this, number.expression) if isinstance(number, ARITHMETIC) else ()
            if _is_number(number) and _is_date_text(date, schema) and not any(
                    _is_date_text(operand, schema) for operand in operands):
                problems.append(
                    f"{node.sql(dialect='sqlite')} compares {date.sql(dialect='sqlite')}, a date that SQLite "
                    f"keeps as text, with the number {number.sql(dialect='sqlite')}; SQLite sorts every number "
                    f"before every text, so this holds for every row or for none. Compare a date with a date "
                    f"(date(col, '-1 year'), '2023-01-01') or a year with a year "
                    f"(CAST(strftime('%Y', col) AS INTEGER))")
                break
    return problems
