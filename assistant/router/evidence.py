"""What the user's own databases and documents say about a message, for the router.

Two measures, each cheap enough to take for every message (tens of
milliseconds once the embedding model is loaded):

- catalog: how much of the message the database names. Each content word
  (knowledge.text's words: stemmed, stop words out) is looked for among the
  table and column names (singular or plural), the stored values (sqlgen's
  value linking: the listed values of low-cardinality columns, and a bounded
  lookup in the others) and, weighed half, the semantic descriptions (column
  and table comments). Words that say what to compute ("average", "top",
  "how many"), generic and calendar words ("year", "total", "name": unless a
  name holds them) and numbers count for neither side. Catalog identifiers
  written as such (`square_meters`, `orders.status`) are noted apart.
- documents: how close the message is to the user's knowledge spaces, from
  the knowledge layer's own hybrid search (the cosine of the best chunk, and
  the share of the message's words that chunk holds).

`sources_from` builds both as callables over one database and the spaces the
caller may read; RouteContext carries them, so the router is tested with any
schema and documents, and the API gives it the real ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from assistant.sqlgen.value_linking import QUERY_WORDS, RunTree, link_values
from connectors.types import SchemaInfo
from knowledge.bm25 import inverse_document_frequency
from knowledge.text import GENERIC_WORDS, MONTHS, WEEKDAYS, stem, words

DESCRIBED_WEIGHT = 0.5  # a word only a description uses: weaker than a name or a stored value
VALUES_LOOKED_UP = 8
DOCUMENT_HITS = 3  # per space
RARE_SHARE = 0.1  # a word at most this share of the chunks hold names a topic of the documents
LOOKUP_ROWS = 3
LOOKUP_TIMEOUT_S = 1.0
# Words that ask for a computation or a count, not for a thing the data holds.
MEASURE_WORDS = frozenset(stem(w) for w in QUERY_WORDS | {"many", "much", "more", "less", "fewer", "best",
                                                          "worst", "fastest", "slowest", "biggest", "over",
                                                          "under", "above", "below", "than", "between"})
# Words any dated or measured question has ("year", "weekday", "total", "name"): they name a thing
# only where a column is called so, and even then say little of the database in particular.
GENERIC = frozenset(stem(w) for w in (*GENERIC_WORDS, *MONTHS, *WEEKDAYS, "years", "yearly", "annual", "monthly",
                                      "weekly", "weekday", "days", "daily", "quarterly", "today", "yesterday"))
# A catalog identifier written as such: `square_meters`, `orders.status`.
_IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*(?:_\w+|\.\w+)\b")


@dataclass
class CatalogEvidence:
    score: float  # 0-1: the share of the message's content words the catalog names (descriptions half)
    words: int  # content words counted
    named: list[str] = field(default_factory=list)  # words a table or column name holds
    valued: list[str] = field(default_factory=list)  # words of a stored value
    described: list[str] = field(default_factory=list)  # words only a description holds
    tables: list[str] = field(default_factory=list)  # tables named, by name or value
    measures: list[str] = field(default_factory=list)  # words that ask for a computation ("average")
    identifiers: list[str] = field(default_factory=list)  # catalog names written as such (`orders.status`)

    @property
    def specific(self) -> list[str]:
        """The named words that say something of this database: not "time" or "name"."""
        return [w for w in self.named if w not in GENERIC]

    @property
    def strong(self) -> float:
        """The share of content words a name or a stored value holds: descriptions left out."""
        return (len(self.named) + len(self.valued)) / self.words if self.words else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "score": round(self.score, 3)}


@dataclass
class DocumentEvidence:
    similarity: float  # cosine of the closest chunk (all-MiniLM-L6-v2: unrelated text below ~0.2)
    coverage: float  # 0-1: the share of the message's content words the best chunks hold
    title: str = ""  # of the closest chunk's document
    # 0-1: the same share with each word weighed by how rare it is in the spaces (its idf), so
    # that words every page has ("database", "table") say little; the plain coverage without counts.
    specificity: float | None = None
    titled: list[str] = field(default_factory=list)  # the message's rare words the closest title holds

    def to_dict(self) -> dict:
        return {"similarity": round(self.similarity, 3), "coverage": round(self.coverage, 3), "title": self.title,
                "specificity": None if self.specificity is None else round(self.specificity, 3),
                "titled": self.titled}


CatalogSource = Callable[[str], CatalogEvidence]
DocumentSource = Callable[[str], DocumentEvidence]


def _root(word: str) -> str:
    """A stem without a final "e", so that "priced" (stem "pric") meets `price`."""
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _roots(text: str) -> set[str]:
    return {_root(w) for w in words(text)}


def content_words(message: str) -> list[str]:
    """The message's search terms that can name something: no numbers, no measures, no
    generic or calendar words, no single letters."""
    return [w for w in dict.fromkeys(words(message))
            if len(w) > 1 and not w.isdigit() and w not in MEASURE_WORDS and w not in GENERIC]


def catalog_evidence(message: str, schema: SchemaInfo, *, run: RunTree | None = None,
                     sensitive: frozenset[tuple[str, str]] = frozenset()) -> CatalogEvidence:
    """How much of `message` the schema's names, stored values and descriptions account for.
    `run` looks values up in columns too varied to list (sqlgen's bounded lookups). A measure or
    generic word counts only where a name holds it ("total" and `total_amount`)."""
    names: dict[str, set[str]] = {}
    described: set[str] = set()
    for table in schema.tables:
        for word in _roots(table.name):
            names.setdefault(word, set()).add(table.name)
        described |= _roots(table.comment or "")
        for column in table.columns:
            for word in _roots(column.name):
                names.setdefault(word, set()).add(table.name)
            described |= _roots(column.comment or "")
    every = [w for w in dict.fromkeys(words(message)) if len(w) > 1 and not w.isdigit()]
    neutral = MEASURE_WORDS | GENERIC
    asked = [w for w in every if w not in neutral or _root(w) in names]
    identifiers = {t.name.lower() for t in schema.tables} | {
        f"{t.name}.{c.name}".lower() for t in schema.tables for c in t.columns} | {
        c.name.lower() for t in schema.tables for c in t.columns}
    # Written as an identifier: a catalog name, or a snake_case name of the catalog's words that
    # the user remembers not quite ("stock_quantity" for `quantity`): either speaks in its names.
    written = [i for i in dict.fromkeys(_IDENTIFIER.findall(message))
               if i.lower() in identifiers or ("_" in i and any(_root(w) in names for w in words(i)))]
    found = CatalogEvidence(0.0, len(asked), measures=[w for w in every if w in MEASURE_WORDS], identifiers=written)
    if not asked:
        return found
    values: dict[str, set[str]] = {}
    for match in link_values(message, schema, limit=VALUES_LOOKED_UP, run=run, sensitive=sensitive):
        for word in _roots(match.phrase):
            values.setdefault(word, set()).add(match.table)
    tables: set[str] = set()
    weight = 0.0
    for word in asked:
        root = _root(word)
        if root in names or root in values:
            (found.named if root in names else found.valued).append(word)
            tables |= names.get(root, set()) | values.get(root, set())
            weight += 1.0
        elif root in described:
            found.described.append(word)
            weight += DESCRIBED_WEIGHT
    found.score = weight / len(asked)
    found.tables = sorted(tables)
    return found


TermCounts = tuple[int, dict[str, int]]  # how many chunks, and how many hold each word


def document_evidence(message: str, hits: list, counts: TermCounts | None = None) -> DocumentEvidence:
    """The evidence of the knowledge layer's hits (knowledge.index.Hit) for `message`; `counts`
    (over the spaces searched) weighs each word by its rarity there."""
    scored = [h for h in hits if h.vector_score is not None]
    if not scored:
        return DocumentEvidence(0.0, 0.0)
    best = max(scored, key=lambda h: h.vector_score)
    asked = {_root(w): w for w in content_words(message)}
    held: set[str] = set()
    for hit in sorted(scored, key=lambda h: -h.vector_score)[:DOCUMENT_HITS]:
        held |= asked.keys() & _roots(hit.text)
    coverage = len(held) / len(asked) if asked else 0.0
    title = str(best.metadata.get("title", ""))
    specificity, titled = None, []
    if counts is not None and asked:
        size, df = counts
        weight = {root: float(inverse_document_frequency(size, df.get(word, 0))) for root, word in asked.items()}
        specificity = sum(weight[r] for r in held) / sum(weight.values())
        in_title = _roots(title)
        titled = [word for root, word in asked.items()
                  if root in in_title and df.get(word, 0) <= max(1.0, RARE_SHARE * size)]
    return DocumentEvidence(best.vector_score, coverage, title, specificity, titled)


def term_counts(knowledge, spaces: list[str], terms: list[str]) -> TermCounts:
    """How many chunks the `spaces` hold together, and how many of them hold each term."""
    size, df = 0, dict.fromkeys(terms, 0)
    for space in spaces:
        n, held = knowledge.documents.index(space).term_counts(terms)
        size += n
        for term, count in held.items():
            df[term] += count
    return size, df


def sources_from(knowledge, db: str | None, connector, spaces: list[str]
                 ) -> tuple[CatalogSource | None, DocumentSource | None]:
    """The two measures over `db` (through its `connector`) and `spaces`, backed by the knowledge
    layer; None for a side there is nothing to measure on. Blocking: call them in a thread."""
    from assistant.qa.context import search_spaces

    catalog = documents = None
    if connector is not None:
        sensitive = knowledge.sensitive(db) if knowledge is not None and db else frozenset()

        def run(tree):
            return connector.run_tree(tree, row_limit=LOOKUP_ROWS, timeout_s=LOOKUP_TIMEOUT_S).rows

        def catalog(message: str) -> CatalogEvidence:
            return catalog_evidence(message, connector.introspect(), run=run, sensitive=sensitive)

    if knowledge is not None and spaces:
        def documents(message: str) -> DocumentEvidence:
            # Spaces with nothing indexed say nothing: no embedding model is loaded for them.
            filled = [s for s in spaces if knowledge.documents.get(s)["documents"]]
            if not filled:
                return DocumentEvidence(0.0, 0.0)
            hits = search_spaces(knowledge, message, filled, DOCUMENT_HITS)
            return document_evidence(message, hits, term_counts(knowledge, filled, content_words(message)))

    return catalog, documents
