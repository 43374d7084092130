"""The value index: distinct values of the text columns of a database, found
by approximate match, so "new york" or "new yrok" in a question finds
`city = 'New York'`, and "smith" finds `customer.full_name = 'John Smith'`.

Every text column is read at build time (sync), sensitive ones never:
- a column of at most MAX_DISTINCT distinct values is kept whole;
- a column with more (names, titles) keeps its most frequent values within a
  budget (`ValueBudget`: values and bytes per column and per database, from
  the `value_index_*` settings), columns that name their own entity first
  (`names_entity`); values without a letter (dates, numbers, codes) are left
  out of these, the question's own words find those.

A question's phrases (1-4 words) are matched against every value exactly,
case- and accent-folded, and approximately (rapidfuzz ratio); single words
also by keyword (BM25 over the values' words, a misspelt word first mapped to
the nearest word the values use), which finds a part of a name. Matches are
ranked by quality (exact 100, approximate 85-99, keyword 60-80) and, given
the schema, by whether the column names the entity itself.

Values come from a `distinct` callback (a bounded query through the caller's
connector, see `distinct_via`) or, without one, from the values the
connector's introspection sampled. Sensitive columns are skipped at build
time and their stored values deleted as soon as they are marked.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import delete, insert, select
from sqlglot import exp

from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from knowledge.bm25 import BM25
from knowledge.registry import VALUES, Registry
from knowledge.text import STOP_WORDS, singular, split_identifier, words

MAX_DISTINCT = 200  # at most this many distinct values: a low-cardinality column, kept whole
MAX_VALUE_CHARS = 100
MAX_PHRASE_WORDS = 4
MAX_KEYWORD_VALUE_WORDS = 6  # a keyword finds a word of a name or title (spaced words), not of a sentence
FUZZY_MIN_SCORE = 85.0  # an approximate match below this is another value, whatever `min_score` says
KEYWORD_SCORES = (60.0, 80.0)  # a keyword match's score, from none to all of the value's words matched
_TEXT_TYPE = re.compile(r"char|text|string|clob|enum|citext", re.IGNORECASE)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

Distinct = Callable[[TableInfo, ColumnInfo, int], "list[str] | None"]


@dataclass(frozen=True)
class ValueBudget:
    """How much of the high-cardinality columns the index keeps (low-cardinality
    columns count against the database's totals too)."""

    values_per_column: int = 5_000
    bytes_per_column: int = 128_000
    values_per_database: int = 50_000
    bytes_per_database: int = 2_000_000

    @classmethod
    def from_settings(cls, settings) -> "ValueBudget":
        return cls(values_per_column=settings.value_index_values_per_column,
                   bytes_per_column=settings.value_index_bytes_per_column,
                   values_per_database=settings.value_index_values_per_database,
                   bytes_per_database=settings.value_index_bytes_per_database)


@dataclass
class ValueMatch:
    table: str
    column: str
    value: str
    phrase: str  # the words of the question it matched
    score: float  # 0-100: 100 exact (as folded), 85-99 approximate, 60-80 a keyword of the value

    def to_dict(self) -> dict:
        return {"table": self.table, "column": self.column, "value": self.value, "phrase": self.phrase,
                "score": round(self.score, 1)}


def normalise(text: str) -> str:
    """Lower case, accents folded ("São" -> "sao"), words joined by one space."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(_TOKEN.findall(folded))


def is_text_column(column: ColumnInfo) -> bool:
    return bool(column.type) and bool(_TEXT_TYPE.search(column.type))


# Words that say which form of a name a column holds, not whose name it is.
_NAME_FORMS = frozenset({"full", "first", "last", "middle", "given", "family", "display", "legal", "common",
                         "official", "short", "long", "preferred", "nick", "sur"})


def names_entity(table: TableInfo, column: ColumnInfo) -> bool:
    """Whether the column names the row's own entity: the table's one key, a `name` or
    `title` (of any form: person.full_name, customer.last_name), or a name-like column
    carrying the table's name (state.state_name, not border_info.state_name, which
    refers to a state)."""
    if column.primary_key and len(table.primary_key) <= 1:
        return True
    parts = split_identifier(column.name)
    if not parts or parts[-1] not in ("name", "title"):
        return False
    owners = [w for w in parts[:-1] if w not in _NAME_FORMS]
    table_words = {singular(w) for w in split_identifier(table.name)}
    return not owners or any(singular(w) in table_words for w in owners)


def distinct_via(connector, dialect: str) -> Distinct:
    """A `distinct` callback that asks the database through `connector.run`: a
    column's `limit` most frequent values, with a query built as a tree
    (identifiers quoted by sqlglot)."""

    def distinct(table: TableInfo, column: ColumnInfo, limit: int) -> list[str] | None:
        source = exp.table_(table.name, db=table.schema, quoted=True)
        col = exp.column(column.name, quoted=True)
        query = (exp.select(col).from_(source).where(col.is_(exp.null()).not_()).group_by(col)
                 .order_by(exp.Ordered(this=exp.Count(this=exp.Star()), desc=True)).limit(limit))
        return [str(r[0]) for r in connector.run(query.sql(dialect=dialect), row_limit=limit).rows]

    return distinct


def _kept(values: list[str], budget: ValueBudget, values_left: int, bytes_left: int) -> list[str]:
    """A high-cardinality column's values within the column's and the database's budgets, in order."""
    kept, size = [], 0
    cap_values, cap_bytes = min(budget.values_per_column, values_left), min(budget.bytes_per_column, bytes_left)
    for value in values:
        cost = len(value.encode())
        if len(kept) >= cap_values or size + cost > cap_bytes:
            break
        if _LETTER.search(value):
            kept.append(value)
            size += cost
    return kept


class ValueIndex:
    def __init__(self, registry: Registry, connection: str, budget: ValueBudget | None = None):
        self.registry = registry
        self.connection = connection
        self.budget = budget or ValueBudget()
        self._lock = threading.Lock()
        self._cache: _Entries | None = None
        self._stamp: tuple[int, float] | None = None  # the registry's, when the cache was read
        self._built_for: str | None = None  # the fingerprint `build_once` last built

    def build(self, schema: SchemaInfo, *, distinct: Distinct | None = None) -> int:
        """Replace the connection's values, within this index's budget; returns how many were stored."""
        budget = self.budget
        sensitive = self.registry.sensitive(self.connection)
        columns = [(table, column) for table in schema.tables for column in table.columns
                   if is_text_column(column) and (table.name.lower(), column.name.lower()) not in sensitive]
        chosen: list[tuple[TableInfo, ColumnInfo, list[str]]] = []
        wide: list[tuple[TableInfo, ColumnInfo]] = []
        for table, column in columns:
            values = _read(distinct, table, column, MAX_DISTINCT + 1)
            if values is not None and len(values) > MAX_DISTINCT:
                wide.append((table, column))
            elif values:
                chosen.append((table, column, list(dict.fromkeys(v for v in values if v and len(v) <= MAX_VALUE_CHARS))))
        values_left = budget.values_per_database - sum(len(v) for *_, v in chosen)
        bytes_left = budget.bytes_per_database - sum(len(x.encode()) for *_, v in chosen for x in v)
        wide.sort(key=lambda tc: not names_entity(*tc))  # the entity's own names first
        for table, column in wide if distinct else []:
            if values_left <= 0 or bytes_left <= 0:
                break
            read = _read(distinct, table, column, min(budget.values_per_column, values_left)) or []
            kept = _kept([v for v in dict.fromkeys(read) if v and len(v) <= MAX_VALUE_CHARS], budget,
                         values_left, bytes_left)
            chosen.append((table, column, kept))
            values_left -= len(kept)
            bytes_left -= sum(len(v.encode()) for v in kept)
        rows = [{"connection": self.connection, "table_name": table.name, "column_name": column.name, "value": value}
                for table, column, values in chosen for value in values]
        with self.registry.transaction() as db:
            db.execute(delete(VALUES).where(VALUES.c.connection == self.connection))
            if rows:
                db.execute(insert(VALUES), rows)
        with self._lock:
            self._cache = None
        return len(rows)

    def build_once(self, schema: SchemaInfo, **build) -> None:
        """`build`, unless this object has built the values of this schema already (its fingerprint)."""
        if self._built_for is None or self._built_for != schema.fingerprint or not schema.fingerprint:
            self.build(schema, **build)
            self._built_for = schema.fingerprint

    def _entries(self) -> "_Entries":
        # Another API process sharing the registry may have rebuilt the values or dropped a column's.
        stamp = self.registry.values_stamp(self.connection)
        with self._lock:
            if self._cache is None or stamp != self._stamp:
                self._stamp = stamp
                found = self.registry.rows(select(VALUES.c.table_name, VALUES.c.column_name, VALUES.c.value)
                                           .where(VALUES.c.connection == self.connection))
                self._cache = _Entries([(r["table_name"], r["column_name"], r["value"]) for r in found])
            return self._cache

    def invalidate(self) -> None:
        with self._lock:
            self._cache = None

    def count(self) -> int:
        return len(self._entries().entries)

    def search(self, question: str, *, limit: int = 10, min_score: float = 85.0,
               schema: SchemaInfo | None = None) -> list[ValueMatch]:
        """Stored values that the question's phrases (1-4 words) spell, or
        nearly spell (rapidfuzz ratio >= min_score, never under 85), best first; with
        min_score <= 80 also values holding one of its words (keyword matches).
        With `schema`, a column naming its own entity comes first among equals."""
        found = self._entries()
        entries, normalised = found.entries, found.normalised
        words_ = normalise(question).split()
        phrases = {
            " ".join(words_[i : i + n])
            for n in range(1, MAX_PHRASE_WORDS + 1)
            for i in range(len(words_) - n + 1)
        }
        phrases = sorted(p for p in phrases if p not in STOP_WORDS and len(p) >= 2)
        if not entries or not phrases:
            return []
        scores = process.cdist(phrases, normalised, scorer=fuzz.ratio, score_cutoff=max(min_score, FUZZY_MIN_SCORE),
                               dtype=np.uint8)
        best: dict[int, tuple[float, str]] = {}
        for p_index, v_index in zip(*np.nonzero(scores)):
            phrase, value = phrases[p_index], normalised[v_index]
            # Short values match only exactly: "ca" must not find "la".
            if len(value) < 4 and phrase != value:
                continue
            score = float(scores[p_index, v_index])
            if score > best.get(v_index, (0.0, ""))[0]:
                best[v_index] = (score, phrase)
        if min_score <= KEYWORD_SCORES[1]:
            spelled = {w for score, phrase in best.values() for w in phrase.split()}
            for v_index, (score, phrase) in found.keyword([w for w in words_ if w not in spelled]).items():
                if score >= min_score and v_index not in best:
                    best[v_index] = (score, phrase)
        own = {(t.name, c.name) for t in (schema.tables if schema else []) for c in t.columns if names_entity(t, c)}

        def rank(item: tuple[int, tuple[float, str]]):
            (table, column, value), (score, phrase) = entries[item[0]], item[1]
            return -score, (table, column) not in own, -len(phrase), value

        ranked = sorted(best.items(), key=rank)[:limit]
        return [
            ValueMatch(table=entries[i][0], column=entries[i][1], value=entries[i][2], phrase=phrase, score=score)
            for i, (score, phrase) in ranked
        ]

    @staticmethod
    def columns_of(matches: list[ValueMatch]) -> dict[str, set[str]]:
        """table -> columns, the form `link_schema` takes."""
        out: dict[str, set[str]] = {}
        for match in matches:
            out.setdefault(match.table, set()).add(match.column)
        return out


def _read(distinct: Distinct | None, table: TableInfo, column: ColumnInfo, limit: int) -> list[str] | None:
    if distinct is None:
        return column.values
    try:
        values = distinct(table, column, limit)
    except Exception:  # an unreadable column leaves the rest of the index intact
        return column.values
    return column.values if values is None else values


MIN_KEYWORD_CHARS = 4
MAX_KEYWORD_HITS = 8  # a word in more values than this singles none of them out
MIN_CORRECTED_CHARS = 5  # shorter words are too easily another word when misspelt
CORRECTION_SCORE = 85.0


class _Entries:
    """One connection's values as searched: as stored, normalised, and their words under BM25."""

    def __init__(self, entries: list[tuple[str, str, str]]):
        self.entries = entries
        self.normalised = [normalise(e[2]) for e in entries]
        self._bm25: BM25 | None = None

    @property
    def bm25(self) -> BM25:
        if self._bm25 is None:  # on the first keyword search only
            # Words of names and titles: a value without a space (a code, a URL, an e-mail) is matched whole only.
            self._bm25 = BM25([n if " " in e[2].strip() and len(n.split()) <= MAX_KEYWORD_VALUE_WORDS else ""
                               for e, n in zip(self.entries, self.normalised)])
            self._df = np.diff(self._bm25.weights.indptr)
            self._vocabulary = list(self._bm25.vocabulary)
        return self._bm25

    def _term(self, word: str) -> str | None:
        """The values' own word for a question word: itself, or the nearest (a misspelling), if rare enough."""
        found = words(word)
        if len(found) != 1 or len(word) < MIN_KEYWORD_CHARS or not _LETTER.search(word):
            return None
        term, bm25 = found[0], self.bm25
        if term not in bm25.vocabulary and len(term) >= MIN_CORRECTED_CHARS and self._vocabulary:
            near = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=CORRECTION_SCORE)
            term = near[0] if near else term
        if term not in bm25.vocabulary or self._df[bm25.vocabulary[term]] > MAX_KEYWORD_HITS:
            return None
        return term

    def keyword(self, question_words: list[str]) -> dict[int, tuple[float, str]]:
        """Values holding one of the words (or the nearest word they use): score by how much of the value matched."""
        terms: dict[str, str] = {}
        for word in question_words:
            if word not in STOP_WORDS and (term := self._term(word)) is not None:
                terms.setdefault(term, word)
        if not terms:
            return {}
        low, high = KEYWORD_SCORES
        out = {}
        bm25 = self.bm25
        ids = [bm25.vocabulary[t] for t in terms]
        for index in np.flatnonzero(np.asarray(bm25.weights[:, ids].sum(axis=1)).ravel() > 0):
            own = set(words(self.normalised[index]))
            matched = [terms[t] for t in terms if t in own]
            if own and matched:
                out[index] = (low + (high - low) * len(matched) / len(own), " ".join(matched))
        return out
