"""A formatted date compared with a literal of the right meaning but the wrong shape.

`strftime('%Y', d)` gives text like '2023': compared with the number 2023 it
is never equal in SQLite (text and integer never are), and `strftime('%m', d)`
never matches '4' for April. The database answers with no rows and no error;
each has one right form (`= '2023'`, `= '04'`).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.dates import format_of, formatted_comparisons, sample, shape
from assistant.sqlgen.rules.base import RuleContext


def format_literals(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    notes = []
    for formatted, literal, _node in list(formatted_comparisons(tree)):
        fmt = format_of(formatted)
        expected = shape(sample(fmt))
        text = literal.this
        if not text.isdigit() or (literal.is_string and shape(text) == expected):
            continue
        padded = text.zfill(len(expected)) if set(expected) == {"9"} else text
        if shape(padded) != expected:
            continue  # another shape: a question for the model (format_shapes)
        fixed = exp.Literal.string(padded)
        notes.append(f"{literal.sql(dialect=dialect)} compared with {formatted.sql(dialect=dialect)} -> "
                     f"{fixed.sql(dialect=dialect)}")
        literal.replace(fixed)
    return notes
