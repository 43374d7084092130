"""The year of a column that already holds the year.

SQLite reads strftime('%Y', 2015) as a Julian day number and answers
nonsense, and PostgreSQL has no EXTRACT(YEAR FROM bigint): the year of an
INTEGER column is the column.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import candidate_tables
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo


def _column_type(ref: exp.Column, select: exp.Select, schema: SchemaInfo) -> str:
    for name in candidate_tables(ref, select):
        info = schema.table(name)
        column = info.column(ref.name) if info is not None else None
        if column is not None:
            return column.type or ""
    return ""


def _year_target(call: exp.Expression, dialect: str) -> exp.Column | None:
    """The column a year-of call reads: strftime('%Y', c) in SQLite, EXTRACT(YEAR FROM c) elsewhere."""
    if isinstance(call, exp.TimeToStr) and dialect == "sqlite":
        fmt = call.args.get("format")
        target = call.this.this if isinstance(call.this, exp.TsOrDsToTimestamp) else call.this
        if isinstance(fmt, exp.Literal) and fmt.this == "%Y" and isinstance(target, exp.Column):
            return target
    if isinstance(call, exp.Extract) and dialect in ("postgres", "duckdb"):
        if call.this.name.upper() == "YEAR" and isinstance(call.expression, exp.Column):
            return call.expression
    return None


def year_of_a_number(tree: exp.Expression, context: RuleContext) -> list[str]:
    schema = context.schema
    notes = []
    for call in list(tree.find_all(exp.TimeToStr, exp.Extract)):
        target = _year_target(call, schema.dialect)
        select = call.find_ancestor(exp.Select)
        if target is None or select is None:
            continue
        if "INT" in _column_type(target, select, schema).upper():
            notes.append(f"{call.sql(dialect=schema.dialect)} -> {target.sql(dialect=schema.dialect)}")
            call.replace(target.copy())
    return notes
