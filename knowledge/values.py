"""The value index: distinct values of low-cardinality text columns, found by
approximate match, so "new york" or "new yrok" in a question finds
`city = 'New York'`.

Values come from a `distinct` callback (a bounded SELECT DISTINCT through the
caller's connector, see `distinct_via`) or, without one, from the values the
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
from knowledge.registry import VALUES, Registry
from knowledge.text import STOP_WORDS

MAX_DISTINCT = 200  # more distinct values than this: not a low-cardinality column
MAX_VALUE_CHARS = 100
MAX_PHRASE_WORDS = 4
_TEXT_TYPE = re.compile(r"char|text|string|clob|enum|citext", re.IGNORECASE)
_TOKEN = re.compile(r"\w+", re.UNICODE)

Distinct = Callable[[TableInfo, ColumnInfo], "list[str] | None"]


@dataclass
class ValueMatch:
    table: str
    column: str
    value: str
    phrase: str  # the words of the question it matched
    score: float  # 0-100, 100 an exact match

    def to_dict(self) -> dict:
        return {"table": self.table, "column": self.column, "value": self.value, "phrase": self.phrase,
                "score": round(self.score, 1)}


def normalise(text: str) -> str:
    """Lower case, accents folded ("São" -> "sao"), words joined by one space."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(_TOKEN.findall(folded))


def is_text_column(column: ColumnInfo) -> bool:
    return bool(column.type) and bool(_TEXT_TYPE.search(column.type))


def distinct_via(connector, dialect: str, limit: int = MAX_DISTINCT) -> Distinct:
    """A `distinct` callback that asks the database through `connector.run`
    with a bounded query built as a tree (identifiers quoted by sqlglot)."""

    def distinct(table: TableInfo, column: ColumnInfo) -> list[str] | None:
        source = exp.table_(table.name, db=table.schema, quoted=True)
        query = exp.select(exp.column(column.name, quoted=True)).distinct().from_(source).where(
            exp.column(column.name, quoted=True).is_(exp.null()).not_()
        ).limit(limit + 1)
        rows = connector.run(query.sql(dialect=dialect), row_limit=limit + 1).rows
        if len(rows) > limit:
            return None
        return [str(r[0]) for r in rows]

    return distinct


class ValueIndex:
    def __init__(self, registry: Registry, connection: str):
        self.registry = registry
        self.connection = connection
        self._lock = threading.Lock()
        self._cache: tuple[list[tuple[str, str, str]], list[str]] | None = None
        self._stamp: tuple[int, float] | None = None  # the registry's, when the cache was read

    def build(self, schema: SchemaInfo, *, distinct: Distinct | None = None) -> int:
        """Replace the connection's values; returns how many were stored."""
        sensitive = self.registry.sensitive(self.connection)
        rows: list[dict[str, str]] = []
        for table in schema.tables:
            for column in table.columns:
                if not is_text_column(column) or (table.name.lower(), column.name.lower()) in sensitive:
                    continue
                try:
                    values = distinct(table, column) if distinct else column.values
                except Exception:  # an unreadable column leaves the rest of the index intact
                    values = column.values
                if not values or len(values) > MAX_DISTINCT:
                    continue
                for value in dict.fromkeys(v for v in values if v and len(v) <= MAX_VALUE_CHARS):
                    rows.append({"connection": self.connection, "table_name": table.name, "column_name": column.name,
                                 "value": value})
        with self.registry.transaction() as db:
            db.execute(delete(VALUES).where(VALUES.c.connection == self.connection))
            if rows:
                db.execute(insert(VALUES), rows)
        with self._lock:
            self._cache = None
        return len(rows)

    def _entries(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        # Another API process sharing the registry may have rebuilt the values or dropped a column's.
        stamp = self.registry.values_stamp(self.connection)
        with self._lock:
            if self._cache is None or stamp != self._stamp:
                self._stamp = stamp
                found = self.registry.rows(select(VALUES.c.table_name, VALUES.c.column_name, VALUES.c.value)
                                           .where(VALUES.c.connection == self.connection))
                entries = [(r["table_name"], r["column_name"], r["value"]) for r in found]
                self._cache = (entries, [normalise(e[2]) for e in entries])
            return self._cache

    def invalidate(self) -> None:
        with self._lock:
            self._cache = None

    def count(self) -> int:
        return len(self._entries()[0])

    def search(self, question: str, *, limit: int = 10, min_score: float = 85.0) -> list[ValueMatch]:
        """Stored values that the question's phrases (1-4 words) spell, or
        nearly spell (rapidfuzz ratio >= min_score), best first."""
        entries, normalised = self._entries()
        words = normalise(question).split()
        phrases = {
            " ".join(words[i : i + n])
            for n in range(1, MAX_PHRASE_WORDS + 1)
            for i in range(len(words) - n + 1)
        }
        phrases = sorted(p for p in phrases if p not in STOP_WORDS and len(p) >= 2)
        if not entries or not phrases:
            return []
        scores = process.cdist(phrases, normalised, scorer=fuzz.ratio, score_cutoff=min_score, dtype=np.uint8)
        best: dict[int, tuple[float, str]] = {}
        for p_index, v_index in zip(*np.nonzero(scores)):
            phrase, value = phrases[p_index], normalised[v_index]
            # Short values match only exactly: "ca" must not find "la".
            if len(value) < 4 and phrase != value:
                continue
            score = float(scores[p_index, v_index])
            if score > best.get(v_index, (0.0, ""))[0]:
                best[v_index] = (score, phrase)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], entries[item[0]][2]))[:limit]
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
