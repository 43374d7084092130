"""How two tables can be joined, for repair messages and certain join fixes.

Declared foreign keys come first. Many real databases declare none, so a
column name shared by two tables counts as a link too when it looks like a
key (a declared primary key on one side, or a name ending in id, code or
key), as `writes.aid` and `author.aid` do; so does the common convention
that `order_items.order_id` names `orders.id`. Two tables with no direct link
are often related through a bridge table (`publication` and `author` through
`writes`); that path is what a model needs to hear when it joins them on a
column one of them lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.diagnosis.sqltypes import family
from connectors.types import SchemaInfo, TableInfo
from knowledge.text import KEY_LIKE, names_table, plurals


@dataclass(frozen=True)
class Link:
    left_table: str
    left_column: str
    right_table: str
    right_column: str
    declared: bool

    def sql(self) -> str:
        return f"{self.left_table}.{self.left_column} = {self.right_table}.{self.right_column}"


def declared_links(a: TableInfo, b: TableInfo) -> list[Link]:
    """Single-column foreign keys between a and b, written from a's side."""
    found = []
    for fk in a.foreign_keys:
        if fk.ref_table.lower() == b.name.lower() and len(fk.columns) == 1:
            found.append(Link(a.name, fk.columns[0], b.name, fk.ref_columns[0], True))
    for fk in b.foreign_keys:
        if fk.ref_table.lower() == a.name.lower() and len(fk.columns) == 1:
            found.append(Link(a.name, fk.ref_columns[0], b.name, fk.columns[0], True))
    return found


def _looks_like_key(name: str, a: TableInfo, b: TableInfo) -> bool:
    if name.lower() == "id":
        return False  # each table's own surrogate key: equal ids of two tables mean nothing
    primary = {c.lower() for c in a.primary_key + b.primary_key}
    return name.lower() in primary or bool(KEY_LIKE.search(name))


def _conventional(a: TableInfo, b: TableInfo) -> list[Link]:
    """`order_items.order_id` -> `orders.id`, in either direction."""
    found = []
    if b.column("id") is not None:
        found += [Link(a.name, c.name, b.name, "id", False) for c in a.columns if names_table(c.name, b.name)]
    if a.column("id") is not None:
        found += [Link(a.name, "id", b.name, c.name, False) for c in b.columns if names_table(c.name, a.name)]
    return found


def _entity_key(table: TableInfo) -> str | None:
    """The column that identifies a row of `table`: its one primary key column, else
    its one key-like column named after it (`airline.airline_code`), else `id`."""
    if len(table.primary_key) == 1:
        return table.primary_key[0]
    named = [c.name for c in table.columns
             if KEY_LIKE.search(c.name) and table.name.lower() in plurals(c.name.lower().split("_")[0])]
    if len(named) == 1:
        return named[0]
    return "id" if table.column("id") is not None else None


def _role_columns(a: TableInfo, b: TableInfo) -> list[Link]:
    """Columns of a that end with b's name (`fare.fare_airline`, `flight.to_airport`),
    paired with b's key of the same kind of type."""
    key = _entity_key(b)
    if key is None:
        return []
    key_family = family(b.column(key).type)
    return [Link(a.name, c.name, b.name, key, False) for c in a.columns
            if "_" in c.name and b.name.lower() in plurals(c.name.lower().rsplit("_", 1)[1])
            and c.name.lower() != key.lower() and family(c.type) == key_family]


def role_links(a: TableInfo, b: TableInfo) -> list[Link]:
    """Links named by role, in either direction, written from a's side: a column that
    ends with the other table's name refers to that table's key (`fare.fare_airline =
    airline.airline_code`, `flight.from_airport = airport.airport_code`)."""
    reverse = [Link(a.name, link.right_column, b.name, link.left_column, False) for link in _role_columns(b, a)]
    return _role_columns(a, b) + reverse


def links(a: TableInfo, b: TableInfo) -> list[Link]:
    """Declared links, else key-like column names the two tables share, else the
    `<table>_id` -> `id` naming convention."""
    declared = declared_links(a, b)
    if declared:
        return declared
    b_columns = {c.name.lower(): c.name for c in b.columns}
    shared = [Link(a.name, c.name, b.name, b_columns[c.name.lower()], False)
              for c in a.columns
              if c.name.lower() in b_columns and _looks_like_key(c.name, a, b)]
    return shared or _conventional(a, b)


def join_path_hint(a: TableInfo, b: TableInfo, schema: SchemaInfo, bridges: bool = True) -> str:
    """One sentence on how a and b join: directly, or (with `bridges`) through one bridge table."""
    direct = links(a, b) or role_links(a, b)
    if direct:
        return f"{a.name} and {b.name} join on " + " or ".join(link.sql() for link in direct)
    if not bridges:
        return ""
    for bridge in schema.tables:
        if bridge.name.lower() in (a.name.lower(), b.name.lower()):
            continue
        to_a, to_b = links(bridge, a), links(bridge, b)
        if to_a and to_b:
            return (f"{a.name} and {b.name} are not linked directly; join them through {bridge.name}: "
                    f"{to_a[0].sql()} and {to_b[0].sql()}")
    return ""


def join_hints(info: TableInfo, others: list[TableInfo], schema: SchemaInfo) -> str:
    """'; <how info joins each of others>' for a message, or '' when the schema cannot say."""
    hints = [h for other in others if (h := join_path_hint(info, other, schema))]
    return f"; {'; '.join(hints)}" if hints else ""
