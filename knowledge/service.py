"""`Knowledge`: the one object the server builds at start-up and passes down.

It owns the Chroma store, the embedder (loaded on first use: a few seconds),
the registry, the document spaces with their background ingestion, and
per-connection indexes. `sync` keeps a connection's
schema index, value index and verified examples in line with its schema;
`link` is what the SQL pipeline calls before writing a prompt.

Knowledge of a database is kept under a name (the registered name, or a
digest the server gives an unregistered URL), never under a URL: a URL may
hold a password, and the name lands in Chroma collection names and in the
registry's rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from connectors.types import SchemaInfo, TableInfo
from knowledge.registry import EXAMPLES, Registry
from knowledge.tokens import count_tokens as approximate_tokens

if TYPE_CHECKING:  # the modules behind these load Chroma and llama-index: seconds, so only on first use
    from knowledge.examples import ExampleStore
    from knowledge.schema_index import RefreshReport, SchemaIndex
    from knowledge.schema_linking import LinkedSchema
    from knowledge.store import ChromaStore
    from knowledge.values import ValueIndex, ValueMatch


def _plain_ddl(table: TableInfo) -> str:
    from knowledge.schema_linking import plain_ddl

    return plain_ddl(table)


def connection_name(connection: str) -> str:
    """`connection` itself, refused when it is a URL (see the module's docstring)."""
    if "://" in connection:
        raise ValueError("knowledge is kept per connection name, not per URL; name the database")
    return connection


@dataclass
class SyncReport:
    connection: str
    fingerprint: str
    schema: "RefreshReport"
    values: int | None = None  # values indexed, when the value index was rebuilt
    examples: dict[str, list[int]] = field(default_factory=dict)  # ids quarantined / restored

    def to_dict(self) -> dict:
        return {"connection": self.connection, "fingerprint": self.fingerprint, "schema": self.schema.to_dict(),
                "values": self.values, "examples": self.examples}


class Knowledge:
    def __init__(self, settings, *, embedder=None, store: "ChromaStore | None" = None,
                 registry: Registry | None = None):
        """`registry`: the server's, in its metadata database; by default a SQLite file in the data dir."""
        self.settings = settings
        self.registry = registry or Registry(settings.data_dir / "knowledge" / "registry.sqlite")
        self._embedder = embedder
        self._store = store
        self._lock = threading.RLock()
        self._sync_locks: dict[str, threading.Lock] = {}
        self._schema_indexes: dict[str, SchemaIndex] = {}
        self._values: dict[str, ValueIndex] = {}
        self._examples: dict[str, ExampleStore] = {}
        self._documents = None
        self._ingestion = None

    # Shared parts, built on first use ------------------------------------------
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from knowledge.embeddings import load_embedder

                self._embedder = load_embedder(self.settings)
            return self._embedder

    @property
    def store(self) -> "ChromaStore":
        with self._lock:
            if self._store is None:
                from knowledge.store import ChromaStore

                self._store = ChromaStore.from_settings(self.settings)
            return self._store

    @property
    def documents(self):
        """The knowledge spaces (`DocumentSpaces`)."""
        with self._lock:
            if self._documents is None:
                from knowledge.documents import DocumentSpaces

                s = self.settings
                self._documents = DocumentSpaces(self.registry, self.store, self.embedder, chunk_size=s.chunk_size,
                                                 chunk_overlap=s.chunk_overlap, max_bytes=s.max_document_bytes)
            return self._documents

    @property
    def ingestion(self):
        """Background ingestion jobs (`IngestionManager`)."""
        with self._lock:
            if self._ingestion is None:
                from knowledge.ingestion import IngestionManager

                self._ingestion = IngestionManager(self.documents)
            return self._ingestion

    def schema_index(self, connection: str) -> "SchemaIndex":
        from knowledge.schema_index import SchemaIndex

        connection = connection_name(connection)
        # Asked each time: another API process sharing the registry may have marked a column.
        sensitive = self.registry.sensitive(connection)
        with self._lock:
            index = self._schema_indexes.get(connection)
            if index is None or index.sensitive != sensitive:
                index = self._schema_indexes[connection] = SchemaIndex(
                    self.store, self.embedder, connection, sensitive=sensitive)
            return index

    def values(self, connection: str) -> "ValueIndex":
        from knowledge.values import ValueBudget, ValueIndex

        connection = connection_name(connection)
        with self._lock:
            if connection not in self._values:  # the budget the settings give, at sync time too
                self._values[connection] = ValueIndex(self.registry, connection,
                                                      ValueBudget.from_settings(self.settings))
            return self._values[connection]

    def examples(self, connection: str) -> "ExampleStore":
        from knowledge.examples import ExampleStore

        connection = connection_name(connection)
        with self._lock:
            if connection not in self._examples:
                self._examples[connection] = ExampleStore(self.registry, self.store, self.embedder, connection)
            return self._examples[connection]

    def has_examples(self, connection: str) -> bool:
        """Whether `connection` has usable examples; asks the registry only, loading no model."""
        rows = self.registry.rows(select(EXAMPLES.c.id).where(EXAMPLES.c.state == "ok",
                                                              EXAMPLES.c.connection == connection_name(connection))
                                  .limit(1))
        return bool(rows)

    # Schema ----------------------------------------------------------------------
    def sync(self, connection: str, schema: SchemaInfo, connector=None, *, force: bool = False) -> SyncReport:
        """Refresh the schema index; on a new fingerprint also rebuild the value
        index and re-check every verified example (EXPLAIN through `connector`)."""
        from knowledge.values import distinct_via

        connection = connection_name(connection)
        with self._lock:
            sync_lock = self._sync_locks.setdefault(connection, threading.Lock())
        # One sync of a connection at a time: a question that arrives while the background
        # warm-up (server/knowledge_warmup.py) builds the indexes waits for them, not builds them again.
        with sync_lock:
            refreshed = self.schema_index(connection).refresh(schema, force=force)
            report = SyncReport(connection, schema.fingerprint, refreshed)
            if force or not schema.fingerprint or self.registry.synced_fingerprint(connection) != schema.fingerprint:
                distinct = distinct_via(connector, schema.dialect) if connector is not None else None
                report.values = self.values(connection).build(schema, distinct=distinct)
                explain = connector.explain if connector is not None else None
                report.examples = self.examples(connection).recheck(schema, explain)
                self.registry.mark_synced(connection, schema.fingerprint)
        return report

    def set_sensitive(self, connection: str, table: str, column: str, sensitive: bool = True) -> None:
        """Mark a column sensitive (or not). Its values leave the value index at
        once; the schema index drops them at the next sync."""
        connection = connection_name(connection)
        self.registry.set_sensitive(connection, table, column, sensitive)
        with self._lock:
            self._schema_indexes.pop(connection, None)
            self.values(connection).invalidate()
        if not sensitive:
            self.registry.mark_synced(connection, "")  # values come back at the next sync

    def sensitive(self, connection: str) -> frozenset[tuple[str, str]]:
        return self.registry.sensitive(connection_name(connection))

    def link(
        self,
        question: str,
        connection: str,
        schema: SchemaInfo,
        budget_tokens: int | None = None,
        *,
        connector=None,
        render: Callable[[TableInfo], str] = _plain_ddl,
        count_tokens: Callable[[str], int] = approximate_tokens,
    ) -> "LinkedSchema":
        """Sync, then choose (and trim) the tables the question needs."""
        from knowledge.schema_linking import link_schema_detailed
        from knowledge.values import ValueIndex

        self.sync(connection, schema, connector)
        matches = self.values(connection).search(question)
        return link_schema_detailed(
            question, schema, budget_tokens or self.settings.schema_budget_tokens,
            index=self.schema_index(connection), value_columns=ValueIndex.columns_of(matches),
            render=render, count_tokens=count_tokens,
        )

    def match_values(self, connection: str, question: str, limit: int = 10) -> "list[ValueMatch]":
        return self.values(connection).search(question, limit=limit)

    def close(self) -> None:
        if self._ingestion is not None:
            self._ingestion.shutdown()
        self.registry.close()
