"""A formatted date compared with a date-like literal of another shape.

`strftime('%Y', d) = '2023-01-01'` compares a year with a day: it never
matches, and only the model can say which was meant.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.analysis.dates import format_of, formatted_comparisons, sample, shape
from assistant.sqlgen.rules.base import RuleContext

_DATE_LIKE = re.compile(r"^[\d:\- T./]+$")


def format_shapes(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    problems, seen = [], set()
    for formatted, literal, node in formatted_comparisons(tree):
        fmt = format_of(formatted)
        text = literal.this
        if id(node) in seen or not _DATE_LIKE.match(text) or shape(text) == shape(sample(fmt)):
            continue
        seen.add(id(node))
        problems.append(
            f"{node.sql(dialect=dialect)} compares {formatted.sql(dialect=dialect)}, which gives values like "
            f"'{sample(fmt)}', with '{text}', so it never matches as meant; compare the date itself with "
            f"'{text}', or compare with a value shaped like '{sample(fmt)}'")
    return problems
