"""PostgreSQL through psycopg 3: every session is a READ ONLY transaction with
SET LOCAL statement_timeout, always rolled back; connections also default to
read-only. Queries are read through a server-side cursor and everything goes
over the extended protocol, which refuses a second statement by itself.

Connecting waits at most connect_timeout_s (at least 2 s, libpq's floor).
Reads are bounded on the server by statement_timeout: SET LOCAL per session,
and the query timeout for the connection as a whole, so the pool's ping and
the session's own statements have a limit too. TCP keepalives and
tcp_user_timeout notice a server or network that went away mid-statement.

A superuser can still do harm inside a read-only transaction (COPY ... TO
PROGRAM, pg_read_file, lo_export): the guard refuses those, and a role
without superuser rights is the better thing to connect as.
"""

from __future__ import annotations

import itertools
import math
import time
import uuid
from typing import Any

import psycopg
import psycopg.sql
import sqlalchemy as sa

from . import introspect_postgres
from .base import Handle, PooledConnector
from .rows import read_rows
from .explain import postgres_plan
from .function_policy import FunctionPolicy, from_catalog
from .types import Plan

_READ_ONLY_OPTION = "-c default_transaction_read_only=on"

# Per function name: whether any overload is volatile (an aggregate counts as
# volatile when one of its support functions is: the aggregate itself is always
# marked immutable), and whether a volatile overload can be called as a column,
# `t.f` meaning f(t): one argument needed, a row type or one that accepts a row.
_FUNCTIONS = """
WITH procs AS (
  SELECT p.proname, p.pronargs, p.pronargdefaults, p.proargtypes,
         p.provolatile = 'v' OR EXISTS (
           SELECT 1 FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc s
             ON s.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                          a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)
           WHERE a.aggfnoid = p.oid AND s.provolatile = 'v') AS volatile
  FROM pg_catalog.pg_proc p
)
SELECT p.proname, bool_or(p.volatile),
       bool_or(p.volatile AND p.pronargs >= 1 AND p.pronargs - p.pronargdefaults <= 1
               AND (t.typrelid <> 0 OR t.typname IN ('record', 'anyelement', 'anycompatible',
                                                     'anynonarray', 'anycompatiblenonarray', 'any')))
FROM procs p LEFT JOIN pg_catalog.pg_type t ON t.oid = p.proargtypes[0]
GROUP BY p.proname
"""


class PostgresConnector(PooledConnector):
    dialect = "postgres"
    engine_name = "PostgreSQL"
    connect_failure = "cannot connect to PostgreSQL"
    driver_errors = (psycopg.Error,)

    def __init__(self, url: sa.engine.URL, **options: Any):
        super().__init__(**options)
        existing = url.query.get("options", "")
        if isinstance(existing, tuple):
            existing = " ".join(existing)
        statement_timeout = f"-c statement_timeout={max(1, int(self.timeout_s * 1000))}"
        dead_peer_s = max(1, math.ceil(self.connect_timeout_s))
        self.engine = self._server_engine(
            url,
            pool_pre_ping=True,
            pool_size=4,
            connect_args={
                "options": f"{existing} {_READ_ONLY_OPTION} {statement_timeout}".strip(),
                "application_name": "dbgpt-connector",
                "connect_timeout": max(2, math.ceil(self.connect_timeout_s)),
                # A peer that stops answering TCP is dropped after about
                # idle + interval * count seconds, unacknowledged data after the user timeout.
                "keepalives": 1,
                "keepalives_idle": dead_peer_s,
                "keepalives_interval": dead_peer_s,
                "keepalives_count": 3,
                "tcp_user_timeout": dead_peer_s * 1000,
            },
        )

    search_path: list[str] | None = None  # the introspected schemas, once read

    def _begin(self, handle: Handle, timeout_s: float) -> None:
        with handle.conn.cursor() as cursor:
            # psycopg has already opened the transaction; this must come first in it.
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)",  # = SET LOCAL, with a bound value
                (str(max(1, int(timeout_s * 1000))),),
            )
            if self.search_path:
                path = ", ".join(psycopg.sql.Identifier(s).as_string(handle.conn) for s in self.search_path)
                cursor.execute("SELECT set_config('search_path', %s, true)", (path,))

    def _finish(self, handle: Handle, state: Any) -> None:
        try:
            handle.conn.rollback()
        except psycopg.Error:
            handle.broken = True

    def _fetch(self, handle: Handle, sql: str, limit: int, query: bool = True, max_bytes: int | None = None):
        if query:
            # DECLARE ... CURSOR: the server computes only the rows fetched.
            with handle.conn.cursor(name=f"dbgpt_{uuid.uuid4().hex[:12]}") as cursor:
                cursor.execute(sql)
                columns = [d.name for d in cursor.description or ()]
                rows, cut = read_rows(cursor.fetchmany, limit, max_bytes)
            return columns, rows, cut
        # EXPLAIN and SHOW cannot be declared as cursors: stream them instead.
        cursor = handle.conn.cursor()
        stream = cursor.stream(sql)
        try:
            rows, cut = read_rows(lambda n: list(itertools.islice(stream, n)), limit, max_bytes)
            columns = [d.name for d in cursor.description or ()]
        finally:
            stream.close()
            cursor.close()
        return columns, rows, cut

    def _is_timeout(self, handle: Handle, error: BaseException) -> bool:
        return isinstance(error, psycopg.errors.QueryCanceled)

    def _message(self, error: BaseException) -> str:
        diag = getattr(error, "diag", None)
        primary = getattr(diag, "message_primary", None)
        return primary or super()._message(error)

    def _server_version(self, handle: Handle) -> str:
        return self.query(handle, "SELECT current_setting('server_version')")[0][0]

    def _read_catalog(self, handle: Handle):
        return introspect_postgres.read_catalog(self, handle)

    def _fingerprint_rows(self, handle: Handle) -> list[tuple]:
        return introspect_postgres.fingerprint_rows(self, handle)

    def _read_functions(self, handle: Handle) -> FunctionPolicy:
        rows = self.query(handle, _FUNCTIONS)
        return from_catalog(
            ((name, volatile) for name, volatile, _ in rows),
            why="PostgreSQL marks it volatile: it may change data or the server's state",
            row_callable=[name for name, _, row_callable in rows if row_callable],
            read_at=time.monotonic(),
        )

    def _explain(self, handle: Handle, sql: str, analyze: bool) -> Plan:
        options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
        _, rows, _ = self._fetch(handle, f"EXPLAIN ({options}) {sql}", 10, query=False)
        raw = rows[0][0]
        return Plan(raw=raw, root=postgres_plan(raw), analyzed=analyze, sql=sql)
