"""What the schema index stores: one text per table, per column of wide tables,
and the join graph between tables.

Texts spell identifiers out as words ("citation_num" also as "citation num")
so both BM25 and the embedding model meet the words a question uses. Values
of sensitive columns are never written into any text.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass

from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from knowledge.text import KEY_LIKE, names_table, split_identifier

WIDE_TABLE_COLUMNS = 8  # past this, each column also gets its own entry
VALUES_PER_COLUMN = 10
MAX_SHARING = 50  # a column name in more tables than this is not taken for a join key

Sensitive = frozenset[tuple[str, str]]  # (table, column), lower-cased


def _spelled(name: str) -> str:
    spelled = " ".join(split_identifier(name))
    return name if spelled == name.lower() else f"{name} ({spelled})"


def _column_text(column: ColumnInfo, table: TableInfo, sensitive: Sensitive) -> str:
    parts = [f"{_spelled(column.name)} {column.type.lower() if column.type else ''}".strip()]
    if column.primary_key:
        parts.append("primary key")
    if column.comment:
        parts.append(" ".join(column.comment.split()))
    if column.values and (table.name.lower(), column.name.lower()) not in sensitive:
        parts.append("values: " + ", ".join(column.values[:VALUES_PER_COLUMN]))
    return ", ".join(parts)


def table_text(table: TableInfo, graph: dict[str, dict[str, "JoinEdge"]], sensitive: Sensitive) -> str:
    lines = [f"Table {_spelled(table.name)}" + (f": {' '.join(table.comment.split())}" if table.comment else "")]
    lines.append("Columns: " + "; ".join(_column_text(c, table, sensitive) for c in table.columns))
    neighbours = sorted(graph.get(table.name, {}))
    if neighbours:
        lines.append("Joins: " + ", ".join(neighbours))
    return "\n".join(lines)


def table_embed_text(table: TableInfo) -> str:
    """The part of a table that fits an embedding model's window: its name,
    comment and column names (long texts are cut off by the model)."""
    head = " ".join(split_identifier(table.name))
    comment = f". {' '.join(table.comment.split())}" if table.comment else ""
    columns = ", ".join(" ".join(split_identifier(c.name)) for c in table.columns)
    return f"{head}{comment}. Columns: {columns}"


def column_text(table: TableInfo, column: ColumnInfo, sensitive: Sensitive) -> str:
    return f"Column {_spelled(column.name)} of table {_spelled(table.name)}: " + _column_text(column, table, sensitive)


def content_hash(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class JoinEdge:
    left: str
    left_columns: tuple[str, ...]
    right: str
    right_columns: tuple[str, ...]
    declared: bool  # a real foreign key, not one inferred from names


def join_graph(schema: SchemaInfo) -> dict[str, dict[str, JoinEdge]]:
    """Table -> neighbour -> edge. Declared foreign keys first; where a schema
    declares none, joins are inferred from names: a shared key-like column
    (`aid` in `author` and `writes`), a column equal to another table's
    single-column primary key, or `<table>_id` next to that table's `id`."""
    graph: dict[str, dict[str, JoinEdge]] = {t.name: {} for t in schema.tables}
    by_lower = {t.name.lower(): t for t in schema.tables}

    def add(edge: JoinEdge) -> None:
        if edge.left == edge.right:
            return
        if edge.right in graph[edge.left] and graph[edge.left][edge.right].declared:
            return
        graph[edge.left][edge.right] = edge
        graph[edge.right][edge.left] = JoinEdge(edge.right, edge.right_columns, edge.left, edge.left_columns,
                                                edge.declared)

    for table in schema.tables:
        for fk in table.foreign_keys:
            target = by_lower.get(fk.ref_table.lower())
            if target is not None:
                add(JoinEdge(table.name, tuple(fk.columns), target.name, tuple(fk.ref_columns), True))

    single_pk = {t.name: t.primary_key[0].lower() for t in schema.tables if len(t.primary_key) == 1}
    pk_names = set(single_pk.values())
    # A column that is already a declared foreign key has its target.
    declared = {t.name: {c.lower() for fk in t.foreign_keys for c in fk.columns} for t in schema.tables}
    sharing: dict[str, list[tuple[TableInfo, str]]] = {}
    for table in schema.tables:
        for column in table.columns:
            lowered = column.name.lower()
            if lowered != "id" and lowered not in declared[table.name]:
                sharing.setdefault(lowered, []).append((table, column.name))
    for lowered, group in sharing.items():
        # A name in very many tables (`code`, `status`) is not a join key.
        if not 2 <= len(group) <= MAX_SHARING or not (lowered in pk_names or KEY_LIKE.search(lowered)):
            continue
        owners = {t.name for t, _ in group if single_pk.get(t.name) == lowered}
        for i, (a, a_column) in enumerate(group):
            for b, b_column in group[i + 1 :]:
                # With an owner, the others join it, not each other.
                if (owners and a.name not in owners and b.name not in owners) or b.name in graph[a.name]:
                    continue
                add(JoinEdge(a.name, (a_column,), b.name, (b_column,), False))
    for a in schema.tables:
        # `restaurant_id` / `restaurantid` next to `restaurant.id`.
        for column in a.columns:
            lowered = column.name.lower()
            target = next((t for t in schema.tables if names_table(lowered, t.name)), None)
            if (target is not None and target is not a and target.column("id") and lowered not in declared[a.name]
                    and target.name not in graph[a.name]):
                add(JoinEdge(a.name, (column.name,), target.name, (target.column("id").name,), False))
    return graph


def connecting_path(graph: dict[str, dict[str, JoinEdge]], chosen: set[str], target: str) -> list[str] | None:
    """The tables on a shortest join path from any chosen table to `target`
    (both ends included), or None when no path exists."""
    if not chosen:
        return [target]
    if target in chosen:
        return []
    previous: dict[str, str | None] = {t: None for t in chosen}
    queue = deque(sorted(chosen))  # sorted: the same path on every run
    while queue:
        current = queue.popleft()
        for neighbour in graph.get(current, {}):
            if neighbour in previous:
                continue
            previous[neighbour] = current
            if neighbour == target:
                path = [target]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            queue.append(neighbour)
    return None
