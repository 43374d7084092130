"""A table joined only to read a column that the joins make equal to another
table's.

`restaurant JOIN location ON restaurant.id = location.restaurant_id JOIN
geographic ON location.city_name = geographic.city_name WHERE
geographic.city_name = 'x'`: every row has the two city names equal, so the
filter reads `location.city_name` and `geographic` is no longer read. The
reads move to the table already in the query; unused_joins, which runs next,
then drops the join nothing reads (or keeps it as an EXISTS filter where the
question names it). Moving a read changes no value; only the dropped join
changes which rows come back, and that is unused_joins' judgement.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.equalities import column_key, inner_equalities
from assistant.sqlgen.analysis.joins import links, role_links
from assistant.sqlgen.analysis.scope import own_columns
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import TableInfo


def _only_key_equalities(on: exp.Expression) -> bool:
    """Whether a join condition is nothing but column = column, ANDed: dropping such a join
    loses no filter on the table's own values."""
    node = on.unnest()
    if isinstance(node, exp.And):
        return all(_only_key_equalities(part) for part in node.flatten())
    return isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Column)


def _read_elsewhere(select: exp.Select, join: exp.Join, alias: str) -> bool:
    """Whether another join's condition or a nested query reads the table: it is then a
    bridge or correlated, not a leaf that can go."""
    for other in select.args.get("joins") or []:
        on = other.args.get("on")
        if other is not join and on is not None and any(r.table.lower() == alias for r in on.find_all(exp.Column)):
            return True
    return any(ref.table.lower() == alias and ref.find_ancestor(exp.Select) is not select
               for ref in select.find_all(exp.Column))


def _trusted(a: TableInfo, column: str, b: TableInfo, other: str) -> bool:
    """Whether `a.column = b.other` is how the two tables join (the same name, a foreign key,
    the `<table>_id` convention or a role column), not a pairing of two different things'
    keys, which mismatched_keys doubts and a read must not travel along."""
    if column.lower() == other.lower():
        return True
    return any((link.left_column.lower(), link.right_column.lower()) == (column.lower(), other.lower())
               for link in links(a, b) + role_links(a, b))


def _substitutes(select: exp.Select, reads: list[exp.Column], alias: str,
                 scope: dict[str, TableInfo]) -> dict[int, tuple[str, str]] | None:
    """For each read, the first other table (in FROM order) that an equality of this SELECT
    joins on it; None when some read has none."""
    infos = {a.lower(): info for a, info in scope.items()}
    order = list(infos)
    equal: dict[str, list[tuple[str, str]]] = {}
    for condition in inner_equalities(select):
        sides = [column_key(side, scope) if isinstance(side, exp.Column) else None
                 for side in (condition.this, condition.expression)]
        if None in sides:
            continue
        for (a, col), (b, other) in (sides, sides[::-1]):
            if a == alias and b != alias and b in infos and _trusted(infos[a], col, infos[b], other):
                equal.setdefault(col, []).append((b, other))
    chosen = {}
    for ref in reads:
        found = sorted(equal.get(ref.name.lower(), []), key=lambda key: order.index(key[0]))
        if not found:
            return None
        chosen[id(ref)] = found[0]
    return chosen


def _real_name(scope: dict[str, TableInfo], alias: str, column: str) -> tuple[str, str]:
    """The alias and column as the query and schema spell them."""
    written = next(a for a in scope if a.lower() == alias)
    info = scope[written].column(column)
    return written, info.name if info is not None else column


def equal_reads(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Read a column from a table already in the query where the joined table that holds it
    is joined on that very column, and is read for nothing else."""
    notes = []
    for select in list(tree.find_all(exp.Select)):
        joins = select.args.get("joins") or []
        scope = context.scopes.real(select) if joins else None
        if not scope or len(scope) < 2:
            continue
        if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
               for e in select.expressions):
            continue
        for join in joins:
            table, on = join.this, join.args.get("on")
            if not isinstance(table, exp.Table) or on is None or join.side or join.args.get("using"):
                continue
            if not _only_key_equalities(on):
                continue
            alias = table.alias_or_name.lower()
            if _read_elsewhere(select, join, alias):
                continue
            # Its own condition, and any column = column that joins it in WHERE, relate it; they are not reads.
            in_condition = {id(ref) for ref in on.find_all(exp.Column)} | {
                id(side) for eq in inner_equalities(select)
                if isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column)
                for side in (eq.this, eq.expression)}
            reads = [ref for ref in own_columns(select)
                     if id(ref) not in in_condition and column_key(ref, scope) == (alias, ref.name.lower())]
            if not reads:
                continue  # unused_joins' case
            chosen = _substitutes(select, reads, alias, scope)
            if chosen is None:
                continue
            for ref in reads:
                before = ref.sql()
                other, column = _real_name(scope, *chosen[id(ref)])
                bare_output = isinstance(ref.parent, exp.Select) and ref.arg_key == "expressions"
                moved = exp.column(column, table=other, quoted=ref.this.quoted)
                # A bare output column keeps its name: the query around it, or the user, reads it.
                ref.replace(exp.alias_(moved, ref.name) if bare_output and column.lower() != ref.name.lower()
                            else moved)
                notes.append(f"{before} -> {moved.sql()}")
    return notes
