"""What knowledge keeps besides vectors, in one SQLite file under the data dir.

Spaces and their documents (path, content hash, state, error), verified
examples and their check state, sensitive columns, the value index and the
schema fingerprint each connection was last synchronised at. Chroma holds
only texts and vectors; everything that needs an exact lookup lives here.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spaces (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    space TEXT NOT NULL REFERENCES spaces(name) ON DELETE CASCADE,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    state TEXT NOT NULL,            -- indexed | failed
    chunks INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (space, path)
);
CREATE TABLE IF NOT EXISTS examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    question TEXT NOT NULL,
    sql TEXT NOT NULL,
    source TEXT NOT NULL,           -- api | cli | feedback
    state TEXT NOT NULL,            -- ok | quarantined
    reason TEXT,
    checked_fingerprint TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    created_by TEXT                 -- the user who added it (NULL: added before users were recorded)
);
CREATE INDEX IF NOT EXISTS examples_connection ON examples(connection, state);
CREATE TABLE IF NOT EXISTS sensitive_columns (
    connection TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    PRIMARY KEY (connection, table_name, column_name)
);
CREATE TABLE IF NOT EXISTS column_values (
    connection TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS column_values_connection ON column_values(connection);
CREATE TABLE IF NOT EXISTS connections (
    connection TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    synced_at REAL NOT NULL
);
"""


class Registry:
    def __init__(self, path: Path | str):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()
        self._lock = threading.RLock()

    def _add_missing_columns(self) -> None:
        """Columns added since a registry file was made (CREATE TABLE IF NOT EXISTS leaves it as it was)."""
        columns = {r["name"] for r in self._db.execute("PRAGMA table_info(examples)")}
        if "created_by" not in columns:
            self._db.execute("ALTER TABLE examples ADD COLUMN created_by TEXT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, params).fetchall()]

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one statement; the id of an inserted row (else the changed-row count)."""
        with self._lock:
            cursor = self._db.execute(sql, params)
            return cursor.lastrowid if sql.lstrip().upper().startswith("INSERT") else cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Connections ------------------------------------------------------------
    def synced_fingerprint(self, connection: str) -> str:
        row = self.one("SELECT fingerprint FROM connections WHERE connection = ?", (connection,))
        return row["fingerprint"] if row else ""

    def mark_synced(self, connection: str, fingerprint: str) -> None:
        self.execute(
            "INSERT INTO connections VALUES (?, ?, ?) ON CONFLICT(connection) DO UPDATE SET "
            "fingerprint = excluded.fingerprint, synced_at = excluded.synced_at",
            (connection, fingerprint, time.time()),
        )

    # Sensitive columns --------------------------------------------------------
    def sensitive(self, connection: str) -> frozenset[tuple[str, str]]:
        rows = self.rows("SELECT table_name, column_name FROM sensitive_columns WHERE connection = ?", (connection,))
        return frozenset((r["table_name"], r["column_name"]) for r in rows)

    def set_sensitive(self, connection: str, table: str, column: str, sensitive: bool) -> None:
        key = (connection, table.lower(), column.lower())
        with self.transaction() as db:
            if sensitive:
                db.execute("INSERT OR IGNORE INTO sensitive_columns VALUES (?, ?, ?)", key)
                # Values already indexed for the column go at once.
                db.execute(
                    "DELETE FROM column_values WHERE connection = ? AND lower(table_name) = ? "
                    "AND lower(column_name) = ?",
                    key,
                )
            else:
                db.execute(
                    "DELETE FROM sensitive_columns WHERE connection = ? AND table_name = ? AND column_name = ?", key
                )
