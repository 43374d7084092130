"""Which tables the prompt shows.

A schema that fits `whole_tokens` is shown whole: the prompt's prefix then
stays the same from question to question and its KV cache is reused, which
on a CPU is worth more than a shorter prompt. A larger schema is cut to
`budget_tokens` of the tables the linker ranks first (the knowledge layer's
hybrid retrieval when given, else a lexical match on names, comments and
values), closed over foreign keys.
"""

from __future__ import annotations

from typing import Callable

from assistant.sqlgen.schema_text import table_ddl
from connectors.types import SchemaInfo, TableInfo
from knowledge.text import words_with_singulars
from knowledge.tokens import count_tokens

Linker = Callable[[str, SchemaInfo, int], list[str]]


def _table_words(table: TableInfo) -> set[str]:
    parts = [table.name.replace("_", " "), table.comment or ""]
    for column in table.columns:
        parts += [column.name.replace("_", " "), column.comment or ""]
        parts += [str(v) for v in (column.values or [])]
    return words_with_singulars(" ".join(parts))


def lexical_linker(question: str, schema: SchemaInfo, budget_tokens: int) -> list[str]:
    asked = words_with_singulars(question)
    scored = sorted(schema.tables, key=lambda t: -len(asked & _table_words(t)))
    return [t.name for t in scored if asked & _table_words(t)] or [t.name for t in scored]


def _fk_closure(names: list[str], schema: SchemaInfo) -> list[str]:
    """Add the tables that link two chosen tables (bridge tables) and their parents."""
    chosen = {n.lower() for n in names}
    for table in schema.tables:
        targets = {fk.ref_table.lower() for fk in table.foreign_keys}
        if table.name.lower() not in chosen and len(targets & chosen) >= 2:
            chosen.add(table.name.lower())
    return [t.name for t in schema.tables if t.name.lower() in chosen]


def _costs(schema: SchemaInfo, compact: bool) -> dict[str, int]:
    return {t.name: count_tokens(table_ddl(t, schema.dialect, compact=compact)) for t in schema.tables}


def _fits(costs: dict[str, int], budget_tokens: int, whole_tokens: int | None) -> bool:
    return sum(costs.values()) <= max(budget_tokens, whole_tokens or 0)


def shown_whole(schema: SchemaInfo, budget_tokens: int, whole_tokens: int | None = None,
                compact: bool = True) -> bool:
    """Whether the prompt shows this schema whole, so no question on it asks the linker."""
    return _fits(_costs(schema, compact), budget_tokens, whole_tokens)


def choose_tables(question: str, schema: SchemaInfo, budget_tokens: int, linker: Linker | None = None, *,
                  whole_tokens: int | None = None, compact: bool = True) -> list[str]:
    costs = _costs(schema, compact)
    if _fits(costs, budget_tokens, whole_tokens):
        return [t.name for t in schema.tables]
    ranked = (linker or lexical_linker)(question, schema, budget_tokens)
    chosen: list[str] = []
    spent = 0
    for name in ranked:
        if name in costs and spent + costs[name] <= budget_tokens:
            chosen.append(name)
            spent += costs[name]
    return _fk_closure(chosen or ranked[:1], schema)
