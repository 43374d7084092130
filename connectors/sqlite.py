"""SQLite: the file opened read-only (mode=ro URI), PRAGMA query_only, an
authorizer that lets only reads through, and a progress handler that
interrupts a statement at its deadline.

SQLite's functions are its built-ins (no extension can be loaded). Those
neither deterministic nor innocuous, or direct-only (pragma_function_list's
flags), are refused by the guard's catalog rule and by the authorizer."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import introspect_sqlite
from .base import Handle, PooledConnector
from .explain import sqlite_plan
from .function_policy import FunctionPolicy, from_catalog
from .guard_rules import ALLOWED_PRAGMAS, is_forbidden_function
from .types import ConnectorError, Plan

# VM instructions between deadline checks: ~1 ms of work, negligible overhead.
_PROGRESS_STEPS = 10_000

# TRANSACTION: the session's own BEGIN / ROLLBACK (the guard refuses a user's).
_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE, sqlite3.SQLITE_TRANSACTION}
)
# Pragmas the connector itself issues (query_only) or SQLAlchemy reads on connect.
_OWN_PRAGMAS = frozenset({"query_only", "read_uncommitted"})

# Scalar functions that are neither SQLITE_DETERMINISTIC (0x800) nor
# SQLITE_INNOCUOUS (0x200000), or are SQLITE_DIRECTONLY (0x80000). Aggregate
# and window functions carry no such flags and only read.
_FUNCTIONS = (
    "SELECT name, type = 's' AND ((flags & 2048) = 0 AND (flags & 2097152) = 0 OR (flags & 524288) <> 0) "
    "FROM pragma_function_list"
)


def _authorize(
    functions: FunctionPolicy | None, action: int, arg1: str | None, arg2: str | None, _db: str | None,
    _trigger: str | None,
) -> int:
    """Layer 2 inside SQLite: reads, allow-listed pragmas and safe functions only."""
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        if arg2 and (is_forbidden_function(arg2, "sqlite") or (functions is not None and functions.refuses(arg2))):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1:
        name = arg1.lower()
        if name in ALLOWED_PRAGMAS["sqlite"] or (name in _OWN_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # SQLite reports its own schema loading this way; nothing is written
        # (the file is read-only) and ignoring it lets the schema load.
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_DENY


class SQLiteConnector(PooledConnector):
    dialect = "sqlite"
    engine_name = "SQLite"
    driver_errors = (sqlite3.Error,)

    def __init__(self, path: str | Path, **options: Any):
        super().__init__(**options)
        self.path = Path(path).expanduser().resolve()
        if not self.path.is_file():
            raise ConnectorError(f"no SQLite database at {self.path}")
        self.engine = sa.create_engine("sqlite://", creator=self._open, poolclass=sa.pool.QueuePool)

    def _open(self) -> sqlite3.Connection:
        uri = self.path.as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5.0)
        conn.execute("PRAGMA query_only = ON")
        # The function policy once read (None before): judged at each call.
        conn.set_authorizer(lambda *args: _authorize(self._functions, *args))
        return conn

    def _connect_failure(self) -> str:
        return f"cannot open {self.path}"

    def _begin(self, handle: Handle, timeout_s: float) -> None:
        def past_deadline() -> int:
            if time.monotonic() > handle.deadline:
                handle.timed_out = True
                return 1
            return 0

        handle.conn.set_progress_handler(past_deadline, _PROGRESS_STEPS)
        handle.conn.execute("BEGIN")  # one read snapshot for the session

    def _finish(self, handle: Handle, state: Any) -> None:
        try:
            handle.conn.set_progress_handler(None, 0)
            if handle.conn.in_transaction:
                handle.conn.execute("ROLLBACK")
        except sqlite3.Error:
            handle.broken = True

    def _is_timeout(self, handle: Handle, error: BaseException) -> bool:
        return handle.timed_out and isinstance(error, sqlite3.OperationalError)

    def _server_version(self, handle: Handle) -> str:
        return sqlite3.sqlite_version

    def _read_catalog(self, handle: Handle):
        return introspect_sqlite.read_catalog(self, handle)

    def _fingerprint_rows(self, handle: Handle) -> list[tuple]:
        return self.query(handle, introspect_sqlite.FINGERPRINT)

    def _read_functions(self, handle: Handle) -> FunctionPolicy:
        return from_catalog(
            self.query(handle, _FUNCTIONS),
            why="SQLite marks it neither deterministic nor innocuous",
            read_at=time.monotonic(),
        )

    def _explain(self, handle: Handle, sql: str, analyze: bool) -> Plan:
        _, rows, _ = self._fetch(handle, f"EXPLAIN QUERY PLAN {sql}", 100_000)
        root = sqlite_plan(rows)
        if analyze:
            # SQLite has no EXPLAIN ANALYZE: run the (guarded, read-only) query
            # to the end, counting rows without keeping them.
            started = time.perf_counter()
            cursor = handle.conn.execute(sql)
            count = sum(1 for _ in cursor)
            root.actual_ms = (time.perf_counter() - started) * 1000.0
            root.actual_rows = float(count)
        raw = [list(r) for r in rows]
        return Plan(raw=raw, root=root, analyzed=analyze, sql=sql)
