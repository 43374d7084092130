"""What a QA answer may rest on: numbered sources from knowledge.

Documents come from one space (or every space), the schema from the linked
tables of one database, examples from its verified pairs. Only sources that
clear a relevance floor are kept, so an unrelated question reaches the model
with nothing to lean on, or does not reach it at all. A chunk that holds only
its section's heading (a title close to the question, with the text under
it in the next chunk) is not shown: it states nothing, and takes a place
another passage could have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.qa.plain_text import sentences
from knowledge.schema_linking import plain_ddl
from knowledge.text import words

MIN_DOCUMENT_SIMILARITY = 0.3  # cosine, all-MiniLM-L6-v2: unrelated text sits below ~0.2
MIN_EXAMPLE_SIMILARITY = 0.5
SEARCH_K = 5  # candidates per space, of which the DOCUMENTS_K closest are shown to the model
DOCUMENTS_K = 4
EXAMPLES_K = 2
SCHEMA_BUDGET_TOKENS = 600
MAX_SOURCE_CHARS = 800  # of a document chunk: the part closest to the question (`focus`)
EXCERPT_CHARS = 300  # of each source, for a reader who wants to check it


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
                "location": self.location, "score": None if self.score is None else round(self.score, 4),
                "excerpt": excerpt(self.text)}


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a source's text on one line, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def focus(text: str, question: str, limit: int) -> str:
    """At most `limit` characters of `text`, whole sentences in order: the
    sentence that shares the most words with the question (the first such),
    grown one neighbour at a time, the closer to the question first (the next
    one on a tie). Line breaks are kept. A short prompt is a fast one on a CPU."""
    if len(text) <= limit:
        return text
    asked = set(words(question))
    units = sentences(text)
    gains = [len(asked & set(words(sentence))) for sentence, _ in units]
    best = max(range(len(units)), key=lambda i: (gains[i], -i))
    start, end, size = best, best + 1, len(units[best][0])
    while True:
        after = end < len(units) and size + 1 + len(units[end][0]) <= limit
        before = start > 0 and size + 1 + len(units[start - 1][0]) <= limit
        if after and (not before or gains[end] >= gains[start - 1]):
            size, end = size + 1 + len(units[end][0]), end + 1
        elif before:
            size, start = size + 1 + len(units[start - 1][0]), start - 1
        else:
            break
    chosen = "".join(s + sep for s, sep in units[start:end]).strip()
    return chosen[:limit]


def heading_only(text: str, location: str) -> bool:
    """Whether a chunk's text is no more than headings: its section's titles
    (`location`, "Part > Section") or lines that open with "#", each with its
    section number ("4.1.") or not."""
    titles = {_title(part) for part in location.split(">")}
    rest = [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#") and _title(line) not in titles]
    return not rest


def _title(line: str) -> str:
    return " ".join(re.sub(r"^\s*(?:\d{1,3}\.)+\d{0,3}\s*", "", line).lower().split())


def search_spaces(knowledge, question: str, space: str | list[str] | None, k: int = SEARCH_K) -> list:
    """The k best hits (knowledge.index.Hit) of each space, the question embedded once.
    `space`: one space, a list of spaces (those the caller may read), or every space."""
    spaces = [space] if isinstance(space, str) else list(space) if space is not None else knowledge.documents.names()
    embedding = knowledge.embedder.get_query_embedding(question) if spaces else None
    hits = []
    for name in spaces:
        hits += knowledge.documents.search(name, question, k, query_embedding=embedding)
    return hits


def _documents(knowledge, question: str, space: str | list[str] | None) -> list[Source]:
    hits = [h for h in search_spaces(knowledge, question, space) if (h.vector_score or 0.0) >= MIN_DOCUMENT_SIMILARITY
            and not heading_only(h.text, h.metadata.get("location", ""))]
    hits.sort(key=lambda h: -(h.vector_score or 0.0))
    return [
        Source(0, "document", h.metadata.get("path", ""), h.metadata.get("title", ""),
               h.metadata.get("location", ""), h.vector_score, focus(h.text, question, MAX_SOURCE_CHARS))
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
