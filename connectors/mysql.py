"""MySQL and MariaDB through PyMySQL: sessions are START TRANSACTION READ
ONLY under the engine's own statement time limit (MariaDB
max_statement_time, MySQL max_execution_time), always rolled back, and the
connection's default transaction is read-only too. Rows are streamed with an
unbuffered cursor; when a result is cut at the row cap the statement is
stopped with KILL QUERY and the connection dropped rather than drained.
PyMySQL leaves multi-statements and LOCAL INFILE off, so the server refuses
a second statement and client-side file reads.

PyMySQL waits forever for an answer unless told otherwise, and its
connect_timeout covers only the TCP connect: the handshake and every read
are bounded by read_timeout. It is connect_timeout_s while connecting and
between sessions, and a little above the statement's time limit inside one,
so the server's own limit answers first.

A read-only transaction does not stop SELECT ... INTO OUTFILE: an account
with the FILE privilege (root here, secure_file_priv unset) writes the file.
The guard refuses it; an account without FILE is the better default.

MySQL has no volatility catalog. Stored functions are judged by their
declaration (information_schema.ROUTINES): only those declared DETERMINISTIC
with NO SQL or READS SQL DATA may be called. The server does not enforce the
declaration, so a function that lies is still stopped by the read-only
transaction when it writes a table. Loadable (UDF) functions are native code
and always refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pymysql
import pymysql.cursors
import sqlalchemy as sa

from . import introspect_mysql
from .base import Handle, PooledConnector
from .rows import read_rows
from .explain import mysql_plan, mysql_tree_plan
from .function_policy import FunctionPolicy, from_catalog
from .types import Plan

_STORED_FUNCTIONS = (
    "SELECT ROUTINE_NAME, NOT (IS_DETERMINISTIC = 'YES' AND SQL_DATA_ACCESS IN ('NO SQL', 'READS SQL DATA')) "
    "FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION'"
)
# Loadable functions, where the account may read their registry.
_LOADABLE_MARIADB = "SELECT name, TRUE FROM mysql.func"
_LOADABLE_MYSQL = "SELECT UDF_NAME, TRUE FROM performance_schema.user_defined_functions"

# Server error codes that mean "stopped by a time limit".
_TIMEOUT_CODES = frozenset({1969, 3024, 1317})
# Seconds the client waits for an answer past the statement's own time limit.
_READ_GRACE_S = 5.0


class MySQLConnector(PooledConnector):
    dialect = "mysql"
    connect_failure = "cannot connect to MySQL/MariaDB"
    driver_errors = (pymysql.Error,)

    def __init__(self, url: sa.engine.URL, **options: Any):
        super().__init__(**options)
        self.engine = self._server_engine(
            url,
            pool_pre_ping=True,
            pool_size=4,
            connect_args={
                "init_command": "SET SESSION TRANSACTION READ ONLY",
                "local_infile": False,
                "connect_timeout": self.connect_timeout_s,
                "read_timeout": self.connect_timeout_s,
                "write_timeout": self.connect_timeout_s,
            },
        )
        self._mariadb: bool | None = None

    @property
    def sql_dialect(self) -> str:
        return "mariadb" if self._is_mariadb() else "mysql"

    def _is_mariadb(self) -> bool:
        if self._mariadb is None:
            with self._acquire():
                pass
        return bool(self._mariadb)

    @property
    def engine_name(self) -> str:  # known once connected
        return "MariaDB" if self._is_mariadb() else "MySQL"

    def _on_connect(self, handle: Handle) -> None:
        if self._mariadb is None:
            self._mariadb = "mariadb" in handle.conn.get_server_info().lower()

    def _begin(self, handle: Handle, timeout_s: float) -> None:
        # PyMySQL reads its read timeout from this attribute before every read.
        handle.conn._read_timeout = timeout_s + _READ_GRACE_S
        with handle.conn.cursor() as cursor:
            if self._mariadb:
                cursor.execute("SET SESSION max_statement_time = %s", (round(timeout_s, 3),))
            else:
                cursor.execute("SET SESSION max_execution_time = %s", (max(1, int(timeout_s * 1000)),))
            cursor.execute("START TRANSACTION READ ONLY")

    def _finish(self, handle: Handle, state: Any) -> None:
        handle.conn._read_timeout = self.connect_timeout_s
        if handle.broken:
            return  # closing the connection ends the transaction on the server
        try:
            handle.conn.rollback()
        except pymysql.Error:
            handle.broken = True

    def _fetch(self, handle: Handle, sql: str, limit: int, query: bool = True, max_bytes: int | None = None):
        cursor = handle.conn.cursor(pymysql.cursors.SSCursor)
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or ()]
            rows, cut = read_rows(cursor.fetchmany, limit, max_bytes) if cursor.description else ([], None)
        except BaseException:
            handle.broken = True  # an unbuffered result may be half read
            raise
        if cut:
            # Rows may remain unread, and PyMySQL would read them all to close the
            # cursor: stop the statement on the server first, then drop the connection.
            self._kill_query(handle.conn.thread_id())
            try:
                cursor.close()
            except pymysql.Error:
                pass
            handle.broken = True
        else:
            cursor.close()
        return columns, rows, cut

    def _kill_query(self, thread_id: int) -> None:
        try:
            pooled = self.engine.raw_connection()
        except (sa.exc.DBAPIError, pymysql.Error):
            return  # the statement's own time limit still ends it
        try:
            with pooled.driver_connection.cursor() as cursor:
                cursor.execute("KILL QUERY %s", (thread_id,))
        except pymysql.Error:
            pass
        finally:
            pooled.close()

    def _is_timeout(self, handle: Handle, error: BaseException) -> bool:
        return bool(error.args) and error.args[0] in _TIMEOUT_CODES

    def _message(self, error: BaseException) -> str:
        if len(error.args) == 2:
            return f"({error.args[0]}) {error.args[1]}"
        return super()._message(error)

    def _server_version(self, handle: Handle) -> str:
        return str(self.query(handle, "SELECT VERSION()")[0][0])

    def _read_catalog(self, handle: Handle):
        return introspect_mysql.read_catalog(self, handle)

    def _fingerprint_rows(self, handle: Handle) -> list[tuple]:
        return introspect_mysql.fingerprint_rows(self, handle)

    def _read_functions(self, handle: Handle) -> FunctionPolicy:
        rows = self.query(handle, _STORED_FUNCTIONS)
        try:
            rows += self.query(handle, _LOADABLE_MARIADB if self._mariadb else _LOADABLE_MYSQL)
        except pymysql.Error:
            pass  # no right to read the registry (or a MySQL before 8.0)
        return from_catalog(
            ((str(name), bool(changes)) for name, changes in rows),
            why="it is a stored function not declared DETERMINISTIC with NO SQL or READS SQL DATA, "
                "or a loadable function",
            read_at=time.monotonic(),
        )

    def _explain(self, handle: Handle, sql: str, analyze: bool) -> Plan:
        if analyze and not self._mariadb:
            # MySQL 8 measures only in its tree format.
            _, rows, _ = self._fetch(handle, f"EXPLAIN ANALYZE {sql}", 10, query=False)
            text = str(rows[0][0])
            return Plan(raw=text, root=mysql_tree_plan(text), analyzed=True, sql=sql)
        prefix = "ANALYZE FORMAT=JSON" if analyze else "EXPLAIN FORMAT=JSON"
        _, rows, _ = self._fetch(handle, f"{prefix} {sql}", 10, query=False)
        raw = json.loads(rows[0][0])
        return Plan(raw=raw, root=mysql_plan(raw), analyzed=analyze, sql=sql)
