"""Dropping a joined table the database does not have, when the query needs
nothing from it.

Small models invent a table for a column the query already has
(`student_record T1 JOIN course_record T2 ON T1.course_id = T2.course_id ...
WHERE T2.grade = 'A'`, where `grade` is a column of `student_record`). When the
invented table is joined only by equalities with real tables and every column
read from it has exactly one real holder among them, the join adds nothing
but the error: it is removed and its columns read from their holder. Anything
else stays an unknown-table error for the repair prompt.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import scope_tables
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import TableInfo


def _ctes(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def _partners(on: exp.Expression | None, alias: str) -> set[str] | None:
    """The aliases an ON condition equates the phantom's columns with; None when the
    condition is anything but a conjunction of `phantom.x = other.y`."""
    if on is None:
        return set()
    partners = set()
    for part in on.flatten() if isinstance(on, exp.And) else [on]:
        if not isinstance(part, exp.EQ):
            return None
        sides = [part.this, part.expression]
        if not all(isinstance(side, exp.Column) and side.table for side in sides):
            return None
        own = [side for side in sides if side.table.lower() == alias]
        if len(own) != 1:
            return None
        partners |= {side.table.lower() for side in sides if side is not own[0]}
    return partners


def _holder(column: str, others: dict[str, TableInfo], partners: set[str]) -> str | None:
    holders = [a for a, info in others.items() if info.column(column) is not None]
    if len(holders) == 1:
        return holders[0]
    preferred = [a for a in holders if a.lower() in partners]
    return preferred[0] if len(preferred) == 1 else None


def phantom_tables(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Remove joins of unknown tables that only duplicate real ones; changes `tree` in
    place and returns a note per removal."""
    schema = context.schema
    notes = []
    ctes = _ctes(tree)
    for select in list(tree.find_all(exp.Select)):
        for join in list(select.args.get("joins") or []):
            table = join.this
            if not isinstance(table, exp.Table) or join.args.get("using"):
                continue
            if table.name.lower() in ctes or schema.table(table.name) is not None:
                continue
            alias = table.alias_or_name.lower()
            others = {a: info for a, name in scope_tables(select).items()
                      if a.lower() != alias and (info := schema.table(name)) is not None}
            partners = _partners(join.args.get("on"), alias)
            if not others or partners is None or not partners <= {a.lower() for a in others}:
                continue
            reads = [ref for ref in select.find_all(exp.Column)
                     if ref.table.lower() == alias and ref.find_ancestor(exp.Join) is not join]
            holders = [_holder(ref.name, others, partners) for ref in reads]
            if any(h is None for h in holders):
                continue
            for ref, holder in zip(reads, holders):
                ref.set("table", exp.to_identifier(holder))
            join.pop()
            moved = sorted({f"{ref.name} from {holder}" for ref, holder in zip(reads, holders)})
            notes.append(f"table {table.name} does not exist and was not needed: dropped"
                         + (f" (read {', '.join(moved)})" if moved else ""))
    return notes
