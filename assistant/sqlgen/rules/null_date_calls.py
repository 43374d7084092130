"""SQLite: a date call on constants that SQLite answers with NULL.

SQLite's date functions answer NULL, not an error, for a value or modifier
they cannot read (`strftime('%Y', 'now()')`, `date('now', '+1 quarter')`), so
every comparison with them is false. Such calls are evaluated in an empty
in-memory database and, when NULL, go back to the model with what SQLite
reads.
"""

from __future__ import annotations

import sqlite3

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

_DATE_FUNCTIONS = ("DATE(", "TIME(", "DATETIME(", "JULIANDAY(", "STRFTIME(", "UNIXEPOCH(")


def _date_call(node: exp.Expression) -> bool:
    return isinstance(node, exp.Func) and node.sql(dialect="sqlite").upper().startswith(_DATE_FUNCTIONS)


def _constant(node: exp.Expression) -> bool:
    return node.find(exp.Column, exp.Select, exp.Placeholder, exp.Parameter) is None


def _evaluate(sql: str):
    with sqlite3.connect(":memory:") as con:
        return con.execute(f"SELECT {sql}").fetchone()[0]


def _ancestors(node: exp.Expression):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def null_date_calls(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Date function calls on constants only that SQLite itself answers with NULL."""
    if context.dialect != "sqlite":
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
