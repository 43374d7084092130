"""Checking a candidate against the real schema before it runs.

The SQL is parsed for the connection's dialect (or, failing that, read as
another dialect and transpiled), then qualified with sqlglot against the
introspected schema: unknown tables and columns come back as precise errors
with close matches, which the repair step hands to the model.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from assistant.sqlgen.autofix import exact_division, fix_qualifiers, year_of_a_number
from assistant.sqlgen.semantic_checks import semantic_problems
from connectors.types import SchemaInfo

OTHER_DIALECTS = ("mysql", "postgres", "sqlite", "duckdb", "tsql")
CASE_INSENSITIVE = {"sqlite", "mysql", "duckdb"}


@dataclass
class Validation:
    sql: str | None
    errors: list[str] = field(default_factory=list)
    transpiled_from: str | None = None
    fixes: list[str] = field(default_factory=list)  # mechanical repairs made (autofix)

    @property
    def ok(self) -> bool:
        return self.sql is not None and not self.errors


def _parse(sql: str, dialect: str) -> tuple[exp.Expression | None, str | None, str | None]:
    """The tree, the dialect it was read as (if not the target), or the parse error."""
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
        if len(trees) == 1:
            return trees[0], None, None
        return None, None, f"expected one statement, found {len(trees)}"
    except ParseError as exc:
        first_error = str(exc).splitlines()[0]
    for other in OTHER_DIALECTS:
        if other == dialect:
            continue
        try:
            trees = [t for t in sqlglot.parse(sql, read=other) if t is not None]
        except SqlglotError:
            continue
        if len(trees) == 1:
            return trees[0], other, None
    return None, None, f"syntax error: {first_error}"


def schema_mapping(schema: SchemaInfo) -> dict[str, dict[str, str]]:
    lower = schema.dialect in CASE_INSENSITIVE
    return {
        (t.name.lower() if lower else t.name): {(c.name.lower() if lower else c.name): "TEXT" for c in t.columns}
        for t in schema.tables
    }


def _table_errors(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    known = {t.name.lower(): t.name for t in schema.tables}
    errors = []
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name or name.lower() in ctes or name.lower() in known:
            continue
        close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(known[c] for c in close)}?" if close else ""
        errors.append(f"table {name} does not exist{hint}")
    return sorted(set(errors))


def _missing_column(message: str) -> str | None:
    if "Column '" in message:
        return message.split("Column '", 1)[1].split("'", 1)[0]
    if message.startswith("Unknown column:"):
        return message.split(":", 1)[1].strip().split()[0].strip("'\"")
    return None


def _aliases(tree: exp.Expression) -> dict[str, str]:
    """alias (or name) -> table name, for every table the query reads."""
    return {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}


def _column_hint(message: str, tree: exp.Expression, schema: SchemaInfo) -> str:
    """Say which table lacks the column, where it does exist, or what it is close to."""
    column = _missing_column(message)
    if column is None:
        return message
    used = {t.name.lower() for t in tree.find_all(exp.Table)}
    owners = [t.name for t in schema.tables if t.column(column)]
    aliases = _aliases(tree)
    for ref in tree.find_all(exp.Column):
        if ref.name.lower() == column.lower() and ref.table and ref.table.lower() in aliases:
            table = aliases[ref.table.lower()]
            info = schema.table(table)
            if info is not None and info.column(column) is None:
                where = f"; {column} is a column of {', '.join(owners)}" if owners else ""
                close = difflib.get_close_matches(column, [c.name for c in info.columns], n=3, cutoff=0.6)
                near = f"; did you mean {ref.table}.{close[0]}?" if close and not owners else ""
                return f"table {table} (as {ref.table}) has no column {column}{where}{near}"
    head = f"column {column} does not exist in the tables used"
    if owners and not any(o.lower() in used for o in owners):
        return f"{head}; it is a column of {', '.join(owners)}"
    in_query = [o for o in owners if o.lower() in used]
    if len(in_query) > 1:
        return f"column {column} is ambiguous: it is in {', '.join(in_query)}; qualify it with a table name"
    names = sorted({c.name for t in schema.tables if t.name.lower() in used for c in t.columns})
    close = difflib.get_close_matches(column, names, n=3, cutoff=0.6)
    return f"{head}; did you mean {', '.join(close)}?" if close else head


def validate_sql(sql: str, schema: SchemaInfo) -> Validation:
    dialect = schema.dialect
    tree, read_as, error = _parse(sql, dialect)
    if tree is None:
        return Validation(sql=None, errors=[error or "unparseable"])
    text = tree.sql(dialect=dialect) if read_as else sql
    table_errors = _table_errors(tree, schema)
    if table_errors:
        return Validation(sql=text, errors=table_errors, transpiled_from=read_as)
    fixes = fix_qualifiers(tree, schema) + year_of_a_number(tree, schema) + exact_division(tree, dialect)
    if fixes:
        text = tree.sql(dialect=dialect)
    try:
        qualify(tree.copy(), schema=schema_mapping(schema), dialect=dialect, validate_qualify_columns=True,
                identify=False)
    except OptimizeError as exc:
        return Validation(sql=text, errors=[_column_hint(str(exc), tree, schema)], transpiled_from=read_as,
                          fixes=fixes)
    except SqlglotError:
        pass  # a construct the qualifier does not model: the database will judge it
    return Validation(sql=text, errors=semantic_problems(tree, schema), transpiled_from=read_as, fixes=fixes)
