"""A join of two tables on a column one lacks, when they are related only
through one bridge table.

`flight JOIN fare ON flight.fare_id = fare.fare_id` where flight has no
fare_id and the two tables meet only in `flight_fare`: the bridge is joined
in between, on its keys to each side.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.joins import links
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import TableInfo


def _join_sides(join: exp.Join, earlier: dict[str, TableInfo]):
    """(earlier alias, joined alias) of a join whose whole condition is `a.x = b.y`."""
    condition = join.args.get("on")
    if not isinstance(condition, exp.EQ) or not isinstance(join.this, exp.Table):
        return None
    left, right = condition.this, condition.expression
    if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
        return None
    joined = join.this.alias_or_name.lower()
    for this, other in ((left, right), (right, left)):
        if this.table.lower() == joined and other.table.lower() in earlier:
            return other, this
    return None


def bridge_joins(tree: exp.Expression, context: RuleContext) -> list[str]:
    notes = []
    for select in tree.find_all(exp.Select):
        scope = context.scopes.real(select)
        if not scope or not select.args.get("from_"):
            continue
        by_alias = {alias.lower(): info for alias, info in scope.items()}
        first = select.args["from_"].this.alias_or_name.lower()
        earlier = {first: by_alias[first]} if first in by_alias else {}
        for join in list(select.args.get("joins") or []):
            sides = _join_sides(join, earlier)
            joined_alias = join.this.alias_or_name.lower() if isinstance(join.this, exp.Table) else ""
            if joined_alias in by_alias:
                earlier[joined_alias] = by_alias[joined_alias]
            if sides is None or join.side:
                continue
            a_ref, b_ref = sides
            a, b = by_alias[a_ref.table.lower()], by_alias[b_ref.table.lower()]
            if (a.column(a_ref.name) is not None and b.column(b_ref.name) is not None) or links(a, b):
                continue
            inside = {info.name.lower() for info in scope.values()}
            bridges = [(c, to_a[0], to_b[0]) for c in context.schema.tables
                       if c.name.lower() not in inside
                       and len(to_a := links(c, a)) == 1 and len(to_b := links(c, b)) == 1]
            if len(bridges) != 1:
                continue
            bridge, to_a, to_b = bridges[0]
            into_a = exp.column(to_a.left_column, bridge.name).eq(exp.column(to_a.right_column, a_ref.table))
            into_b = exp.column(to_b.left_column, bridge.name).eq(exp.column(to_b.right_column, b_ref.table))
            before = join.args["on"].sql()
            join.set("on", into_b)
            joins = list(select.args["joins"])
            joins.insert(joins.index(join), exp.Join(this=exp.to_table(bridge.name), on=into_a))
            select.set("joins", joins)  # through set(): each join knows its parent and place
            notes.append(f"{before} -> JOIN {bridge.name} ON {into_a.sql()} ... ON {into_b.sql()}")
    return notes
