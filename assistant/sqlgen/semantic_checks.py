"""Mistakes that parse and run but cannot be what the user meant.

The database accepts them (a join on `a.x = a.x`, `'2023-01-05' + 10` in
SQLite, `strftime('%w', day)` on a column of weekday names), so without these
checks they come back as wrong rows instead of an error. Each finding is a
message for the repair prompt.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.join_paths import join_path_hint
from assistant.sqlgen.scope import outer_tables, reads_derived_table, scope_tables
from assistant.sqlgen.value_shapes import calendar_name_kind, holds_calendar_names, holds_iso_dates, seen_values
from connectors.types import SchemaInfo, TableInfo

# strftime formats that yield one number ('%Y' - 1 is a fine year in SQLite).
_ONE_NUMBER = re.compile(r"^%[YmdHMSsJjwW]$")


def _tables_by_alias(tree: exp.Expression, schema: SchemaInfo) -> dict[str, TableInfo]:
    found = {}
    for table in tree.find_all(exp.Table):
        info = schema.table(table.name)
        if info is not None:
            found[table.alias_or_name.lower()] = info
    return found


def _join_hint(info: TableInfo, others: list[TableInfo], schema: SchemaInfo) -> str:
    hints = [h for other in others if (h := join_path_hint(info, other, schema))]
    return f"; {'; '.join(hints)}" if hints else ""


def self_joins(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """`JOIN b ON b.x = b.x` is always true: the join is a cross join in disguise."""
    tables = _tables_by_alias(tree, schema)
    problems = []
    for condition in tree.find_all(exp.EQ):
        left, right = condition.this, condition.expression
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
            continue
        if left.name.lower() != right.name.lower() or left.table.lower() != right.table.lower():
            continue
        if condition.find_ancestor(exp.Join) is None:
            continue
        info = tables.get(left.table.lower()) if left.table else None
        others = [t for t in tables.values() if info is not None and t is not info]
        hint = _join_hint(info, others, schema) if info is not None else ""
        problems.append(f"the join condition {condition.sql()} compares a column with itself, so it joins "
                        f"every row to every row; compare with a column of the other table{hint}")
    return problems


def _column_of(ref: exp.Column, tables: dict[str, TableInfo]):
    """The table and column `ref` reads: the one its qualifier names, else the first holder."""
    candidates = [tables[ref.table.lower()]] if ref.table.lower() in tables else list(tables.values())
    for info in candidates:
        if (found := info.column(ref.name)) is not None:
            return info, found
    return None, None


def _is_date_column(column: exp.Column, tables: dict[str, TableInfo]) -> bool:
    info, found = _column_of(column, tables)
    if found is None:
        return False
    return any(word in (found.type or "").upper() for word in ("DATE", "TIME")) or holds_iso_dates(info, found)


def is_date_text_call(node: exp.Expression) -> bool:
    """A call whose value is a date as text in SQLite: date(), datetime(), strftime() with
    a format that is more than one number, CURRENT_DATE."""
    if isinstance(node, exp.TimeToStr):
        fmt = node.args.get("format")
        return not (isinstance(fmt, exp.Literal) and _ONE_NUMBER.match(fmt.this))
    return isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.CurrentDate, exp.CurrentTimestamp)) or (
        isinstance(node, exp.Anonymous) and node.name.upper() in ("DATE", "DATETIME"))


def _is_date_text(node: exp.Expression, tables: dict[str, TableInfo]) -> bool:
    return is_date_text_call(node) or (isinstance(node, exp.Column) and _is_date_column(node, tables))


_UNIT = re.compile(r"\b(years?|months?|weeks?|quarters?|days?|hours?|minutes?|seconds?)\b", re.IGNORECASE)
_PER_DAY = {"day": 1, "hour": 24, "minute": 1440, "second": 86400}


def _asked_unit(question: str) -> str | None:
    """The one unit of time the question names ('day' when it names none); None when it
    names several, or a calendar unit (years, months) that no fixed factor gives."""
    units = {unit.lower().rstrip("s") for unit in _UNIT.findall(question)}
    if not units:
        return "day"
    unit = units.pop() if len(units) == 1 else None
    return unit if unit in _PER_DAY else None


def _is_julianday(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.upper() == "JULIANDAY"


def _scaled(node: exp.Expression) -> bool:
    """Whether the value is already multiplied or divided (by 24, 86400, ...)."""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, (exp.Mul, exp.Div))


def days_between_dates(tree: exp.Expression, schema: SchemaInfo, question: str) -> list[str]:
    """In SQLite one date minus another subtracts the years at the front of the two
    texts; the days between them are julianday(a) - julianday(b), and a day has
    24 hours, 1,440 minutes, 86,400 seconds. Small models keep the subtraction even
    when told, and forget the factor, so both are written in for the one unit the
    question asks for; a calendar unit (years, months) is left to the model, told."""
    unit = _asked_unit(question)
    if schema.dialect != "sqlite" or unit is None:
        return []
    tables = _tables_by_alias(tree, schema)
    notes = []
    for node in list(tree.find_all(exp.Sub)):
        if all(_is_date_text(side, tables) for side in (node.this, node.expression)):
            days = exp.Sub(this=exp.Anonymous(this="julianday", expressions=[node.this.copy()]),
                           expression=exp.Anonymous(this="julianday", expressions=[node.expression.copy()]))
            notes.append(f"days between dates: {node.sql(dialect='sqlite')} -> {days.sql(dialect='sqlite')}")
            node.replace(days)
    if unit == "day":
        return notes
    for node in list(tree.find_all(exp.Sub)):
        if _is_julianday(node.this) and _is_julianday(node.expression) and not _scaled(node):
            scaled = exp.Mul(this=exp.Paren(this=node.copy()), expression=exp.Literal.number(_PER_DAY[unit]))
            notes.append(f"days to {unit}s: {node.sql(dialect='sqlite')} -> {scaled.sql(dialect='sqlite')}")
            node.replace(scaled)
    return notes


def date_arithmetic(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """SQLite keeps dates as text: '2023-01-05' + 10 is 2033, not ten days later, and
    one date minus another is the difference of their years."""
    if schema.dialect != "sqlite":
        return []
    tables = _tables_by_alias(tree, schema)
    problems = []
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = (node.this, node.expression)
        both_dates = isinstance(node, exp.Sub) and all(_is_date_text(s, tables) for s in sides)
        if both_dates or any(isinstance(s, exp.Literal) and s.is_number for s in sides) and any(
                _is_date_text(s, tables) for s in sides):
            problems.append(f"{node.sql(dialect='sqlite')} does arithmetic on a date, which SQLite stores as "
                            "text; write date(col, '+10 days') to move a date, julianday(a) - julianday(b) "
                            "for the days between two dates")
    return problems


_DATE_READERS = (exp.Extract, exp.TimeToStr, exp.TimestampTrunc, exp.DateTrunc, exp.Date, exp.TsOrDsToDate,
                 exp.TsOrDsToTimestamp, exp.DayOfWeek, exp.DayOfMonth, exp.Month, exp.Year)


def _reads_a_date(ref: exp.Column) -> bool:
    parent = ref.parent
    if isinstance(parent, exp.Cast):
        return parent.to.is_type(*exp.DataType.TEMPORAL_TYPES)
    return isinstance(parent, _DATE_READERS)


def calendar_names_as_dates(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """A column of weekday or month names ('Monday') read as a date: PostgreSQL
    refuses it, SQLite quietly answers NULL. So is a name moved by an interval."""
    tables = _tables_by_alias(tree, schema)
    problems = []
    for ref in tree.find_all(exp.Column):
        if not _reads_a_date(ref):
            continue
        info, column = _column_of(ref, tables)
        kind = holds_calendar_names(info, column) if column is not None else None
        if kind is None:
            continue
        examples = ", ".join(f"'{v}'" for v in list(dict.fromkeys(seen_values(info, column)))[:3])
        problems.append(f"{ref.sql(dialect=schema.dialect)} holds {kind} names ({examples}), not dates: compare it "
                        f"with such names instead of reading a date from it")
    for node in tree.find_all(exp.Add, exp.Sub):
        sides = (node.this, node.expression)
        names = [s for s in sides if isinstance(s, exp.Literal) and s.is_string and calendar_name_kind(s.this)]
        if names and any(isinstance(s, exp.Interval) for s in sides):
            problems.append(f"{node.sql(dialect=schema.dialect)} moves a {calendar_name_kind(names[0].this)} name "
                            f"by an interval, which is not a date; write the {calendar_name_kind(names[0].this)} "
                            f"it means by name")
    return problems


def outer_columns_in_subquery_results(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """`WHERE aid NOT IN (SELECT aid FROM organization)` where organization has no aid:
    the database quietly reads the outer query's aid, so the subquery returns each
    row's own value and the filter is always true (or always false)."""
    problems = []
    for select in tree.find_all(exp.Select):
        holder = select.parent  # IN (SELECT ...), EXISTS, a scalar subquery; not a table in FROM
        if (not isinstance(holder, (exp.Subquery, exp.In)) or isinstance(holder.parent, (exp.From, exp.Join, exp.CTE))
                or reads_derived_table(select)):
            continue
        own = [schema.table(name) for name in scope_tables(select).values()]
        if not own or any(info is None for info in own):
            continue
        for item in select.expressions:
            for ref in item.find_all(exp.Column):
                if ref.table or ref.find_ancestor(exp.Select) is not select:
                    continue
                if any(info.column(ref.name) is not None for info in own):
                    continue
                outer = next((info for info in outer_tables(select, schema)
                              if info is not None and info.column(ref.name) is not None), None)
                if outer is None:
                    continue
                names = ", ".join(info.name for info in own)
                problems.append(
                    f"in the subquery ({select.sql(dialect=schema.dialect)}), {names} has no column {ref.name}, so "
                    f"{ref.name} reads {outer.name}.{ref.name} of the outer query and the subquery returns each "
                    f"row's own value; select a column of {names}{_join_hint(own[0], [outer], schema)}")
    return problems


def semantic_problems(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    return (self_joins(tree, schema) + date_arithmetic(tree, schema) + calendar_names_as_dates(tree, schema)
            + outer_columns_in_subquery_results(tree, schema))
