"""Mechanical repairs of types and dates that need no model round.

Integer division where a ratio was asked for, the year of a column that
already holds the year, (PostgreSQL, DuckDB) a text column of ISO dates used
where the engine needs a date, and an integer column of UNIX times used as a
date.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.scope import candidate_tables, resolve_tables
from assistant.sqlgen.value_shapes import holds_epoch_seconds, iso_date_kind
from connectors.types import SchemaInfo

# Engines where integer / integer truncates (3 / 4 = 0).
_TRUNCATING_DIVISION = {"sqlite", "postgres"}


def _is_float_already(node: exp.Expression) -> bool:
    """Whether the value `node` yields is already fractional. Only the value's own
    parts count: the 4.5 in `SUM(CASE WHEN rating > 4.5 THEN 1 ELSE 0 END)` or in a
    subquery's WHERE is a condition, and the count stays an integer."""
    if isinstance(node, exp.Cast):
        return True
    if isinstance(node, exp.Literal):
        return node.is_number and "." in node.this
    if isinstance(node, (exp.Paren, exp.Alias)):
        return _is_float_already(node.this)
    if isinstance(node, (exp.Mul, exp.Add, exp.Sub)):  # CAST(x AS REAL) * 100 is a float already
        return _is_float_already(node.this) or _is_float_already(node.expression)
    if isinstance(node, exp.Case):
        return any(_is_float_already(branch.args["true"]) for branch in node.args.get("ifs") or []) or (
            node.args.get("default") is not None and _is_float_already(node.args["default"]))
    if isinstance(node, exp.If):
        return any(_is_float_already(node.args[part]) for part in ("true", "false") if node.args.get(part))
    if isinstance(node, exp.Subquery):
        select = node.unnest()
        return isinstance(select, exp.Select) and len(select.expressions) == 1 and _is_float_already(
            select.expressions[0])
    if isinstance(node, (exp.Column, exp.Count, exp.Star, exp.Predicate)):
        return False
    if isinstance(node, exp.Func):  # SUM(x * 1.0), COALESCE(x, 0.0): the arguments give the value
        return any(_is_float_already(arg) for arg in node.iter_expressions())
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


_TEXT_TYPES = ("TEXT", "CHAR", "STRING", "CLOB")
_DATE_TYPED = (exp.CurrentDate, exp.CurrentTimestamp, exp.Interval)


def _text_date_cast(node: exp.Expression, schema: SchemaInfo) -> str | None:
    """DATE or TIMESTAMP when `node` is a text column whose values are ISO dates."""
    if not isinstance(node, exp.Column):
        return None
    infos = resolve_tables(node, schema)
    for info in infos or []:
        column = info.column(node.name)
        if column is None:
            continue
        if not any(word in (column.type or "").upper() for word in _TEXT_TYPES):
            return None
        return iso_date_kind(info, column)
    return None


def _is_date_valued(node: exp.Expression) -> bool:
    if isinstance(node, _DATE_TYPED):
        return True
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    if isinstance(node, (exp.Add, exp.Sub)):
        return any(_is_date_valued(side) for side in (node.this, node.expression))
    return False


def _date_operands(tree: exp.Expression) -> list[exp.Expression]:
    """Expressions that must be dates: EXTRACT/DATE_TRUNC arguments, interval arithmetic,
    and the other side of a comparison with a date."""
    found = []
    for node in tree.find_all(exp.Extract):
        found.append(node.expression)
    for node in tree.find_all(exp.TimestampTrunc, exp.DateTrunc, exp.TimeToStr):
        found.append(node.this)
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = [node.this, node.expression]
        if any(isinstance(s, exp.Interval) for s in sides):
            found += [s for s in sides if not isinstance(s, exp.Interval)]
        elif isinstance(node, exp.Sub):
            found += sides  # date - date; a number - number is left alone by the type check
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        sides = [node.this, node.expression]
        if any(_is_date_valued(s) for s in sides):
            found += sides
    return found


def cast_text_dates(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """PostgreSQL and DuckDB have no date functions on text: a text column holding ISO
    dates, used as a date, is cast (`EXTRACT(YEAR FROM start_dt::DATE)`)."""
    if schema.dialect not in ("postgres", "duckdb"):
        return []
    notes = []
    seen = set()
    for node in _date_operands(tree):
        if id(node) in seen or node.parent is None:
            continue
        seen.add(id(node))
        kind = _text_date_cast(node, schema)
        if kind is None:
            continue
        notes.append(f"{node.sql(dialect=schema.dialect)} read as {kind}")
        node.replace(exp.cast(node.copy(), exp.DataType.build(kind)))
    return notes


def _epoch_column(node: exp.Expression, schema: SchemaInfo) -> bool:
    if not isinstance(node, exp.Column):
        return False
    for info in resolve_tables(node, schema) or []:
        column = info.column(node.name)
        if column is not None:
            return holds_epoch_seconds(info, column)
    return False


# SQLite date functions whose first argument is a time value; a number there is
# read as a Julian day unless the 'unixepoch' modifier follows it.
_SQLITE_TIME_FUNCTIONS = {"DATE", "TIME", "DATETIME", "JULIANDAY", "UNIXEPOCH", "STRFTIME"}


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


def read_epoch_seconds(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """An INTEGER column of UNIX times used as a date is read as one: PostgreSQL has
    no EXTRACT(MONTH FROM bigint), and SQLite reads strftime('%m', 1577836800) as a
    Julian day and answers nonsense without a word."""
    if schema.dialect == "sqlite":
        operands = _sqlite_time_arguments(tree)
    elif schema.dialect in ("postgres", "duckdb"):
        # Not `a - b` of two such columns: a difference of UNIX times is a number of seconds.
        operands = [node for node in _date_operands(tree)
                    if not (isinstance(node.parent, exp.Sub) and not any(
                        isinstance(side, exp.Interval) for side in (node.parent.this, node.parent.expression)))]
    else:
        return []
    notes = []
    seen = set()
    for node in operands:
        if id(node) in seen or node.parent is None or not _epoch_column(node, schema):
            continue
        seen.add(id(node))
        if schema.dialect == "sqlite":
            replacement = exp.Anonymous(this="DATETIME", expressions=[node.copy(), exp.Literal.string("unixepoch")])
        else:
            replacement = exp.UnixToTime(this=node.copy())
        notes.append(f"{node.sql(dialect=schema.dialect)} read as UNIX time")
        node.replace(replacement)
    return notes
