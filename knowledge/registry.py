"""What knowledge keeps besides vectors, in SQL tables (SQLAlchemy Core).

Spaces and their documents (path, content hash, state, error), verified
examples and their check state, sensitive columns, the value index and the
schema fingerprint each connection was last synchronised at. Chroma holds
only texts and vectors; everything that needs an exact lookup lives here.

The server keeps these tables in the metadata database (one SQLite file, or
the PostgreSQL database several API processes share), where its migrations
create them; the table names start with `knowledge_` so they sit beside the
server's own. Given a file path instead of an engine, a registry is a SQLite
file of its own whose tables it creates (tests, benchmarks, evaluation).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, Table, Text, create_engine, delete, func,
                        select)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Executable

METADATA = MetaData()

SPACES = Table(
    "knowledge_spaces", METADATA,
    Column("name", Text, primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
)
DOCUMENTS = Table(
    "knowledge_documents", METADATA,
    Column("space", Text, ForeignKey("knowledge_spaces.name", ondelete="CASCADE"), primary_key=True),
    Column("path", Text, primary_key=True),
    Column("hash", Text, nullable=False),
    Column("state", Text, nullable=False),  # indexed | failed
    Column("chunks", Integer, nullable=False, server_default="0"),
    Column("bytes", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("updated_at", Float, nullable=False),
)
EXAMPLES = Table(
    "knowledge_examples", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connection", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("sql", Text, nullable=False),
    Column("source", Text, nullable=False),  # api | cli | feedback
    Column("state", Text, nullable=False),  # ok | quarantined
    Column("reason", Text),
    Column("checked_fingerprint", Text, nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
    Column("created_by", Text),  # the user who added it (NULL: added before users were recorded)
    Index("knowledge_examples_connection", "connection", "state"),
)
SENSITIVE = Table(
    "knowledge_sensitive_columns", METADATA,
    Column("connection", Text, primary_key=True),
    Column("table_name", Text, primary_key=True),
    Column("column_name", Text, primary_key=True),
)
VALUES = Table(
    "knowledge_column_values", METADATA,
    Column("connection", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("column_name", Text, nullable=False),
    Column("value", Text, nullable=False),
    Index("knowledge_column_values_connection", "connection"),
)
SYNCED = Table(
    "knowledge_synced", METADATA,
    Column("connection", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("synced_at", Float, nullable=False),
)

# The tables of the SQLite file the releases before kept this in, as the new ones.
LEGACY_TABLES = {"spaces": SPACES, "documents": DOCUMENTS, "examples": EXAMPLES, "sensitive_columns": SENSITIVE,
                 "column_values": VALUES, "connections": SYNCED}
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Registry:
    def __init__(self, where: Engine | Path | str):
        if isinstance(where, Engine):
            self.engine, self._owned = where, False
        else:
            path = Path(where)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine, self._owned = create_engine(f"sqlite:///{path}"), True
            METADATA.create_all(self.engine)
        if self.engine.dialect.name not in _INSERTS:
            raise ValueError(f"the knowledge registry runs on SQLite or PostgreSQL, not {self.engine.dialect.name}")
        self._lock = threading.RLock()  # one writer at a time within the process (SQLite)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._lock, self.engine.begin() as connection:
            yield connection

    def rows(self, statement: Executable) -> list[dict[str, Any]]:
        with self._lock, self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(statement)]

    def one(self, statement: Executable) -> dict[str, Any] | None:
        found = self.rows(statement)
        return found[0] if found else None

    def execute(self, statement: Executable) -> int:
        """Run one statement; the id of an inserted row (else the changed-row count)."""
        with self.transaction() as connection:
            result = connection.execute(statement)
            if result.is_insert:
                return (result.inserted_primary_key or [0])[0]
            return result.rowcount

    def insert(self, table: Table):
        """INSERT in this database's dialect, with ON CONFLICT (`on_conflict_do_nothing/_update`)."""
        return _INSERTS[self.engine.dialect.name](table)

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()

    # Connections ------------------------------------------------------------
    def synced_fingerprint(self, connection: str) -> str:
        row = self.one(select(SYNCED.c.fingerprint).where(SYNCED.c.connection == connection))
        return row["fingerprint"] if row else ""

    def mark_synced(self, connection: str, fingerprint: str) -> None:
        statement = self.insert(SYNCED).values(connection=connection, fingerprint=fingerprint, synced_at=time.time())
        self.execute(statement.on_conflict_do_update(
            index_elements=[SYNCED.c.connection],
            set_={"fingerprint": statement.excluded.fingerprint, "synced_at": statement.excluded.synced_at}))

    def values_stamp(self, connection: str) -> tuple[int, float]:
        """Changes whenever the connection's stored values do, whichever process changed them:
        their count (a column marked sensitive loses its values) and the last sync's time."""
        with self._lock, self.engine.connect() as db:
            count = db.scalar(select(func.count()).select_from(VALUES).where(VALUES.c.connection == connection))
            synced = db.scalar(select(SYNCED.c.synced_at).where(SYNCED.c.connection == connection))
        return count or 0, synced or 0.0

    # Sensitive columns --------------------------------------------------------
    def sensitive(self, connection: str) -> frozenset[tuple[str, str]]:
        rows = self.rows(select(SENSITIVE.c.table_name, SENSITIVE.c.column_name)
                         .where(SENSITIVE.c.connection == connection))
        return frozenset((r["table_name"], r["column_name"]) for r in rows)

    def set_sensitive(self, connection: str, table: str, column: str, sensitive: bool) -> None:
        table, column = table.lower(), column.lower()
        with self.transaction() as db:
            if sensitive:
                db.execute(self.insert(SENSITIVE).values(connection=connection, table_name=table, column_name=column)
                           .on_conflict_do_nothing())
                # Values already indexed for the column go at once.
                db.execute(delete(VALUES).where(VALUES.c.connection == connection,
                                                func.lower(VALUES.c.table_name) == table,
                                                func.lower(VALUES.c.column_name) == column))
            else:
                db.execute(delete(SENSITIVE).where(SENSITIVE.c.connection == connection,
                                                   SENSITIVE.c.table_name == table, SENSITIVE.c.column_name == column))

    # The SQLite file of earlier releases ------------------------------------
    def adopt_file(self, path: Path) -> int:
        """Copy the rows of an earlier release's registry file into these tables, once; the rows copied.

        The file is renamed first (one process wins when several start together), then
        kept as `<name>.imported`; on a failure it gets its name back and nothing is copied.
        """
        taken = path.with_name(path.name + ".importing")
        try:
            os.rename(path, taken)
        except FileNotFoundError:
            return 0
        try:
            copied = self._copy_from(taken)
        except BaseException:
            os.rename(taken, path)
            raise
        os.rename(taken, path.with_name(path.name + ".imported"))
        return copied

    def _copy_from(self, path: Path) -> int:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        source.row_factory = sqlite3.Row
        copied = 0
        try:
            present = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            with self.transaction() as db:
                for old, table in LEGACY_TABLES.items():  # parents first: spaces before documents
                    if old not in present:
                        continue
                    rows = [{k: r[k] for k in r.keys() if k in table.c} for r in source.execute(f'SELECT * FROM "{old}"')]
                    if rows:
                        db.execute(self.insert(table).on_conflict_do_nothing(), rows)
                        copied += len(rows)
                if db.dialect.name == "postgresql":  # the id sequence continues after the copied ids
                    db.exec_driver_sql("SELECT setval(pg_get_serial_sequence('knowledge_examples', 'id'), "
                                       "COALESCE((SELECT MAX(id) FROM knowledge_examples), 0) + 1, false)")
        finally:
            source.close()
        return copied
