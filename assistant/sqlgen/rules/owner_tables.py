"""A column taken from a table that lacks it, when exactly one other table has it.

`has_projects` read from `course_offering` where it lives in `course`: when
that one table joins the query's tables by one key, it is joined on that key
and the column read from it; where it also has every column read from the
table it joins, the query was meant for it and reads it instead. Anything
less certain is left to the repair prompt, which names the owner.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.joins import links
from assistant.sqlgen.analysis.scope import defined_names, holders, own_columns, select_aliases
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo, TableInfo


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


def owner_tables(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Join the one table that has a column the SELECT's tables lack, on its one key (to
    the table whose alias the reference names, if it names one; the table it names,
    if it names one the query never brought in); or, where that table also has every
    column read from the one it joins, read it instead."""
    schema = context.schema
    notes = []
    for select in list(tree.find_all(exp.Select)):
        scope = context.scopes.real(select)
        if not scope:
            continue
        by_alias = {alias.lower(): info for alias, info in scope.items()}
        joined: set[str] = set()  # owner tables (lower) joined to this SELECT, under their own name
        defined = defined_names(tree)
        for ref in own_columns(select):
            named = via = ""
            if ref.table and ref.table.lower() not in by_alias:
                if ref.table.lower() in defined or schema.table(ref.table) is None:
                    continue  # another SELECT's alias, or undefined: left to equal_holders and the model
                named = ref.table.lower()  # a table the query never brought in: bring it in
            elif ref.table:
                via = ref.table.lower()
            if not ref.table and ref.name.lower() in select_aliases(ref):
                continue
            if holders(ref.name, scope) or context.scopes.outer_holds(select, ref.name):
                continue
            found = _owner_link(ref.name, scope, schema, named=named, via=via)
            if found is None:
                continue
            owner, alias, link = found
            if _reads_only(select, alias, scope, owner):
                notes.append(f"{scope[alias].name} -> {owner.name}: it holds {ref.name} and every column read")
                _swap_table(select, alias, owner)
                scope = context.scopes.real(select)
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
    for ref in own_columns(select):
        if ref.table:
            mine = ref.table.lower() == alias.lower()
        else:
            mine = holders(ref.name, scope) == [alias] or not holders(ref.name, scope)
        if mine and owner.column(ref.name) is None and ref.name.lower() not in select_aliases(ref):
            return False
    return True


def _swap_table(select: exp.Select, alias: str, owner: TableInfo) -> None:
    table = next(t for t in select.find_all(exp.Table)
                 if t.find_ancestor(exp.Select) is select and t.alias_or_name == alias)
    old = table.name.lower()
    table.set("this", exp.to_identifier(owner.name))
    if not table.alias:
        for ref in own_columns(select):
            if ref.table.lower() == old:
                ref.set("table", exp.to_identifier(owner.name))


def _qualify_all(select: exp.Select, scope: dict[str, TableInfo]) -> None:
    """Qualify each unqualified column that one table holds, so a joined table that
    also has it does not make it ambiguous."""
    for ref in own_columns(select):
        if ref.table or ref.name.lower() in select_aliases(ref):
            continue
        found = holders(ref.name, scope)
        if len(found) == 1:
            ref.set("table", exp.to_identifier(found[0]))
