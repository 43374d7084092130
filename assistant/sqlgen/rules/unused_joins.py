"""Unused joins: a table joined but never read.

Such a join repeats each row once per match, so sums and lists come out too
large; all it can mean otherwise is a filter. COUNT(*) is the exception: it
reads the joined rows, by counting them; so is any other COUNT when the joined
table holds the rows that belong to one row of the other (joined on that row's
own key: `instructor JOIN offering_instructor ON instructor_id` counts the
courses each instructor taught).

An unused inner join filters rows to those with a match. Kept as `EXISTS` when
the question names the joined table ("restaurants that have a location");
otherwise it is dropped: a join nothing asked for is a slip, and on the defog
answers such filters never helped and once removed the right rows.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import scope_tables
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo, TableInfo
from knowledge.text import names_table, words_with_singulars


def _counts_rows(select: exp.Select) -> bool:
    for count in select.find_all(exp.Count):
        if count.find_ancestor(exp.Select) is select and (
                isinstance(count.this, exp.Star) or (isinstance(count.this, exp.Literal) and count.this.is_number)):
            return True
    return False


def _counts_values(select: exp.Select) -> bool:
    return any(count.find_ancestor(exp.Select) is select and not isinstance(count.this, exp.Distinct)
               for count in select.find_all(exp.Count))


def _own_key(info: TableInfo, column: str) -> bool:
    lowered = column.lower()
    return (lowered == "id" or lowered in {c.lower() for c in info.primary_key}
            or names_table(column, info.name))


def _holds_children(select: exp.Select, alias: str, join_on: exp.Expression, schema: SchemaInfo) -> bool:
    """Whether the join pairs the joined table with another table's own key, so that its
    rows are the ones that belong to each row of that table."""
    tables = {a.lower(): name for a, name in scope_tables(select).items()}
    for condition in join_on.find_all(exp.EQ):
        sides = (condition.this, condition.expression)
        if not all(isinstance(side, exp.Column) and side.table for side in sides):
            continue
        others = [side for side in sides if side.table.lower() != alias]
        if len(others) != 1:
            continue
        other = schema.table(tables.get(others[0].table.lower(), ""))
        if other is not None and _own_key(other, others[0].name):
            return True
    return False


def _uses(select: exp.Select, alias: str, info: TableInfo, join_on: exp.Expression, schema: SchemaInfo) -> bool:
    """Whether anything in `select` other than the join's own condition reads the table."""
    if any(isinstance(star, exp.Star) and star.find_ancestor(exp.Column) is None
           for star in select.expressions):
        return True
    if _counts_rows(select):
        return True  # COUNT(*) over a join counts the joined rows: "airlines with the most flights"
    if _counts_values(select) and _holds_children(select, alias, join_on, schema):
        return True  # COUNT(instructor.id) over its offerings: "courses each instructor taught"
    in_condition = {id(ref) for ref in join_on.find_all(exp.Column)}
    for ref in select.find_all(exp.Column):
        if id(ref) in in_condition:
            continue
        if ref.table.lower() == alias or (not ref.table and info.column(ref.name) is not None):
            return True
    return False


def _named(table: str, question: str) -> bool:
    """Whether every word of the table's name is in the question (no question: assume so)."""
    if not question:
        return True
    parts = [part for part in table.lower().split("_") if len(part) > 2] or [table.lower()]
    asked = words_with_singulars(question)
    return all(part in asked for part in parts)


def unused_joins(tree: exp.Expression, context: RuleContext) -> list[str]:
    """A table joined but never read (`restaurant JOIN location ON city_name = city_name`
    with no column of location used) repeats each row once per match: counts and sums
    come out too large. What such a join can mean is a filter (restaurants whose city
    has a location): an inner join of a table the question names becomes
    `EXISTS (...)`; any other unused join is dropped."""
    schema, question = context.schema, context.question
    notes = []
    for select in list(tree.find_all(exp.Select)):
        for join in list(select.args.get("joins") or []):
            table, on = join.this, join.args.get("on")
            if not isinstance(table, exp.Table) or on is None or join.args.get("using"):
                continue
            if join.side not in ("", "LEFT") or join.kind not in ("", "INNER", "OUTER"):
                continue
            info = schema.table(table.name)
            alias = table.alias_or_name.lower()
            if not any(ref.table.lower() == alias for ref in on.find_all(exp.Column)):
                continue  # a condition that does not relate the table is another mistake (self_joins)
            if info is None or _uses(select, alias, info, on, schema):
                continue
            select.set("joins", [j for j in select.args["joins"] if j is not join])
            if join.side == "LEFT" or not _named(table.name, question):
                notes.append(f"dropped unused {'left ' if join.side == 'LEFT' else ''}join of {table.sql()}")
                continue
            semi = exp.Exists(this=exp.select("1").from_(table.copy()).where(on.copy()))
            select.where(semi, copy=False)
            notes.append(f"unused join of {table.sql()} -> {semi.sql()}")
    return notes
