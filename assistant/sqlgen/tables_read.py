"""What a query reads: its tables (not its CTEs), and which of its result
columns carry a table's key.

The answer names the tables the final SQL reads, not those the schema linker
showed the model; a chart never measures or scales a key.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from connectors.types import SchemaInfo, TableInfo


def _parse(sql: str | None, dialect: str) -> exp.Expression | None:
    if not sql:
        return None
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None


def _reads_cte(table: exp.Table, ctes: dict[str, exp.CTE]) -> bool:
    """Whether `table` names a CTE; inside that CTE's own body (not recursive) the name is the real table."""
    cte = ctes.get(table.name.lower())
    if cte is None:
        return False
    with_ = cte.parent
    return table.find_ancestor(exp.CTE) is not cte or bool(with_ and with_.args.get("recursive"))


def _tables(tree: exp.Expression, schema: SchemaInfo) -> list[str]:
    ctes = {cte.alias_or_name.lower(): cte for cte in tree.find_all(exp.CTE)}
    names: list[str] = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or _reads_cte(table, ctes):
            continue  # a table function, or a CTE
        info = schema.table(table.name)
        name = info.name if info is not None else table.name
        if name not in names:
            names.append(name)
    return names


def tables_read(sql: str | None, schema: SchemaInfo) -> list[str]:
    """The tables `sql` reads, in order of first mention and spelled as the schema
    spells them; [] for no SQL or SQL that does not parse."""
    tree = _parse(sql, schema.dialect)
    return _tables(tree, schema) if tree is not None else []


def key_names(info: TableInfo) -> set[str]:
    """Lower-cased names of the table's primary and foreign key columns."""
    names = {c.name for c in info.columns if c.primary_key} | set(info.primary_key)
    for key in info.foreign_keys:
        names.update(key.columns)
    return {n.lower() for n in names}


def key_columns(sql: str | None, schema: SchemaInfo) -> set[str]:
    """Lower-cased names of the result columns of `sql` that carry a primary or
    foreign key of a table it reads: the key columns themselves, and a key
    selected under another name (`clinic.id AS clinic`)."""
    tree = _parse(sql, schema.dialect)
    if tree is None:
        return set()
    keys: set[str] = set()
    for name in _tables(tree, schema):
        info = schema.table(name)
        if info is not None:
            keys |= key_names(info)
    renamed = {p.alias.lower() for p in (tree.selects if isinstance(tree, exp.Query) else [])
               if isinstance(p, exp.Alias) and isinstance(p.this, exp.Column) and p.this.name.lower() in keys}
    return keys | renamed


def columns_read(sql: str | None, schema: SchemaInfo) -> dict[str, list[str]]:
    """Each table `sql` reads, with the columns of it that the query names (by alias, by
    table name, or unqualified where only that table has the column), in order of mention."""
    tree = _parse(sql, schema.dialect)
    if tree is None:
        return {}
    read = {name: [] for name in _tables(tree, schema)}
    infos = {name: schema.table(name) for name in read}
    aliases = {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}
    for column in tree.find_all(exp.Column):
        if column.table:
            owners = [name for name in read if name.lower() == aliases.get(column.table.lower(), "").lower()]
        else:
            owners = [name for name, info in infos.items() if info is not None and info.column(column.name)]
        if len(owners) == 1 and (info := infos[owners[0]]) is not None and (found := info.column(column.name)):
            if found.name not in read[owners[0]]:
                read[owners[0]].append(found.name)
    return read
