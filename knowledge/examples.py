"""Verified examples: question -> SQL pairs the user vouched for, per connection.

Retrieved by question similarity (hybrid search over the questions). A new
pair whose database is at hand must also run there (read-only, through the
connector's guard) and return rows, or it is refused. When the schema changes
every pair is checked again: it must parse in the
connection's dialect, name only tables and columns that exist, and pass the
database's EXPLAIN. A pair that fails is quarantined with its reason and
listed, never retrieved; one that passes again comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import sqlglot
from sqlalchemy import delete, func, insert, or_, select, update
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify

from connectors.types import SchemaInfo
from knowledge.errors import ExampleError
from knowledge.index import HybridIndex, Item
from knowledge.registry import EXAMPLES, Registry
from knowledge.store import ChromaStore, collection_name

OK, QUARANTINED = "ok", "quarantined"
SOURCES = ("api", "cli", "feedback")


@dataclass
class Example:
    id: int
    connection: str
    question: str
    sql: str
    source: str
    state: str
    reason: str | None = None
    score: float | None = None
    created_at: float | None = None
    created_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_sql(sql: str, schema: SchemaInfo | None, explain: Callable[[str], Any] | None = None) -> str | None:
    """Why `sql` no longer fits the schema, or None when it still does."""
    dialect = schema.dialect if schema else None
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except ParseError as exc:
        return f"does not parse: {str(exc).splitlines()[0]}"
    except RecursionError:
        return "does not parse: it nests too deeply"
    if schema is not None:
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name and table.name.lower() not in ctes and schema.table(table.name) is None:
                return f"table {table.name} does not exist"
        mapping = {t.name: {c.name: c.type or "TEXT" for c in t.columns} for t in schema.tables}
        try:
            qualify(tree.copy(), schema=mapping, dialect=dialect, validate_qualify_columns=True, identify=False)
        except OptimizeError as exc:
            return f"column check failed: {exc}"
    if explain is not None:
        try:
            explain(sql)
        except Exception as exc:  # the database's own word: a missing column, a type error
            return f"EXPLAIN failed: {exc}"
    return None


class ExampleStore:
    def __init__(self, registry: Registry, store: ChromaStore, embedder, connection: str):
        self.registry = registry
        self.connection = connection
        self.index = HybridIndex(store, collection_name("examples", connection), embedder)
        self._mine = EXAMPLES.c.connection == connection

    def _row(self, row: dict, score: float | None = None) -> Example:
        keys = ("id", "connection", "question", "sql", "source", "state", "reason", "created_at", "created_by")
        return Example(**{k: row[k] for k in keys}, score=score)

    def add(self, question: str, sql: str, *, source: str = "api", schema: SchemaInfo | None = None,
            explain: Callable[[str], Any] | None = None, run: Callable[[str], Any] | None = None,
            created_by: str | None = None) -> Example:
        """Store a pair; checked at once when the schema (and EXPLAIN) is at hand.

        With `run` (the database's read-only run) a pair is stored only when it
        fits the schema, runs and returns rows; else ExampleError says why.
        Without it a pair that does not fit is stored quarantined.
        """
        question, sql = question.strip(), sql.strip().rstrip(";").strip()
        if not question or not sql:
            raise ExampleError("both the question and the SQL are needed")
        if source not in SOURCES:
            raise ExampleError(f"source must be one of {', '.join(SOURCES)}")
        reason = check_sql(sql, schema, explain)
        if reason and (run is not None or reason.startswith("does not parse")):
            raise ExampleError(f"the SQL {reason}")
        if run is not None:
            self._runs_with_rows(sql, run)
        state = QUARANTINED if reason else OK
        new_id = self.registry.execute(insert(EXAMPLES).values(
            connection=self.connection, question=question, sql=sql, source=source, state=state, reason=reason,
            checked_fingerprint=schema.fingerprint if schema else "", created_at=time.time(), created_by=created_by))
        self.index.upsert([Item(id=str(new_id), text=question, metadata={"example_id": new_id})])
        return self.get(new_id)

    def _runs_with_rows(self, sql: str, run: Callable[[str], Any]) -> None:
        try:
            result = run(sql)
        except Exception as exc:  # the guard's refusal or the database's own error
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ExampleError(f"the SQL did not run read-only on its database: {message}") from exc
        if not result.rows:
            raise ExampleError("the SQL returns no rows on its database: an example must answer its question "
                               "with a result")

    def get(self, example_id: int) -> Example | None:
        row = self.registry.one(select(EXAMPLES).where(EXAMPLES.c.id == example_id, self._mine))
        return self._row(row) if row else None

    def list(self, state: str | None = None, q: str | None = None) -> list[Example]:
        """The pairs, oldest first; with `q`, those whose question or SQL holds it (any case)."""
        query = select(EXAMPLES).where(self._mine)
        if state:
            query = query.where(EXAMPLES.c.state == state)
        if q:
            query = query.where(or_(*(func.lower(column).contains(q.lower(), autoescape=True)
                                      for column in (EXAMPLES.c.question, EXAMPLES.c.sql))))
        return [self._row(r) for r in self.registry.rows(query.order_by(EXAMPLES.c.id))]

    def quarantined(self) -> list[Example]:
        return self.list(QUARANTINED)

    def remove(self, example_id: int) -> bool:
        gone = self.registry.execute(delete(EXAMPLES).where(EXAMPLES.c.id == example_id, self._mine))
        self.index.delete([str(example_id)])
        return bool(gone)

    def search(self, question: str, k: int = 3, *, query_embedding: list[float] | None = None) -> list[Example]:
        """The k nearest usable pairs; quarantined ones are never returned."""
        hits = self.index.search(question, k=4 * k + 8, query_embedding=query_embedding)
        if not hits:
            return []
        ids = [int(h.id) for h in hits]
        rows = {r["id"]: r for r in self.registry.rows(
            select(EXAMPLES).where(EXAMPLES.c.state == OK, self._mine, EXAMPLES.c.id.in_(ids)))}
        return [self._row(rows[int(h.id)], h.vector_score) for h in hits if int(h.id) in rows][:k]

    def recheck(self, schema: SchemaInfo, explain: Callable[[str], Any] | None = None) -> dict[str, list[int]]:
        """Check every pair against `schema`; returns ids newly quarantined and restored."""
        changed: dict[str, list[int]] = {"quarantined": [], "restored": []}
        for example in self.list():
            reason = check_sql(example.sql, schema, explain)
            state = QUARANTINED if reason else OK
            if state != example.state:
                changed["quarantined" if reason else "restored"].append(example.id)
            self.registry.execute(update(EXAMPLES).where(EXAMPLES.c.id == example.id)
                                  .values(state=state, reason=reason, checked_fingerprint=schema.fingerprint))
        return changed
