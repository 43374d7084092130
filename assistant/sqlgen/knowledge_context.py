"""What the knowledge layer lends the SQL pipeline for one connection.

The schema index ranks the tables a question needs (hybrid retrieval over
table descriptions and stored values), and the example store holds verified
question→SQL pairs of this connection, offered to the model as few-shot
examples. Both are optional: without a knowledge layer the pipeline falls back
to its lexical linker and no examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from assistant.sqlgen.linking import Linker
from connectors.types import SchemaInfo

ExampleSource = Callable[[str], list[tuple[str, str]]]
ValueSource = Callable[[str, SchemaInfo], list]  # question, schema -> knowledge.values.ValueMatch, best first
EXAMPLES_SHOWN = 2
VALUES_SEARCHED = 12
KEYWORD_MIN_SCORE = 60.0  # keyword matches too (knowledge.values.KEYWORD_SCORES)


@dataclass
class SqlKnowledge:
    linker: Linker | None = None
    examples: ExampleSource | None = None
    # (table, column), lower-cased: columns marked sensitive, whose values the pipeline never looks up
    sensitive: frozenset[tuple[str, str]] = frozenset()
    values: ValueSource | None = None


def from_knowledge(knowledge, db: str, connector) -> SqlKnowledge:
    """Linker and examples backed by `knowledge` (knowledge.service.Knowledge) for `db`."""

    def linker(question: str, schema: SchemaInfo, budget: int) -> list[str]:
        linked = knowledge.link(question, db, schema, budget, connector=connector)
        return [name for name, _score in linked.ranking] or linked.tables

    def examples(question: str) -> list[tuple[str, str]]:
        if not knowledge.has_examples(db):  # nothing to find: do not load the embedding model for it
            return []
        return [(e.question, e.sql) for e in knowledge.examples(db).search(question, k=EXAMPLES_SHOWN)]

    def values(question: str, schema: SchemaInfo) -> list:
        from knowledge.values import distinct_via

        index = knowledge.values(db)  # within the budget the settings give
        if knowledge.registry.synced_fingerprint(db) != schema.fingerprint:  # not synced yet: the values alone
            index.build_once(schema, distinct=distinct_via(connector, schema.dialect))
        return index.search(question, limit=VALUES_SEARCHED, min_score=KEYWORD_MIN_SCORE, schema=schema)

    return SqlKnowledge(linker=linker, examples=examples, sensitive=knowledge.sensitive(db), values=values)


def examples_text(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    shown = "\n".join(f"Question: {q}\nSQL: {' '.join(sql.split())}" for q, sql in pairs)
    return f"Verified examples on this database:\n{shown}\n\n"
