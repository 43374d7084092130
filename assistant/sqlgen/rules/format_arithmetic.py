"""SQLite: a formatted year compared with arithmetic.

`strftime('%Y', d) < strftime('%Y', 'now') - 1` compares text with a number,
and in SQLite text is never less than a number: the year is read as the
number it is (`CAST(strftime('%Y', d) AS INTEGER)`).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import ARITHMETIC, COMPARISONS, format_of, sample
from assistant.sqlgen.rules.base import RuleContext


def format_arithmetic(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    if dialect != "sqlite":
        return []
    notes = []
    for node in list(tree.find_all(*COMPARISONS)):
        for side, other in ((node.this, node.expression), (node.expression, node.this)):
            fmt = format_of(side)
            if fmt and sample(fmt).isdigit() and isinstance(other, ARITHMETIC):
                number = exp.cast(side.copy(), exp.DataType.build("INTEGER"))
                notes.append(f"{side.sql(dialect=dialect)} compared with the number {other.sql(dialect=dialect)} "
                             f"-> {number.sql(dialect=dialect)}")
                side.replace(number)
                break
    return notes
