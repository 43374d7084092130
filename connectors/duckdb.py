"""DuckDB, in process: the file opened read_only with external access off
(no files, no network, no extensions) and the configuration locked so no
statement can turn it back on. The database gets a memory limit and a
number of threads of its own, so one large query cannot take the machine. A
timer interrupts a statement at its deadline. Each session uses its own cursor
(DuckDB's per-thread connection). Opening a file needs no timeout: a file
another process holds for writing is refused at once.

The driver is used directly rather than through SQLAlchemy: execution needs
the native connection for interrupt(), and the catalog comes from DuckDB's
own table functions in bulk either way."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from . import introspect_duckdb
from .base import Connector, Handle
from .rows import read_rows
from .explain import duckdb_plan
from .function_policy import FunctionPolicy, from_catalog
from .guard import check_statement
from .types import ConnectorError, GuardRefusal, Plan

# Every read-only opener of a file in one process must use the same
# configuration: DuckDB refuses a second open with a different one.
READ_ONLY_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def read_only_config(memory_limit: str = "1GB", threads: int = 2) -> dict[str, Any]:
    """The configuration a connector opens its file with."""
    return {**READ_ONLY_CONFIG, "memory_limit": memory_limit, "threads": threads}


# Table functions carry no stability; the deny-list covers those with effects.
_FUNCTIONS = (
    "SELECT function_name, bool_or(coalesce(stability = 'VOLATILE' OR has_side_effects, false)) "
    "FROM duckdb_functions() GROUP BY function_name"
)
_MACROS = (
    "SELECT function_name, function_type, macro_definition FROM duckdb_functions() "
    "WHERE NOT internal AND function_type IN ('macro', 'table_macro')"
)


def _judge_macros(policy: FunctionPolicy, macros: list[tuple]) -> FunctionPolicy:
    """Refuse the database's macros whose body the guard refuses, calls to
    other refused macros included (so repeated until nothing changes)."""
    refused = set(policy.refused)
    changed = True
    while changed:
        changed = False
        current = dataclasses.replace(policy, refused=frozenset(refused))
        for name, kind, definition in macros:
            if name.lower() in refused:
                continue
            text = definition if kind == "table_macro" else f"SELECT {definition}"
            try:
                check_statement(text, "duckdb", current)
            except GuardRefusal:
                refused.add(name.lower())
                changed = True
    return dataclasses.replace(policy, refused=frozenset(refused))


class DuckDBConnector(Connector):
    dialect = "duckdb"
    engine_name = "DuckDB"
    driver_errors = (duckdb.Error,)

    def __init__(self, path: str | Path, *, memory_limit: str = "1GB", threads: int = 2, **options: Any):
        super().__init__(**options)
        if not isinstance(threads, int) or threads < 1:
            raise ValueError("threads must be a positive integer")
        self.path = Path(path).expanduser().resolve()
        if not self.path.is_file():
            raise ConnectorError(f"no DuckDB database at {self.path}")
        try:
            self._db = duckdb.connect(str(self.path), read_only=True, config=read_only_config(memory_limit, threads))
        except duckdb.Error as error:
            raise ConnectorError(f"cannot open {self.path}: {error}") from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _acquire(self):
        try:
            cursor = self._db.cursor()
        except duckdb.Error as error:
            raise ConnectorError(f"cannot use {self.path}: {error}") from None
        try:
            yield Handle(cursor)
        finally:
            cursor.close()

    def _begin(self, handle: Handle, timeout_s: float) -> threading.Timer:
        def interrupt() -> None:
            handle.timed_out = True
            try:
                handle.conn.interrupt()
            except duckdb.Error:
                pass  # the session ended as the timer fired

        timer = threading.Timer(timeout_s, interrupt)
        timer.daemon = True
        timer.start()
        handle.conn.execute("BEGIN TRANSACTION")
        return timer

    def _finish(self, handle: Handle, state: threading.Timer | None) -> None:
        if state is not None:
            state.cancel()
        try:
            handle.conn.execute("ROLLBACK")
        except duckdb.Error:
            pass  # an interrupted statement has already ended the transaction

    def _fetch(self, handle: Handle, sql: str, limit: int, query: bool = True, max_bytes: int | None = None):
        # DuckDB's execute() runs every statement in the text; its own parser
        # confirms there is exactly one (the guard has said so already).
        if len(duckdb.extract_statements(sql)) != 1:
            raise GuardRefusal("multiple_statements", "exactly one statement may run")
        cursor = handle.conn
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows, cut = read_rows(cursor.fetchmany, limit, max_bytes) if cursor.description else ([], None)
        return columns, rows, cut

    def _is_timeout(self, handle: Handle, error: BaseException) -> bool:
        return handle.timed_out and isinstance(error, duckdb.InterruptException)

    def _server_version(self, handle: Handle) -> str:
        return str(self.query(handle, "SELECT version()")[0][0]).lstrip("v")

    def _read_catalog(self, handle: Handle):
        return introspect_duckdb.read_catalog(self, handle)

    def _fingerprint_rows(self, handle: Handle) -> list[tuple]:
        return introspect_duckdb.fingerprint_rows(self, handle)

    def _read_functions(self, handle: Handle) -> FunctionPolicy:
        policy = from_catalog(
            self.query(handle, _FUNCTIONS),
            why="DuckDB marks it volatile or with side effects, or it is a macro that calls such a function",
            read_at=time.monotonic(),
        )
        return _judge_macros(policy, self.query(handle, _MACROS))

    def _explain(self, handle: Handle, sql: str, analyze: bool) -> Plan:
        options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
        _, rows, _ = self._fetch(handle, f"EXPLAIN ({options}) {sql}", 10, query=False)
        raw = json.loads(rows[0][1])
        if analyze and not raw.get("children"):
            # DuckDB profiles some plans (a bare COUNT(*) answered from
            # metadata) as {"result": "error"}: plan without ANALYZE, then
            # time the query here.
            _, rows, _ = self._fetch(handle, f"EXPLAIN (FORMAT JSON) {sql}", 10, query=False)
            raw = json.loads(rows[0][1])
            root = duckdb_plan(raw)
            started = time.perf_counter()
            handle.conn.execute(sql)
            count = sum(len(chunk) for chunk in iter(lambda: handle.conn.fetchmany(10_000), []))
            root.actual_ms = (time.perf_counter() - started) * 1000.0
            root.actual_rows = float(count)
            return Plan(raw=raw, root=root, analyzed=True, sql=sql)
        return Plan(raw=raw, root=duckdb_plan(raw), analyzed=analyze, sql=sql)
