"""Mechanical repairs that read a SELECT's joins.

Three mistakes small models make often, where the join structure says what was
meant:
- a column several joined tables hold, left unqualified (`COUNT(pid)` over
  `publication JOIN writes ON publication.pid = writes.pid`) or qualified by an
  alias the query never defines: when the tables are joined on that very
  column, every choice gives the same value, so any one is right;
- a column taken from a table that lacks it, when exactly one other table has
  it and that table joins the query's tables by one key (`has_projects` read
  from `course_offering` where it lives in `course`): the table is joined on
  that key and the column read from it;
- a join of two tables on a column one lacks, when they are related only
  through one bridge table (`flight` and `fare` through `flight_fare`): the
  bridge is joined in between.
Anything less certain is left to the repair prompt, which names the owner.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.join_paths import links
from assistant.sqlgen.scope import outer_holds, reads_derived_table, scope_tables, select_aliases
from connectors.types import SchemaInfo, TableInfo


def _real_scope(select: exp.Select, schema: SchemaInfo) -> dict[str, TableInfo] | None:
    """alias -> table of one SELECT, in FROM order; None when it also reads a CTE or
    subquery, whose columns the schema cannot tell."""
    scope = {}
    for alias, name in scope_tables(select).items():
        info = schema.table(name)
        if info is None:
            return None
        scope[alias] = info
    return None if reads_derived_table(select) else scope


def _own_columns(select: exp.Select) -> list[exp.Column]:
    return [ref for ref in select.find_all(exp.Column) if ref.find_ancestor(exp.Select) is select]


def _defined_names(tree: exp.Expression) -> set[str]:
    """Every alias and name a qualifier can refer to anywhere in the query (an outer
    query's alias is in scope in a correlated subquery)."""
    names = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)}
    names |= {node.alias.lower() for node in tree.find_all(exp.Subquery, exp.CTE) if node.alias}
    return names


def _holders(column: str, scope: dict[str, TableInfo]) -> list[str]:
    return [alias for alias, info in scope.items() if info.column(column) is not None]


def _inner_equalities(select: exp.Select) -> list[exp.EQ]:
    """Column = column conditions that hold for every row: ANDed in WHERE or in the
    ON of an inner join (a LEFT join's columns may be NULL where the other's are not)."""
    found = []
    for condition in select.find_all(exp.EQ):
        if condition.find_ancestor(exp.Select) is not select:
            continue
        node = condition.parent
        while isinstance(node, (exp.And, exp.Paren)):
            node = node.parent
        if isinstance(node, exp.Where) or (isinstance(node, exp.Join) and not node.side):
            found.append(condition)
    return found


def _equal_classes(select: exp.Select, scope: dict[str, TableInfo]) -> dict[tuple[str, str], tuple[str, str]]:
    """Union-find over (alias, column): two are in one class when the joins make them equal."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(key):
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    def key_of(ref: exp.Column) -> tuple[str, str] | None:
        if ref.table:
            return (ref.table.lower(), ref.name.lower())
        holders = _holders(ref.name, scope)
        return (holders[0].lower(), ref.name.lower()) if len(holders) == 1 else None

    for condition in _inner_equalities(select):
        left, right = condition.this, condition.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            a, b = key_of(left), key_of(right)
            if a and b:
                parent[find(a)] = find(b)
    return {key: find(key) for key in set(parent) | set(parent.values())}


def fix_equal_holders(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """Qualify an ambiguous column, or re-point an undefined alias, when the tables that
    hold the column are all joined on it (or only one of them holds it)."""
    notes = []
    defined = _defined_names(tree)
    for select in tree.find_all(exp.Select):
        scope = _real_scope(select, schema)
        if not scope or len(scope) < 2:
            continue
        classes = None
        for ref in _own_columns(select):
            if ref.table and ref.table.lower() in defined:
                continue
            if not ref.table and ref.name.lower() in select_aliases(ref):
                continue
            holders = _holders(ref.name, scope)
            if not holders or (not ref.table and len(holders) == 1) or outer_holds(select, ref.name, schema):
                continue
            if len(holders) > 1:
                classes = classes if classes is not None else _equal_classes(select, scope)
                roots = {classes.get((h.lower(), ref.name.lower())) for h in holders}
                if len(roots) != 1 or None in roots:
                    continue
            before = ref.sql()
            ref.set("table", exp.to_identifier(holders[0]))
            notes.append(f"{before} -> {ref.sql()}")
    return notes


def _owner_link(column: str, scope: dict[str, TableInfo], schema: SchemaInfo, *, named: str = "",
                via: str = ""):
    """The one table outside the SELECT that has `column` and joins one of its tables by
    one link: (owner, scope alias, link), else None. `named`: the owner is the table the
    reference names (`business.state` with business not in FROM); `via`: the alias the
    reference names, whose table lacks the column (`T2.category_name`), is the one joined
    when an owner joins it, else any of the SELECT's tables."""
    inside = {info.name.lower() for info in scope.values()}
    options = []
    for owner in schema.tables:
        if owner.name.lower() in inside or owner.column(column) is None:
            continue
        if named and owner.name.lower() != named:
            continue
        options += [(owner, alias, link) for alias, info in scope.items() for link in links(info, owner)]
    through_via = [option for option in options if option[1].lower() == via]
    if through_via:
        options = through_via
    return options[0] if len(options) == 1 else None


def join_owner_tables(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """Join the one table that has a column the SELECT's tables lack, on its one key (to
    the table whose alias the reference names, if it names one; the table it names,
    if it names one the query never brought in); or, where that table also has every
    column read from the one it joins, read it instead."""
    notes = []
    for select in list(tree.find_all(exp.Select)):
        scope = _real_scope(select, schema)
        if not scope:
            continue
        by_alias = {alias.lower(): info for alias, info in scope.items()}
        joined: set[str] = set()  # owner tables (lower) joined to this SELECT, under their own name
        defined = _defined_names(tree)
        for ref in _own_columns(select):
            named = via = ""
            if ref.table and ref.table.lower() not in by_alias:
                if ref.table.lower() in defined or schema.table(ref.table) is None:
                    continue  # another SELECT's alias, or undefined: left to fix_equal_holders and the model
                named = ref.table.lower()  # a table the query never brought in: bring it in
            elif ref.table:
                via = ref.table.lower()
            if not ref.table and ref.name.lower() in select_aliases(ref):
                continue
            if _holders(ref.name, scope) or outer_holds(select, ref.name, schema):
                continue
            found = _owner_link(ref.name, scope, schema, named=named, via=via)
            if found is None:
                continue
            owner, alias, link = found
            if _reads_only(select, alias, scope, owner):
                notes.append(f"{scope[alias].name} -> {owner.name}: it holds {ref.name} and every column read")
                _swap_table(select, alias, owner)
                scope = _real_scope(select, schema)
                by_alias = {a.lower(): info for a, info in scope.items()}
                continue
            if owner.name.lower() not in joined:
                if owner.name.lower() in by_alias:
                    continue  # its name is taken as another table's alias
                _qualify_all(select, scope)
                condition = exp.column(link.left_column, alias).eq(exp.column(link.right_column, owner.name))
                select.join(exp.to_table(owner.name), on=condition, copy=False)
                joined.add(owner.name.lower())
                notes.append(f"JOIN {owner.name} ON {condition.sql()} for {ref.sql()}")
            ref.set("table", exp.to_identifier(owner.name))
    return notes


def _reads_only(select: exp.Select, alias: str, scope: dict[str, TableInfo], owner: TableInfo) -> bool:
    """Whether every column the SELECT reads from table `alias` is also a column of
    `owner`: then the query was meant for `owner` (a model that counts courses from
    `course_offering` because it forgot `department` lives in `course`), and joining
    would only repeat rows."""
    for ref in _own_columns(select):
        if ref.table:
            mine = ref.table.lower() == alias.lower()
        else:
            mine = _holders(ref.name, scope) == [alias] or not _holders(ref.name, scope)
        if mine and owner.column(ref.name) is None and ref.name.lower() not in select_aliases(ref):
            return False
    return True


def _swap_table(select: exp.Select, alias: str, owner: TableInfo) -> None:
    table = next(t for t in select.find_all(exp.Table)
                 if t.find_ancestor(exp.Select) is select and t.alias_or_name == alias)
    old = table.name.lower()
    table.set("this", exp.to_identifier(owner.name))
    if not table.alias:
        for ref in _own_columns(select):
            if ref.table.lower() == old:
                ref.set("table", exp.to_identifier(owner.name))


def _qualify_all(select: exp.Select, scope: dict[str, TableInfo]) -> None:
    """Qualify each unqualified column that one table holds, so a joined table that
    also has it does not make it ambiguous."""
    for ref in _own_columns(select):
        if ref.table or ref.name.lower() in select_aliases(ref):
            continue
        holders = _holders(ref.name, scope)
        if len(holders) == 1:
            ref.set("table", exp.to_identifier(holders[0]))


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


def bridge_joins(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    """`flight JOIN fare ON flight.fare_id = fare.fare_id` where flight has no fare_id
    and the two tables are related only through one bridge table (flight_fare):
    the bridge is joined in between, on its keys to each side."""
    notes = []
    for select in tree.find_all(exp.Select):
        scope = _real_scope(select, schema)
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
            bridges = [(c, to_a[0], to_b[0]) for c in schema.tables
                       if c.name.lower() not in inside
                       and len(to_a := links(c, a)) == 1 and len(to_b := links(c, b)) == 1]
            if len(bridges) != 1:
                continue
            bridge, to_a, to_b = bridges[0]
            into_a = exp.column(to_a.left_column, bridge.name).eq(exp.column(to_a.right_column, a_ref.table))
            into_b = exp.column(to_b.left_column, bridge.name).eq(exp.column(to_b.right_column, b_ref.table))
            before = join.args["on"].sql()
            join.set("on", into_b)
            position = select.args["joins"].index(join)
            select.args["joins"].insert(position, exp.Join(this=exp.to_table(bridge.name), on=into_a))
            notes.append(f"{before} -> JOIN {bridge.name} ON {into_a.sql()} ... ON {into_b.sql()}")
    return notes
