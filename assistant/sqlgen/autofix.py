"""Mechanical repairs of column references that need no model round.

Each fixes a mistake small models make often, where the intended query is
not in doubt: a column taken from the wrong alias (`T2.citation_num` where
only the table aliased `T1` has `citation_num`), a misspelt column with one
near-identical name, a table's own `id` called `<table>_id`, a join on a
column one table lacks where one foreign key says what was meant. Anything
less certain is left to the repair prompt.
"""

from __future__ import annotations

import difflib

from sqlglot import exp

from assistant.sqlgen.join_paths import declared_links, names_table, role_links
from assistant.sqlgen.scope import outer_holds, resolve_tables, scope_tables, select_aliases
from connectors.types import SchemaInfo, TableInfo


def fix_qualifiers(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """Re-point `alias.column` at the one table of its SELECT that has the column.

    Changes `tree` in place and returns a note per change."""
    notes = []
    for select in tree.find_all(exp.Select):
        tables = scope_tables(select)
        for ref in select.find_all(exp.Column):
            if not ref.table or ref.find_ancestor(exp.Select) is not select:
                continue
            owner = next((name for alias, name in tables.items() if alias.lower() == ref.table.lower()), None)
            info = schema.table(owner) if owner else None
            if info is None or info.column(ref.name) is not None:
                continue
            holders = [alias for alias, name in tables.items()
                       if (t := schema.table(name)) is not None and t.column(ref.name) is not None]
            holders = [h for h in holders if _fits_join_condition(ref, h, select)]
            if len(holders) == 1:
                notes.append(f"{ref.table}.{ref.name} -> {holders[0]}.{ref.name}")
                ref.set("table", exp.to_identifier(holders[0]))
    return notes


def _fits_join_condition(ref: exp.Column, holder: str, select: exp.Select) -> bool:
    """Outside a join condition any holder fits. Inside one, the holder must be joined by
    then (a condition cannot read a later table) and must not be the table on the other
    side (that would join a table to itself)."""
    join = ref.find_ancestor(exp.Join)
    if join is None:
        return True
    visible = [select.args["from_"].this] if select.args.get("from_") else []
    for other_join in select.args.get("joins") or []:
        visible.append(other_join.this)
        if other_join is join:
            break
    if holder.lower() not in {t.alias_or_name.lower() for t in visible}:
        return False
    condition = ref.find_ancestor(exp.EQ)
    if condition is None:
        return False
    other = condition.expression if condition.this is ref else condition.this
    return isinstance(other, exp.Column) and other.table.lower() != holder.lower()


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
        if not name or name.lower() in everywhere or name.lower() in select_aliases(ref):
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
    foreign key between a and b, or else the one column named for the other table's
    role (`fare.fare_airline` for `airline.airline_code`), or else the one column of
    the lacking table whose name is close to x (`sbtransaction.sbtxcustid` for `sbcustid`)."""
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
        found = declared_links(a[0], b[0]) or role_links(a[0], b[0])
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
        if not ref.table and outer_holds(ref.find_ancestor(exp.Select), ref.name, schema):
            continue  # a correlated reference to the query around it
        info = infos[0]
        own = info.column("id")
        if own is not None and names_table(ref.name, info) and ref.name.lower() not in select_aliases(ref):
            notes.append(f"{ref.sql()} -> {own.name}")
            _rename(ref, own.name)
    return notes
