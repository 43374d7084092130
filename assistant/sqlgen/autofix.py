"""Mechanical repairs that need no model round.

Each fixes a mistake small models make often, where the intended query is
not in doubt: a column taken from the wrong alias (`T2.citation_num` where
only the table aliased `T1` has `citation_num`), integer division where a
ratio was asked for, SQLite's `strftime('%Y', ...)` applied to a column that
already holds the year. Anything less certain is left to the repair prompt.
"""

from __future__ import annotations

from sqlglot import exp

from connectors.types import SchemaInfo


def _scope_tables(select: exp.Expression) -> dict[str, str]:
    """alias (or name) -> table name, for the tables of one SELECT (not its subqueries)."""
    found = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is select:
            found[table.alias_or_name] = table.name
    return found


def fix_qualifiers(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """Re-point `alias.column` at the one table of its SELECT that has the column.

    Changes `tree` in place and returns a note per change."""
    notes = []
    for select in tree.find_all(exp.Select):
        tables = _scope_tables(select)
        for ref in select.find_all(exp.Column):
            if not ref.table or ref.find_ancestor(exp.Select) is not select:
                continue
            if ref.find_ancestor(exp.Join) is not None:
                continue  # a join condition relates two tables: re-pointing could join a table to itself
            owner = next((name for alias, name in tables.items() if alias.lower() == ref.table.lower()), None)
            info = schema.table(owner) if owner else None
            if info is None or info.column(ref.name) is not None:
                continue
            holders = [alias for alias, name in tables.items()
                       if (t := schema.table(name)) is not None and t.column(ref.name) is not None]
            if len(holders) == 1:
                notes.append(f"{ref.table}.{ref.name} -> {holders[0]}.{ref.name}")
                ref.set("table", exp.to_identifier(holders[0]))
    return notes


# Engines where integer / integer truncates (3 / 4 = 0).
_TRUNCATING_DIVISION = {"sqlite", "postgres"}


def _is_float_already(node: exp.Expression) -> bool:
    if isinstance(node, exp.Cast):
        return True
    return any(lit.is_number and "." in lit.this for lit in node.find_all(exp.Literal))


def exact_division(tree: exp.Expression, dialect: str) -> list[str]:
    """Make `a / b` exact where the engine would truncate it.

    A user asking for a ratio, share or average per item wants 0.75, not 0;
    small models forget the cast. Division by a literal number (`year / 10`)
    is left as written: there the truncation may be intended.
    """
    if dialect not in _TRUNCATING_DIVISION:
        return []
    notes = []
    for div in list(tree.find_all(exp.Div)):
        numerator, divisor = div.this, div.expression
        if isinstance(divisor, exp.Literal) or _is_float_already(numerator) or _is_float_already(divisor):
            continue
        numerator.replace(exp.cast(numerator.copy(), exp.DataType.build("REAL" if dialect == "sqlite" else "DOUBLE")))
        notes.append(f"exact division: {div.sql(dialect=dialect)}")
    return notes


def _column_type(ref: exp.Column, select: exp.Select, schema: SchemaInfo) -> str:
    tables = _scope_tables(select)
    if ref.table:
        names = [name for alias, name in tables.items() if alias.lower() == ref.table.lower()]
    else:
        names = list(tables.values())
    for name in names:
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


def year_of_a_number(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """The year of a column that already holds the year as an INTEGER is the column:
    SQLite reads strftime('%Y', 2015) as a Julian day number and answers nonsense,
    and PostgreSQL has no EXTRACT(YEAR FROM bigint)."""
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
