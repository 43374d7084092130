"""Text literals checked against the values the data really holds.

A small model writes `name = 'Texas'` where the data says 'texas', or filters
on a value no row has. Once the query joins or counts, the result is not empty
(a count of 0, the other side of a LEFT JOIN), so nothing else looks twice.
Each `column = 'text'` and `column IN ('text', ...)` on a text column of a
real table is looked up in that column with a bounded query:
- stored as written: fine;
- stored once under another case ('texas'): a certain fix, the literal as stored;
- not stored at all: a doubt naming the closest stored values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlglot
from rapidfuzz import fuzz, process
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.sqlgen.analysis.scope import Scopes
from connectors.introspect import is_text_type
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

# Runs one generated SELECT (a sqlglot tree), returns its rows.
RunTree = Callable[[exp.Expression], list[list]]
MAX_CHECKED = 6  # literals looked up per query: each is a bounded scan
CLOSEST_SHOWN = 3


@dataclass
class LiteralCheck:
    sql: str
    fixes: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)


def _column_literals(tree: exp.Expression) -> list[tuple[exp.Column, list[exp.Literal]]]:
    """(column, literals) of each equality or IN list comparing a column with text."""
    found = []
    for node in tree.find_all(exp.EQ, exp.In):
        if isinstance(node, exp.EQ):
            left, right = node.this, node.expression
            if isinstance(right, exp.Column):
                left, right = right, left
            if isinstance(left, exp.Column) and isinstance(right, exp.Literal) and right.is_string:
                found.append((left, [right]))
        elif isinstance(node.this, exp.Column) and not node.args.get("query"):
            items = [item for item in node.expressions if isinstance(item, exp.Literal) and item.is_string]
            if items:
                found.append((node.this, items))
    return found


def _owner(ref: exp.Column, scopes: Scopes) -> tuple[TableInfo, ColumnInfo] | None:
    """The one real table and text column `ref` reads, or None."""
    infos = scopes.resolve(ref)
    if not infos:
        return None
    owners = [(info, col) for info in infos if (col := info.column(ref.name)) is not None]
    if len(owners) != 1 or not is_text_type(owners[0][1].type or ""):
        return None
    return owners[0]


def _lookup(table: TableInfo, column: ColumnInfo, condition: exp.Expression, limit: int) -> exp.Select:
    source = exp.table_(table.name, db=table.schema, quoted=True)
    return exp.select(exp.column(column.name, quoted=True)).distinct().from_(source).where(condition).limit(limit)


def _closest(value: str, table: TableInfo, column: ColumnInfo, run: RunTree) -> list[str]:
    """Stored values most like `value`: from introspection's list, else those sharing its longest word."""
    stored = [str(v) for v in column.values or []]
    if not stored:
        word = max(value.split() or [value], key=len)
        if len(word) < 3:
            return []
        col = exp.Lower(this=exp.column(column.name, quoted=True))
        stored = [str(r[0]) for r in run(_lookup(table, column, col.like(exp.Literal.string(f"%{word.lower()}%")), 20))]
    ranked = process.extract(value.lower(), [s.lower() for s in stored], scorer=fuzz.WRatio, limit=CLOSEST_SHOWN)
    return [stored[index] for _text, score, index in ranked if score >= 60]


def check_literals(sql: str, schema: SchemaInfo, run: RunTree,
                   sensitive: frozenset[tuple[str, str]] = frozenset()) -> LiteralCheck:
    """`sensitive`: (table, column) pairs, lower-cased, whose stored values are never shown."""
    result = LiteralCheck(sql=sql)
    try:
        tree = sqlglot.parse_one(sql, read=schema.dialect)
    except (SqlglotError, ValueError):
        return result
    scopes = Scopes(schema)
    for ref, literals in _column_literals(tree)[:MAX_CHECKED]:
        owner = _owner(ref, scopes)
        if owner is None:
            continue
        table, column = owner
        if (table.name.lower(), column.name.lower()) in sensitive:
            continue
        try:
            forms = [_stored_form(literal.this, table, column, run) for literal in literals]
        except Exception:  # a lookup that fails or times out leaves the query to the database
            continue
        for literal, form in zip(literals, forms):
            if form is not None and form != literal.this:
                result.fixes.append(f"'{literal.this}' is stored as '{form}' in {table.name}.{column.name}")
                literal.replace(exp.Literal.string(form))
        # An IN list is a set of possibilities ('Saturday', 'Sunday'): one stored member is enough.
        if all(form is None for form in forms):
            missing = literals[0].this
            try:
                closest = _closest(missing, table, column, run)
            except Exception:  # the doubt stands without suggestions
                closest = []
            like = f"; stored values like it: {', '.join(repr(v) for v in closest)}" if closest else ""
            result.doubts.append(f"no row of {table.name}.{column.name} holds '{missing}'{like}; "
                                 f"use a value the column holds, or another column")
    if result.fixes:
        result.sql = tree.sql(dialect=schema.dialect)
    return result


def _stored_form(value: str, table: TableInfo, column: ColumnInfo, run: RunTree) -> str | None:
    """The value as the column stores it (itself, or its one case-folded match), or None."""
    if not value:
        return value
    col = exp.column(column.name, quoted=True)
    if run(_lookup(table, column, col.eq(exp.Literal.string(value)), 1)):
        return value
    folded = exp.Lower(this=col).eq(exp.Literal.string(value.lower()))
    forms = [str(r[0]) for r in run(_lookup(table, column, folded, 2))]
    return forms[0] if len(forms) == 1 else None
