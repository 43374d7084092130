"""Where an answer's data comes from ("which table does that come from?"): the tables
its SQL reads and the columns it takes from each, read from the SQL itself."""

from __future__ import annotations

from assistant.catalog.answer import CatalogAnswer
from assistant.sqlgen.tables_read import columns_read
from connectors.types import SchemaInfo


def _named(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def answer_sources(question: str, sql: str, schema: SchemaInfo) -> CatalogAnswer:
    read = columns_read(sql, schema)
    if not read:
        return CatalogAnswer(question, "sources", "The previous answer's SQL reads no table.", [], [])
    items = []
    for name, columns in read.items():
        info = schema.table(name)
        items.append({"table": name, "columns": columns, "comment": info.comment if info else None})
    lines = [f"- `{i['table']}`" + (f" ({i['comment']})" if i["comment"] else "")
             + (f": {', '.join(f'`{c}`' for c in i['columns'])}" if i["columns"] else "") for i in items]
    head = f"The previous answer's data comes from {'the table' if len(items) == 1 else 'the tables'} " \
           f"{_named(list(read))}:"
    return CatalogAnswer(question, "sources", "\n".join([head, *lines]), items, list(read))
