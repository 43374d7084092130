"""What to do about a database error, added to its message for the repair prompt.

Engines name what went wrong, not how to write it instead; a small model that
reads "aggregate function calls cannot be nested" tends to send the same
query back. Each entry pairs a message pattern (PostgreSQL, SQLite, MySQL,
DuckDB wordings) with the rewrite that resolves it.
"""

from __future__ import annotations

import re

_KNOWN: list[tuple[str, str]] = [  # (message pattern, case-insensitive; advice)
    (r"aggregate function calls cannot be nested|misuse of aggregate|invalid use of group function"
     r"|aggregate function calls cannot contain",
     "compute the inner aggregate per group in a subquery (SELECT <grouping column>, COUNT(*) AS n FROM "
     "<table> GROUP BY <grouping column>) and aggregate n in the outer query"),
    (r"more than one row returned by a subquery|subquery returns more than 1 row",
     "use IN instead of =, or make the subquery return one row (an aggregate such as MIN(), or LIMIT 1)"),
    (r"function .*(extract|date_trunc|date_part)\(unknown, (bigint|integer|numeric|double precision)\)",
     "that value is a number, not a date or an interval (date - date is already a number of days): "
     "use it directly"),
    (r"must appear in the GROUP BY clause|not in GROUP BY|isn't in GROUP BY",
     "add that column to GROUP BY, or wrap it in an aggregate such as MIN() or MAX()"),
    (r"invalid input syntax for type (integer|bigint|smallint|numeric|double precision|real|boolean)",
     "a column of that type is compared with a text literal; compare it with a value of its own type "
     "(see its values in the schema)"),
    (r"function .*(extract|date_trunc|date_part)\(unknown, (text|character varying)\)",
     "that column is text, not a date; use it as text (its values are in the schema), or cast it "
     "with ::date if it holds dates"),
    (r"operator does not exist: (date|timestamp[^ ]*|interval) [<>=!]+ (numeric|integer|text)",
     "compare a date with a date: a literal like DATE '2023-01-01', or col + INTERVAL '1 year'"),
    (r"operator does not exist: (text|character varying) [<>=!+-]+ (date|timestamp|interval)",
     "that column is text; cast it with ::date when it holds dates, or compare it with text"),
    (r"exactly one statement may run|expected one statement",
     "write a single SELECT that returns every number asked for: GROUP BY the column that tells them "
     "apart, or one scalar subquery per number in one SELECT list"),
]
_ADVICE = [(re.compile(pattern, re.IGNORECASE), advice) for pattern, advice in _KNOWN]


def advise(message: str) -> str:
    """`message`, followed by what to do about it where the error is a known one."""
    for pattern, advice in _ADVICE:
        if pattern.search(message):
            return f"{message}. To fix it: {advice}."
    return message
