"""Which tables a question needs, within a token budget for the prompt.

1. Rank tables: hybrid retrieval over the schema index (BM25 + vectors over
   table and column entries), tables the question names outright, and tables
   holding a value the question quotes, fused by reciprocal rank.
2. Walk the ranking; each table comes in together with the tables on the
   shortest join path to those already chosen (bridge tables such as
   `writes` between `author` and `publication`), when the rendered DDL of
   all of them still fits the budget. A table that does not fit is skipped
   and smaller, lower-ranked ones may still come in.
3. Step 2 runs at each trim level of `schema_trim` (values only where the
   question needs them, shorter comments, fewer columns of wide tables); the
   most detailed level that keeps the most of the top-ranked tables wins.
4. When the whole schema fits the budget as it is, every table is kept.

Token counts use `knowledge.tokens.count_tokens` (a conservative rule checked
against the Qwen2.5 tokenizer) unless the caller passes its own counter; the
cost of a table is the count of the text `render` makes of it, so the budget
holds for the exact text the SQL pipeline puts in its prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from connectors.types import SchemaInfo, TableInfo
from knowledge.bm25 import reciprocal_rank_fusion
from knowledge.redaction import without_sensitive_values
from knowledge.schema_docs import JoinEdge, connecting_path
from knowledge.schema_trim import LEVELS, mentions_value, question_terms, relevant_columns, trimmed
from knowledge.text import split_identifier, stem
from knowledge.tokens import count_tokens as approximate_tokens

SEPARATOR_TOKENS = 1  # the blank line between two tables' DDL
MAX_VALUES = 8


def plain_ddl(table: TableInfo) -> str:
    """A CREATE TABLE text with comments and a few values, used when the
    caller does not say how it renders tables."""
    lines = []
    for column in table.columns:
        notes = [" ".join(column.comment.split())] if column.comment else []
        if column.values:
            more = ", ..." if len(column.values) > MAX_VALUES else ""
            notes.append("values: " + ", ".join(repr(v) for v in column.values[:MAX_VALUES]) + more)
        key = " PRIMARY KEY" if column.primary_key else ""
        lines.append(f"  {column.name} {column.type or 'TEXT'}{key}" + (f" -- {'; '.join(notes)}" if notes else ""))
    for fk in table.foreign_keys:
        lines.append(f"  FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.ref_table}({', '.join(fk.ref_columns)})")
    return f"CREATE TABLE {table.name} (\n" + ",\n".join(lines) + "\n);"


@dataclass
class LinkedSchema:
    tables: list[str]  # chosen tables, most relevant first
    schema: SchemaInfo  # the chosen tables, trimmed to `level`, in schema order: render this
    tokens: int  # the cost of rendering `schema` under the counter used
    budget: int
    level: int = 0  # schema_trim level the tables were cut to (0 = as introspected)
    ranking: list[tuple[str, float]] = field(default_factory=list)  # every ranked table with its fused score
    whole_schema: bool = False  # everything fitted; no choice was made

    def to_dict(self) -> dict:
        return {
            "tables": self.tables,
            "tokens": self.tokens,
            "budget": self.budget,
            "level": self.level,
            "whole_schema": self.whole_schema,
            "ranking": [[t, round(s, 6)] for t, s in self.ranking],
        }



CORE_TABLES = 5  # the top of the ranking a trim level is judged by
MAX_CACHED_COSTS = 50_000
MAX_CANDIDATES = 60  # ranked tables tried in turn (bridges on their join paths come from anywhere)


def name_ranking(question: str, schema: SchemaInfo) -> list[str]:
    """Tables the question names outright: every word of the table's name is
    a question word (or ends with one, for prefixed names like `sbCustomer`),
    longer names first."""
    terms = question_terms(question)
    found = []
    for table in schema.tables:
        name_words = [stem(w) for w in split_identifier(table.name)]
        if name_words and all(w in terms or any(len(t) >= 4 and w.endswith(t) for t in terms) for w in name_words):
            found.append((len(name_words), table.name))
    return [name for _, name in sorted(found, key=lambda pair: -pair[0])]


def value_ranking(question: str, schema: SchemaInfo, value_columns: dict[str, set[str]]) -> list[str]:
    """Tables holding a value the question quotes: from the value index
    (`value_columns`, table -> columns, approximate matches) and exact
    matches against the introspected values."""
    found = [t for t in value_columns]
    for table in schema.tables:
        if table.name not in found and any(mentions_value(question, c.values) for c in table.columns):
            found.append(table.name)
    return found


def _greedy(order: list[str], cost: Callable[[str], int], graph: dict[str, dict[str, JoinEdge]], budget: int):
    chosen: list[str] = []
    used = 0
    for name in order:
        if name in chosen:
            continue
        path = connecting_path(graph, set(chosen), name)
        fresh = [t for t in path if t not in chosen] if path else [name]
        extra = sum(cost(t) for t in fresh)
        if used + extra > budget and len(fresh) > 1:
            fresh, extra = [name], cost(name)  # no room for the bridge: the table alone
        if used + extra <= budget:
            chosen.extend(t for t in fresh if t != name)  # bridges right before the table that needed them
            chosen.append(name)
            used += extra
    return chosen, used


def link_schema_detailed(
    question: str,
    schema: SchemaInfo,
    budget_tokens: int,
    *,
    index,
    value_columns: dict[str, set[str]] | None = None,
    render: Callable[[TableInfo], str] = plain_ddl,
    count_tokens: Callable[[str], int] = approximate_tokens,
) -> LinkedSchema:
    """`link_schema` with the trimmed schema to render, scores and token count.

    `index` is a `SchemaIndex` already refreshed for `schema`; `value_columns`
    maps tables to columns whose values the question names (value index)."""
    value_columns = value_columns or {}
    rankings = [[t for t, _ in index.rank_tables(question)], name_ranking(question, schema),
                value_ranking(question, schema, value_columns)]
    fused = reciprocal_rank_fusion([r for r in rankings if r])
    ranking = sorted(fused.items(), key=lambda pair: -pair[1])
    tables = {t.name: t for t in without_sensitive_values(schema, getattr(index, "sensitive", frozenset())).tables}
    order = [t for t, _ in ranking if t in tables] + [t for t in tables if t not in fused]
    graph = index.graph(schema)
    terms = question_terms(question)
    costs = index.costs if schema.fingerprint else {}
    relevant: dict[str, set[str]] = {}
    variants: dict[tuple[str, int], TableInfo] = {}

    # Everything per table is computed on demand: a 1,000-table schema only
    # ever renders the few dozen tables near the top of the ranking.
    def relevant_of(name: str) -> set[str]:
        if name not in relevant:
            joins = {c for edge in graph[name].values() for c in edge.left_columns}
            values = {c.lower() for c in value_columns.get(name, ())}
            relevant[name] = relevant_columns(tables[name], question, terms, joins, values)
        return relevant[name]

    def variant(name: str, level: int) -> TableInfo:
        if (name, level) not in variants:
            variants[name, level] = trimmed(tables[name], level, relevant_of(name) if level else set())
        return variants[name, level]

    def cost(name: str, level: int) -> int:
        # Rendering is most of a link's time and depends only on the table,
        # the level and (above level 0) which of its columns are relevant.
        key = (schema.fingerprint, render, count_tokens, name, level, frozenset(relevant_of(name)) if level else None)
        if key not in costs:
            if len(costs) > MAX_CACHED_COSTS:
                costs.clear()
            costs[key] = count_tokens(render(variant(name, level))) + SEPARATOR_TOKENS
        return costs[key]

    total = 0
    for name in order:
        total += cost(name, 0)
        if total > budget_tokens:
            break
    else:
        return _result(schema, order, {t: variant(t, 0) for t in order}, total, budget_tokens, 0, ranking, whole=True)
    candidates = order[:MAX_CANDIDATES]
    core = {t: CORE_TABLES - i for i, t in enumerate(order[:CORE_TABLES])}
    best = None
    for level in LEVELS:
        chosen, used = _greedy(candidates, lambda t, lv=level: cost(t, lv), graph, budget_tokens)
        score = sum(core.get(t, 0) for t in chosen)
        if best is None or score > best[0]:  # ties keep the more detailed level
            best = (score, level, chosen, used)
        if score == sum(core.values()):
            break  # every top table is in: leaner levels cannot do better
    _, level, chosen, used = best
    return _result(schema, chosen, {t: variant(t, level) for t in chosen}, used, budget_tokens, level, ranking)


def _result(schema, chosen, variants, used, budget, level, ranking, whole=False) -> LinkedSchema:
    keep = set(chosen)
    linked = replace(schema, tables=[variants[t.name] for t in schema.tables if t.name in keep])
    return LinkedSchema(tables=list(chosen), schema=linked, tokens=used, budget=budget, level=level,
                        ranking=ranking, whole_schema=whole)


def link_schema(
    question: str,
    schema: SchemaInfo,
    budget_tokens: int,
    *,
    index=None,
    embedder=None,
    value_columns: dict[str, set[str]] | None = None,
    render: Callable[[TableInfo], str] = plain_ddl,
    count_tokens: Callable[[str], int] = approximate_tokens,
) -> list[str]:
    """The tables (most relevant first) that fit `budget_tokens` once rendered.

    Use `link_schema_detailed(...).schema` for the prompt: it holds these
    tables trimmed (see `schema_trim`) so that their DDL fits the budget.
    Pass the connection's `SchemaIndex` (`Knowledge.schema_index`); without
    one an in-memory index is built for this call, embedding every table with
    `embedder` (the bundled model when None), which is slow for big schemas."""
    if index is None:
        from knowledge.embeddings import load_local_embedder
        from knowledge.schema_index import SchemaIndex
        from knowledge.store import ChromaStore

        name = f"adhoc-{schema.fingerprint or id(schema)}"
        index = SchemaIndex(ChromaStore(), embedder or load_local_embedder(), name)
        index.refresh(schema, force=True)
    return link_schema_detailed(
        question, schema, budget_tokens, index=index, value_columns=value_columns, render=render,
        count_tokens=count_tokens,
    ).tables
