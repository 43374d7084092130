"""What a QA answer may rest on: numbered sources from knowledge.

Documents come from one space (or every space), the schema from the linked
tables of one database, examples from its verified pairs. Only sources that
clear a relevance floor are kept, so an unrelated question reaches the model
with nothing to lean on, or does not reach it at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.schema_linking import plain_ddl

MIN_DOCUMENT_SIMILARITY = 0.3  # cosine, all-MiniLM-L6-v2: unrelated text sits below ~0.2
MIN_EXAMPLE_SIMILARITY = 0.5
DOCUMENTS_K = 5
EXAMPLES_K = 2
SCHEMA_BUDGET_TOKENS = 600
MAX_SOURCE_CHARS = 1500


@dataclass
class Source:
    n: int
    kind: str  # document | schema | example
    document: str  # file path, "<db> schema" or "<db> examples"
    title: str
    location: str
    score: float | None
    text: str

    def citation(self) -> dict[str, Any]:
        return {"n": self.n, "kind": self.kind, "document": self.document, "title": self.title,
                "location": self.location, "score": None if self.score is None else round(self.score, 4)}


def _documents(knowledge, question: str, space: str | list[str] | None) -> list[Source]:
    # One space, a list of spaces (those the caller may read), or every space.
    spaces = [space] if isinstance(space, str) else list(space) if space is not None else knowledge.documents.names()
    embedding = knowledge.embedder.get_query_embedding(question) if spaces else None
    hits = []
    for name in spaces:
        hits += knowledge.documents.search(name, question, DOCUMENTS_K, query_embedding=embedding)
    hits = [h for h in hits if (h.vector_score or 0.0) >= MIN_DOCUMENT_SIMILARITY]
    hits.sort(key=lambda h: -(h.vector_score or 0.0))
    return [
        Source(0, "document", h.metadata.get("path", ""), h.metadata.get("title", ""),
               h.metadata.get("location", ""), h.vector_score, h.text[:MAX_SOURCE_CHARS])
        for h in hits[:DOCUMENTS_K]
    ]


def _schema(knowledge, question: str, db: str, connector) -> list[Source]:
    schema = connector.introspect()
    linked = knowledge.link(question, db, schema, SCHEMA_BUDGET_TOKENS, connector=connector)
    scores = dict(linked.ranking)
    sources = [
        Source(0, "schema", f"{db} schema", table.name, f"table {table.name}", scores.get(table.name),
               plain_ddl(table))
        for table in linked.schema.tables
    ]
    examples = knowledge.examples(db).search(question, EXAMPLES_K)
    sources += [
        Source(0, "example", f"{db} verified examples", f"example {e.id}", e.question, e.score,
               f"Question: {e.question}\nSQL: {e.sql}")
        for e in examples if (e.score or 0.0) >= MIN_EXAMPLE_SIMILARITY
    ]
    return sources


def gather(knowledge, question: str, *, space: str | list[str] | None = None, db: str | None = None,
           connector=None) -> list[Source]:
    """Numbered sources, documents first. Blocking: call it in a thread."""
    sources = _documents(knowledge, question, space)
    if db is not None and connector is not None:
        sources += _schema(knowledge, question, db, connector)
    for n, source in enumerate(sources, start=1):
        source.n = n
    return sources
