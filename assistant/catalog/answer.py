"""Answers from introspection alone: table and column listings, a column's meaning
(its comment, type, key and stored values), and how tables join (declared keys,
else the naming conventions of assistant/sqlgen/analysis/joins.py).

What the message is about is read from the names it mentions: `table.column`,
table names (singular or plural), column names. Two tables and a join word ask
how they join; a column asks what it holds; one table asks for its columns;
anything else lists the tables.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.sqlgen.analysis.joins import join_path_hint
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from knowledge.text import words_with_singulars

_JOIN_WORDS = re.compile(r"\b(?:join|joined|joins|link|linked|relate|related|relation|connect|connected|foreign)",
                         re.IGNORECASE)
_DOTTED = re.compile(r"\b(\w+)\.(\w+)\b")


@dataclass
class CatalogAnswer:
    question: str
    kind: str  # tables | columns | column | joins | sources
    answer: str  # the listing in words (Markdown)
    items: list[dict[str, Any]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mentioned_tables(message: str, schema: SchemaInfo) -> list[TableInfo]:
    said = words_with_singulars(message.lower()) | set(re.findall(r"\w+", message.lower()))
    found = [(message.lower().find(t.name.lower().rstrip("s")), t) for t in schema.tables
             if t.name.lower() in said or t.name.lower().rstrip("s") in said]
    return [t for _, t in sorted(found, key=lambda pair: pair[0])]


def _mentioned_column(message: str, schema: SchemaInfo, tables: list[TableInfo]) -> tuple[TableInfo, ColumnInfo] | None:
    for table_name, column_name in _DOTTED.findall(message):
        table = schema.table(table_name)
        if table is not None and (column := table.column(column_name)) is not None:
            return table, column
    said = set(re.findall(r"\w+", message.lower()))
    for table in tables or schema.tables:
        for column in table.columns:
            # A key column named like a mentioned table is about the table, not the column.
            if column.name.lower() in said and ("_" in column.name or not tables):
                return table, column
    return None


def _column_item(table: TableInfo, column: ColumnInfo) -> dict[str, Any]:
    references = [f"{fk.ref_table}.{fk.ref_columns[fk.columns.index(column.name)]}"
                  for fk in table.foreign_keys if column.name in fk.columns]
    return {"table": table.name, "column": column.name, "type": column.type, "nullable": column.nullable,
            "primary_key": column.primary_key or column.name in table.primary_key,
            "references": references, "comment": column.comment, "values": column.values}


def _column_line(item: dict[str, Any]) -> str:
    notes = [item["type"] or "untyped"]
    if item["primary_key"]:
        notes.append("primary key")
    notes += [f"references {r}" for r in item["references"]]
    text = f"- `{item['column']}` ({', '.join(notes)})"
    if item["comment"]:
        text += f": {item['comment']}"
    if item["values"]:
        text += f" Values: {', '.join(map(str, item['values'][:12]))}."
    return text


def _tables(question: str, schema: SchemaInfo) -> CatalogAnswer:
    items = [{"table": t.name, "kind": t.kind, "columns": len(t.columns), "rows": t.row_estimate,
              "comment": t.comment} for t in schema.tables]
    lines = [f"- `{i['table']}` ({i['columns']} columns" + (f", about {i['rows']} rows" if i["rows"] is not None
             else "") + ")" + (f": {i['comment']}" if i["comment"] else "") for i in items]
    return CatalogAnswer(question, "tables", f"The database has {len(items)} tables:\n" + "\n".join(lines),
                         items, [t.name for t in schema.tables])


def _columns(question: str, table: TableInfo) -> CatalogAnswer:
    items = [_column_item(table, c) for c in table.columns]
    head = f"`{table.name}`" + (f" ({table.comment})" if table.comment else "") + f" has {len(items)} columns:"
    return CatalogAnswer(question, "columns", "\n".join([head, *map(_column_line, items)]), items, [table.name])


def _column(question: str, table: TableInfo, column: ColumnInfo) -> CatalogAnswer:
    item = _column_item(table, column)
    text = f"`{table.name}.{column.name}`:\n" + _column_line(item)
    if not column.comment:
        text += "\nThe catalog has no description of this column."
    return CatalogAnswer(question, "column", text, [item], [table.name])


def _joins(question: str, tables: list[TableInfo], schema: SchemaInfo) -> CatalogAnswer:
    pairs = list(zip(tables, tables[1:]))
    items = [{"tables": [a.name, b.name], "how": join_path_hint(a, b, schema) or None} for a, b in pairs]
    lines = [(i["how"] or f"{i['tables'][0]} and {i['tables'][1]} have no key or naming convention that links "
              f"them, directly or through one other table") + "." for i in items]
    return CatalogAnswer(question, "joins", "\n".join(lines), items, [t.name for t in tables])


def _links_of(question: str, table: TableInfo, schema: SchemaInfo) -> CatalogAnswer:
    """One table and a join word: every table it links to by a declared key, either way."""
    def linked(other: TableInfo) -> bool:
        return (any(fk.ref_table.lower() == other.name.lower() for fk in table.foreign_keys)
                or any(fk.ref_table.lower() == table.name.lower() for fk in other.foreign_keys))

    others = [t for t in schema.tables if t is not table and linked(t)]
    items = [{"tables": [table.name, o.name], "how": join_path_hint(table, o, schema, bridges=False) or None}
             for o in others]
    lines = [f"- {i['how']}" for i in items if i["how"]]
    text = f"`{table.name}` joins:\n" + "\n".join(lines) if lines else f"`{table.name}` declares no links."
    return CatalogAnswer(question, "joins", text, items, [table.name, *(o.name for o in others)])


def answer_from_catalog(question: str, schema: SchemaInfo) -> CatalogAnswer:
    tables = _mentioned_tables(question, schema)
    if _JOIN_WORDS.search(question) and len(tables) >= 2:
        return _joins(question, tables, schema)
    if _JOIN_WORDS.search(question) and len(tables) == 1:
        return _links_of(question, tables[0], schema)
    if (found := _mentioned_column(question, schema, tables)) is not None:
        return _column(question, *found)
    if len(tables) == 1:
        return _columns(question, tables[0])
    return _tables(question, schema)
