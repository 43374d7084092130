"""An integer column of UNIX times used as a date.

PostgreSQL has no EXTRACT(MONTH FROM bigint), and SQLite reads strftime('%m',
1577836800) as a Julian day and answers nonsense without a word: such a
column, used as a date, is read as a UNIX time (`to_timestamp(c)`,
`datetime(c, 'unixepoch')`).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import date_operands
from assistant.sqlgen.analysis.values import holds_epoch_seconds
from assistant.sqlgen.rules.base import RuleContext

# SQLite date functions whose first argument is a time value; a number there is
# read as a Julian day unless the 'unixepoch' modifier follows it.
_SQLITE_TIME_FUNCTIONS = {"DATE", "TIME", "DATETIME", "JULIANDAY", "UNIXEPOCH", "STRFTIME"}


def _epoch_column(node: exp.Expression, context: RuleContext) -> bool:
    if not isinstance(node, exp.Column):
        return False
    for info in context.scopes.resolve(node) or []:
        column = info.column(node.name)
        if column is not None:
            return holds_epoch_seconds(info, column)
    return False


def _sqlite_time_arguments(tree: exp.Expression) -> list[exp.Expression]:
    found = []
    for node in tree.find_all(exp.TimeToStr, exp.Date, exp.TsOrDsToTimestamp, exp.Anonymous):
        if isinstance(node, exp.Anonymous):
            if node.name.upper() in _SQLITE_TIME_FUNCTIONS and node.expressions and not any(
                    isinstance(e, exp.Literal) and e.this.lower() == "unixepoch" for e in node.expressions):
                found.append(node.expressions[0])
        elif isinstance(node, exp.Date) and node.expressions:
            continue  # date(x, modifiers...): the modifiers say how x is read
        else:
            found.append(node.this)
    return found


def epoch_seconds(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    if dialect == "sqlite":
        operands = _sqlite_time_arguments(tree)
    elif dialect in ("postgres", "duckdb"):
        # Not `a - b` of two such columns: a difference of UNIX times is a number of seconds.
        operands = [node for node in date_operands(tree)
                    if not (isinstance(node.parent, exp.Sub) and not any(
                        isinstance(side, exp.Interval) for side in (node.parent.this, node.parent.expression)))]
    else:
        return []
    notes = []
    seen = set()
    for node in operands:
        if id(node) in seen or node.parent is None or not _epoch_column(node, context):
            continue
        seen.add(id(node))
        if dialect == "sqlite":
            replacement = exp.Anonymous(this="DATETIME", expressions=[node.copy(), exp.Literal.string("unixepoch")])
        else:
            replacement = exp.UnixToTime(this=node.copy())
        notes.append(f"{node.sql(dialect=dialect)} read as UNIX time")
        node.replace(replacement)
    return notes
