"""Mechanical repairs that need no model round.

Each fixes a mistake small models make often, where the intended query is
not in doubt: a column taken from the wrong alias (`T2.citation_num` where
only the table aliased `T1` has `citation_num`), integer division where a
ratio was asked for, SQLite's `strftime('%Y', ...)` applied to a column that
already holds the year. Anything less certain is left to the repair prompt.
"""

from __future__ import annotations

import difflib

from sqlglot import exp

from assistant.sqlgen.join_paths import declared_links, names_table
from assistant.sqlgen.value_shapes import iso_date_kind
from connectors.types import SchemaInfo, TableInfo


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


def resolve_tables(ref: exp.Column, schema: SchemaInfo) -> list[TableInfo] | None:
    """The real tables `ref` may come from; None when its SELECT also reads a CTE or
    subquery (whose columns the schema cannot tell)."""
    select = ref.find_ancestor(exp.Select)
    if select is None:
        return None
    tables = _scope_tables(select)
    if any(isinstance(source, exp.Subquery) and source.find_ancestor(exp.Select) is select
           for source in select.find_all(exp.Subquery)
           if source.parent is not None and isinstance(source.parent, (exp.From, exp.Join))):
        return None
    if ref.table:
        names = [name for alias, name in tables.items() if alias.lower() == ref.table.lower()]
    else:
        names = list(tables.values())
    infos = [schema.table(name) for name in names]
    if not infos or any(info is None for info in infos):
        return None
    return infos


def _select_aliases(ref: exp.Column) -> set[str]:
    select = ref.find_ancestor(exp.Select)
    return {e.alias.lower() for e in select.expressions if e.alias} if select is not None else set()


def _rename(ref: exp.Column, name: str) -> None:
    """Point `ref` at column `name`. A bare select-list item of a CTE or subquery keeps
    its output name, which the query around it uses."""
    old = ref.name
    ref.set("this", exp.to_identifier(name))
    select = ref.parent
    if isinstance(select, exp.Select) and ref.arg_key == "expressions" and isinstance(
            select.parent, (exp.CTE, exp.Subquery)):
        ref.replace(exp.alias_(ref.copy(), old))


def fix_near_names(tree: exp.Expression, schema: SchemaInfo, cutoff: float = 0.85) -> list[str]:
    """`sales_date` where the table has `sale_date`: a column no table has, with exactly
    one near-identical name among the tables it can come from, is that column."""
    everywhere = {c.name.lower() for t in schema.tables for c in t.columns}
    notes = []
    for ref in list(tree.find_all(exp.Column)):
        name = ref.name
        if not name or name.lower() in everywhere or name.lower() in _select_aliases(ref):
            continue
        infos = resolve_tables(ref, schema)
        if not infos:
            continue
        names = {c.name.lower(): c.name for info in infos for c in info.columns}
        close = difflib.get_close_matches(name.lower(), list(names), n=2, cutoff=cutoff)
        if len(close) == 1:
            notes.append(f"{name} -> {names[close[0]]}")
            _rename(ref, names[close[0]])
    return notes


def fix_join_keys(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """`JOIN b ON a.x = b.x` where a or b lacks x: the join meant is the one declared
    foreign key between a and b, or else the one column of the lacking table whose
    name is close to x (`sbtransaction.sbtxcustid` for `sbcustid`)."""
    notes = []
    for condition in list(tree.find_all(exp.EQ)):
        left, right = condition.this, condition.expression
        if condition.find_ancestor(exp.Join) is None:
            continue
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.table and right.table):
            continue
        a, b = resolve_tables(left, schema), resolve_tables(right, schema)
        if not a or not b or len(a) != 1 or len(b) != 1 or a[0] is b[0]:
            continue
        if a[0].column(left.name) is not None and b[0].column(right.name) is not None:
            continue
        found = declared_links(a[0], b[0])
        if len(found) == 1:
            pair = (found[0].left_column, found[0].right_column)
        else:
            pair = _near_key_pair(left.name, a[0], right.name, b[0])
        if pair is None:
            continue
        fixed = exp.column(pair[0], left.table).eq(exp.column(pair[1], right.table))
        notes.append(f"{condition.sql()} -> {fixed.sql()}")
        condition.replace(fixed)
    return notes


def _near_key_pair(left: str, a: TableInfo, right: str, b: TableInfo,
                   cutoff: float = 0.8) -> tuple[str, str] | None:
    """Keep the side that exists; replace the missing side by its single close name."""
    def near(name: str, info: TableInfo) -> str | None:
        if info.column(name) is not None:
            return info.column(name).name
        close = difflib.get_close_matches(name.lower(), [c.name.lower() for c in info.columns], n=2, cutoff=cutoff)
        return info.column(close[0]).name if len(close) == 1 else None

    pair = near(left, a), near(right, b)
    return pair if pair[0] and pair[1] else None


def fix_own_id(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """`salespersons.salesperson_id` where salespersons has `id`: a table's own key,
    named the way other tables refer to it. Only where the column's table is certain
    (qualified, or the only table of its SELECT)."""
    notes = []
    for ref in list(tree.find_all(exp.Column)):
        infos = resolve_tables(ref, schema)
        if not infos or len(infos) != 1 or infos[0].column(ref.name) is not None:
            continue
        info = infos[0]
        own = info.column("id")
        if own is not None and names_table(ref.name, info) and ref.name.lower() not in _select_aliases(ref):
            notes.append(f"{ref.sql()} -> {own.name}")
            _rename(ref, own.name)
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
        if isinstance(node, exp.Sub) or not isinstance(node, exp.Column):
            continue
        notes.append(f"{node.sql(dialect=schema.dialect)} read as {kind}")
        node.replace(exp.cast(node.copy(), exp.DataType.build(kind)))
    return notes


def _uses(select: exp.Select, alias: str, info: TableInfo, join_on: exp.Expression) -> bool:
    """Whether anything in `select` other than the join's own condition reads the table."""
    if any(isinstance(star, exp.Star) and star.find_ancestor(exp.Column) is None
           for star in select.expressions):
        return True
    for ref in select.find_all(exp.Column, exp.Star):
        if ref.find_ancestor(exp.Join) is not None and _within(ref, join_on):
            continue
        if isinstance(ref, exp.Star):
            continue
        if ref.table.lower() == alias or (not ref.table and info.column(ref.name) is not None):
            return True
    return False


def _within(node: exp.Expression, ancestor: exp.Expression) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def drop_unused_joins(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """A table joined but never read (`restaurant JOIN location ON city_name = city_name`
    with no column of location used) repeats each row once per match: counts and sums
    come out too large. What such a join can mean is a filter (restaurants whose city
    has a location), so an inner join becomes `EXISTS (...)`; an unused left join
    filters nothing and is dropped."""
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
            if info is None or _uses(select, alias, info, on):
                continue
            join.pop()
            if join.side == "LEFT":
                notes.append(f"dropped unused left join of {table.sql()}")
                continue
            semi = exp.Exists(this=exp.select("1").from_(table.copy()).where(on.copy()))
            select.where(semi, copy=False)
            notes.append(f"unused join of {table.sql()} -> {semi.sql()}")
    return notes
