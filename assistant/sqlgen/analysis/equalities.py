"""Which columns of one SELECT the joins make equal in every row.

An inner join's `a.x = b.y`, or the same in WHERE, holds for every row the
query returns, so either side can be read for the other; a LEFT join's
condition does not (its columns may be NULL where the other's are not).
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.analysis.scope import holders
from connectors.types import TableInfo

ColumnKey = tuple[str, str]  # (alias, column), lower-cased


def inner_equalities(select: exp.Select) -> list[exp.EQ]:
    """Column = column conditions that hold for every row: ANDed in WHERE or in the
    ON of an inner join."""
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


def column_key(ref: exp.Column, scope: dict[str, TableInfo]) -> ColumnKey | None:
    """(alias, column) of a reference: its qualifier, or the one table of `scope` that holds it."""
    if ref.table:
        return (ref.table.lower(), ref.name.lower())
    found = holders(ref.name, scope)
    return (found[0].lower(), ref.name.lower()) if len(found) == 1 else None


def equal_classes(select: exp.Select, scope: dict[str, TableInfo]) -> dict[ColumnKey, ColumnKey]:
    """Union-find over (alias, column): two are in one class when the joins make them equal.
    Maps each key that takes part in an equality to its class's root."""
    parent: dict[ColumnKey, ColumnKey] = {}

    def find(key):
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for condition in inner_equalities(select):
        left, right = condition.this, condition.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            a, b = column_key(left, scope), column_key(right, scope)
            if a and b:
                parent[find(a)] = find(b)
    return {key: find(key) for key in set(parent) | set(parent.values())}
