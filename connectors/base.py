"""The connector base: guarded, read-only, bounded execution for standard SQL.

A subclass per engine supplies only what differs: how a driver connection is
obtained, how a read-only transaction with a time limit is opened and rolled
back, how rows are fetched without reading more than needed, how the catalog
is read in bulk, and how EXPLAIN is spelled and normalised.

Three layers keep a user's database unchanged:
1. guard.py refuses anything but one read-only statement, and only the
   statement regenerated from the checked tree is sent; inside a session the
   text is checked again with the functions this database's own catalog
   marks as changing something (function_policy.py, read once and kept);
2. every statement runs in a read-only session that is always rolled back;
3. an engine-enforced time limit cancels it, at most row_limit + 1 rows are
   fetched, and reading stops once the rows would pass max_result_bytes of JSON.

Every driver also waits at most connect_timeout_s for a connection, so a host
that accepts and never answers fails the request instead of holding it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlglot import exp

from . import introspect as schema_tools
from .function_policy import FunctionPolicy
from .rows import read_rows
from .guard import anonymous_functions, check_statement, explained, is_query, render
from .types import ConnectorError, GuardRefusal, Plan, QueryResult, QueryTimeout, SchemaInfo
from .values import row_to_jsonable

# Rows fetched from an EXPLAIN: plans are small, this only bounds a runaway.
_PLAN_ROW_LIMIT = 100_000
# The function catalog is read again after this long, so that a function made
# since under a name sqlglot already knows (and so does not flag) is judged too.
FUNCTIONS_MAX_AGE_S = 300.0


@dataclass
class Handle:
    """A driver connection lent for one session; `broken` drops it after use."""

    conn: Any
    broken: bool = False
    deadline: float = 0.0
    timed_out: bool = False


class Connector:
    dialect: ClassVar[str] = ""
    engine_name: str = ""
    # Exceptions of the driver that mean "the database said no".
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(
        self,
        *,
        row_limit: int = 1000,
        timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        max_result_bytes: int = 20_000_000,
        dictionary: dict | None = None,
        schemas: Sequence[str] | None = None,
        samples: bool = True,
    ):
        if not isinstance(row_limit, int) or row_limit < 0:
            raise ValueError("row_limit must be a non-negative integer")
        if not timeout_s or timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if not connect_timeout_s or connect_timeout_s <= 0:
            raise ValueError("connect_timeout_s must be positive")
        if not isinstance(max_result_bytes, int) or max_result_bytes <= 0:
            raise ValueError("max_result_bytes must be a positive integer")
        self.row_limit = row_limit
        self.timeout_s = float(timeout_s)
        self.connect_timeout_s = float(connect_timeout_s)
        self.max_result_bytes = max_result_bytes
        self.dictionary = dictionary or {}
        self.schemas = list(schemas) if schemas else None
        self.samples = samples
        self._schema: SchemaInfo | None = None
        self._schema_has_samples = False
        self._introspect_lock = threading.Lock()
        self._functions: FunctionPolicy | None = None
        self._functions_lock = threading.Lock()

    @property
    def sql_dialect(self) -> str:
        """The sqlglot dialect statements are checked and written in."""
        return self.dialect

    # -- public interface ----------------------------------------------------

    def run(self, sql: str, *, row_limit: int | None = None, timeout_s: float | None = None) -> QueryResult:
        """Run one guarded read-only statement; rows capped, time limited."""
        tree = check_statement(sql, self.sql_dialect)
        return self.run_tree(tree, row_limit=row_limit, timeout_s=timeout_s)

    def run_tree(
        self, tree: exp.Expression, *, row_limit: int | None = None, timeout_s: float | None = None
    ) -> QueryResult:
        """Run a statement given as a sqlglot tree; the text it renders to is guarded."""
        limit = self.row_limit if row_limit is None else row_limit
        if not isinstance(limit, int) or limit < 0:
            raise ValueError("row_limit must be a non-negative integer")
        text = render(tree, self.sql_dialect)
        started = time.perf_counter()
        with self.session(timeout_s) as handle:
            columns, rows, cut = self.fetch_text(handle, text, limit)
        elapsed = time.perf_counter() - started
        jsonable = [row_to_jsonable(r) for r in rows]
        return QueryResult(columns, jsonable, cut is not None, elapsed, sql=text, truncated_reason=cut)

    def explain(self, sql: str, *, analyze: bool = False) -> Plan:
        """The plan of a guarded query; analyze=True runs it read-only and rolls back."""
        tree = check_statement(sql, self.sql_dialect)
        query = explained(tree) or tree
        if not is_query(query):
            raise GuardRefusal("statement_not_allowed", "only a query (SELECT, WITH, VALUES) can be explained")
        text = render(query, self.sql_dialect)
        with self.session(None) as handle:
            self.guard(handle, text)
            plan = self._explain(handle, text, analyze)
        # Engines that name relations by alias (SQLite) get the table's name back.
        aliases = {t.alias_or_name: t.name for t in query.find_all(exp.Table) if t.name}
        for node in plan.root.walk():
            if node.relation in aliases:
                node.relation = aliases[node.relation]
        return plan

    def introspect(self, refresh: bool = False, *, samples: bool | None = None) -> SchemaInfo:
        """The schema, cached until fingerprint() changes (or refresh=True)."""
        want_samples = self.samples if samples is None else samples
        with self._introspect_lock:
            fingerprint = self.fingerprint()
            cached = self._schema
            if (
                cached is not None
                and not refresh
                and cached.fingerprint == fingerprint
                and (self._schema_has_samples or not want_samples)
            ):
                return cached
            with self.session(None) as handle:
                version = self._server_version(handle)
                tables = self._read_catalog(handle)
            if want_samples:
                schema_tools.add_samples(self, tables)
            schema_tools.merge_dictionary(tables, self.dictionary)
            info = SchemaInfo(self.dialect, self.engine_name, version, tables, fingerprint=fingerprint)
            self._schema, self._schema_has_samples = info, want_samples
            return info

    def fingerprint(self) -> str:
        """A hash of the catalog (names, columns, keys, indexes, comments)."""
        digest = hashlib.sha256()
        with self.session(None) as handle:
            for row in self._fingerprint_rows(handle):
                digest.update(json.dumps(row_to_jsonable(row)).encode())
                digest.update(b"\n")
        return digest.hexdigest()[:32]

    def server_version(self) -> str:
        with self.session(None) as handle:
            return self._server_version(handle)

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- sessions ------------------------------------------------------------

    @contextmanager
    def session(self, timeout_s: float | None) -> Iterator[Handle]:
        """A read-only transaction with a time limit, always rolled back."""
        limit = self.timeout_s if timeout_s is None else float(timeout_s)
        if limit <= 0:
            raise ValueError("timeout_s must be positive")
        with self._acquire() as handle:
            handle.deadline = time.monotonic() + limit
            state = None
            try:
                state = self._begin(handle, limit)
                yield handle
            except ConnectorError:
                raise
            except self.driver_errors as error:
                if self._is_timeout(handle, error):
                    raise QueryTimeout(f"the statement ran past {limit:g} s and was cancelled") from None
                raise ConnectorError(self._describe(error)) from None
            finally:
                self._finish(handle, state)

    def fetch(self, handle: Handle, tree: exp.Expression, limit: int) -> tuple[list[str], list[tuple], str | None]:
        """Run a tree inside an open session: rendered, guarded, capped."""
        return self.fetch_text(handle, render(tree, self.sql_dialect), limit)

    def fetch_text(self, handle: Handle, text: str, limit: int) -> tuple[list[str], list[tuple], str | None]:
        """Guard text (the exact text that is sent) with this database's function
        policy and run it inside an open session, within the row limit and
        max_result_bytes; the third item says why rows were cut ("rows", "bytes") or is None."""
        guarded = self.guard(handle, text)
        return self._fetch(handle, text, limit, query=is_query(guarded), max_bytes=self.max_result_bytes)

    def guard(self, handle: Handle, text: str) -> exp.Expression:
        """Check text with the guard and this database's function policy."""
        policy = self.functions(handle)
        tree = check_statement(text, self.sql_dialect, policy)
        unlisted = [n for n in anonymous_functions(tree) if not policy.lists(n)]
        if unlisted or time.monotonic() - policy.read_at > FUNCTIONS_MAX_AGE_S:
            # A function the catalog did not list may have been made since it was read.
            tree = check_statement(text, self.sql_dialect, self.functions(handle, refresh=True))
        return tree

    def functions(self, handle: Handle, *, refresh: bool = False) -> FunctionPolicy:
        """The functions this database marks as changing something: read once, kept."""
        with self._functions_lock:
            if self._functions is None or refresh:
                self._functions = self._read_functions(handle)
            return self._functions

    def query(self, handle: Handle, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
        """An internal catalog query (fixed text, bound parameters): all rows."""
        cursor = handle.conn.cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return [tuple(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    # -- engine hooks --------------------------------------------------------

    def _acquire(self):
        """Context manager yielding a Handle on a driver connection."""
        raise NotImplementedError

    def _begin(self, handle: Handle, timeout_s: float) -> Any:
        raise NotImplementedError

    def _finish(self, handle: Handle, state: Any) -> None:
        raise NotImplementedError

    def _fetch(
        self, handle: Handle, sql: str, limit: int, query: bool = True, max_bytes: int | None = None
    ) -> tuple[list[str], list[tuple], str | None]:
        """Run sql and read rows as read_rows() does (limit, max_bytes).
        query: sql is a SELECT-like query (not EXPLAIN / SHOW / PRAGMA)."""
        cursor = handle.conn.cursor()
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or ()]
            rows, cut = read_rows(cursor.fetchmany, limit, max_bytes) if cursor.description else ([], None)
        finally:
            cursor.close()
        return columns, rows, cut

    def _is_timeout(self, handle: Handle, error: BaseException) -> bool:
        raise NotImplementedError

    def _message(self, error: BaseException) -> str:
        return str(error).strip() or type(error).__name__

    # Values never to show in a message (the URL's password and the like).
    secrets: tuple[str, ...] = ()

    def _describe(self, error: BaseException) -> str:
        """The driver's message for error, with every secret masked."""
        return self.hide_secrets(self._message(error))

    def hide_secrets(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def _server_version(self, handle: Handle) -> str:
        raise NotImplementedError

    def _read_catalog(self, handle: Handle) -> list:
        raise NotImplementedError

    def _fingerprint_rows(self, handle: Handle) -> list[tuple]:
        raise NotImplementedError

    def _explain(self, handle: Handle, sql: str, analyze: bool) -> Plan:
        raise NotImplementedError

    def _read_functions(self, handle: Handle) -> FunctionPolicy:
        """Read the engine's function catalog (fixed text, no user input)."""
        return FunctionPolicy(read_at=time.monotonic())


class PooledConnector(Connector):
    """Engines reached through a SQLAlchemy pool (SQLite, PostgreSQL, MySQL):
    a driver connection per session, dropped from the pool when it broke."""

    engine: Any  # sqlalchemy.Engine, made by the subclass
    # How a failure to connect is introduced, e.g. "cannot connect to PostgreSQL".
    connect_failure: ClassVar[str] = "cannot connect"
    url: Any = None  # the sqlalchemy URL of a database server (PostgreSQL, MySQL)

    def close(self) -> None:
        self.engine.dispose()

    def _server_engine(self, url: Any, **kwargs: Any) -> Any:
        """The pool for a server URL; a URL option the dialect refuses is a ConnectorError."""
        import sqlalchemy as sa

        self.url = url
        self.secrets = url_secrets(url)
        try:
            return sa.create_engine(url, **kwargs)
        except (sa.exc.ArgumentError, *_OPTION_ERRORS) as error:
            raise self._option_refused(error) from None

    def _on_connect(self, handle: Handle) -> None:
        """A hook for what is learnt from a live connection (e.g. the server kind)."""

    @contextmanager
    def _acquire(self):
        import sqlalchemy as sa

        started = time.monotonic()
        try:
            pooled = self.engine.raw_connection()
        except (sa.exc.DBAPIError, *self.driver_errors) as error:
            detail = self._message(getattr(error, "orig", None) or error)
            if time.monotonic() - started >= self.connect_timeout_s:
                detail = f"no answer within {self.connect_timeout_s:g} s ({detail})"
            raise ConnectorError(self.hide_secrets(f"{self._connect_failure()}: {detail}")) from None
        except (sa.exc.ArgumentError, *_OPTION_ERRORS) as error:
            raise self._option_refused(error) from None
        handle = Handle(pooled.driver_connection)
        try:
            self._on_connect(handle)
            yield handle
        finally:
            if handle.broken:
                pooled.invalidate()
            pooled.close()

    def _connect_failure(self) -> str:
        if self.url is None:
            return self.connect_failure
        return f"{self.connect_failure} at {self.url.set(query={}).render_as_string(hide_password=True)}"

    def _option_refused(self, error: BaseException) -> BaseException:
        """A driver that cannot take the URL's options raises TypeError and the
        like: say which option, never a traceback. Without options it is a fault
        of ours, and error itself is the answer."""
        options = sorted(self.url.query) if self.url is not None else []
        if not options:
            return error
        detail = self._describe(error)
        named = [o for o in options if re.search(rf"\b{re.escape(o)}\b", detail)] or options
        plural = "s" if len(named) > 1 else ""
        message = f"{self._connect_failure()}: URL option{plural} {', '.join(named)} refused ({detail})"
        return ConnectorError(self.hide_secrets(message))


# What a driver or dialect raises for a URL option it cannot take: an unknown
# keyword, a value of the wrong kind or outside its set, a file it names
# (a certificate) that cannot be read.
_OPTION_ERRORS = (TypeError, ValueError, LookupError, AttributeError, OSError)
# URL options whose values are secrets, like the password.
_SECRET_OPTION = re.compile(r"pass|secret|token", re.IGNORECASE)


def url_secrets(url: Any) -> tuple[str, ...]:
    """The values of a sqlalchemy URL that no message may show."""
    values = [url.password]
    for key, value in url.query.items():
        if _SECRET_OPTION.search(key):
            values.extend(value if isinstance(value, tuple) else (value,))
    return tuple(str(v) for v in values if v)
