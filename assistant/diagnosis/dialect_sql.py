"""The SQL a diagnosis shows as advice, in the connection's own dialect.

Advice SQL (a CREATE INDEX, a rewritten query) is rendered from a tree by
sqlglot for the connection's dialect and read back in it, never shown as a
model wrote it, nor in sqlglot's own generic dialect (whose TIME_TO_STR no
engine has). Whether the dialect has every function the text calls is then
the engine's to say: rewrites.py asks it to plan the text before anything runs.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from assistant.sqlgen.dialects import dialect_name


class NotInDialect(ValueError):
    """Advice that cannot be written, or read, in the connection's dialect."""


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def read(text: str, dialect: str) -> exp.Expression:
    """The one statement `text` holds, read in the dialect."""
    try:
        trees = [t for t in sqlglot.parse(text, read=dialect, error_level=ErrorLevel.RAISE) if t is not None]
    except (SqlglotError, RecursionError, ValueError) as error:
        raise NotInDialect(f"it does not parse as {dialect_name(dialect)}: {_first_line(error)}") from error
    if len(trees) != 1:
        raise NotInDialect(f"it is not a single statement in {dialect_name(dialect)}")
    return trees[0]


def render(tree: exp.Expression, dialect: str, **options) -> str:
    """The tree as the dialect writes it; NotInDialect when sqlglot cannot write a part of it
    there, or the text does not read back as one statement of the dialect."""
    try:
        text = tree.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE, **options)
    except (SqlglotError, RecursionError, ValueError) as error:
        raise NotInDialect(f"it cannot be written in {dialect_name(dialect)}: {_first_line(error)}") from error
    read(text, dialect)
    return text
