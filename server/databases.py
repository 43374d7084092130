"""Which database a request means: a known name or a SQLAlchemy URL.

Connectors are opened once and kept, so introspection is cached across
requests: registered names (and the demo) for the app's life, unregistered
URLs in a small LRU that closes what it drops. Connecting never holds a lock
other requests wait on: two requests for one name share one connect, and a
database that never answers delays only the requests for it.

A catalog is `confined` for HTTP callers (the server's): a SQLite or DuckDB
file opens only under the configured roots and never among the product's
own files (server/file_roots.py). The CLI's catalog is not: its user is the
local owner. With `refuse_privileged`, an account with dangerous privileges
(connectors/privileges.py) is refused when opened.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter, OrderedDict
from concurrent.futures import Future
from pathlib import Path

from server.file_roots import FileRoots
from server.metadata import open_registry
from server.metadata.connections import ConnectionRegistry, parse_url, url_key
from server.metadata.descriptions import Descriptions, InvalidDescription
from server.settings import Settings

DEMO = "demo"
ADHOC_CONNECTORS = 8  # unregistered URLs kept open at once
ADHOC_URLS = 256  # digests of unregistered URLs an HTTP caller may name by


class UnknownDatabase(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"unknown database '{name}'; known databases: {', '.join(known) or 'none'}")
        self.name = name
        self.known = known


# libpq's password and service files, PyMySQL's option files and local infile.
FILE_READING_OPTIONS = frozenset({"passfile", "service", "servicefile", "read_default_file", "read_default_group",
                                  "local_infile"})


class DatabaseNotAllowed(PermissionError):
    """A database this product may not open: a file outside the configured roots, its own files."""


OUTSIDE_ROOTS = ("this server opens SQLite and DuckDB files only under its file roots (DBGPT_FILE_ROOTS), "
                 "and never its own data")


def is_url(value: str) -> bool:
    return "://" in value


def is_url_key(value: str) -> bool:
    return value.startswith("url:")


def knowledge_key(name_or_url: str) -> str:
    """What a database's knowledge (schema and value indexes, examples, sensitive columns) is kept
    under: its registered name, or for an unregistered URL a digest of it without its password."""
    return url_key(name_or_url) if is_url(name_or_url) else name_or_url


class DatabaseCatalog:
    """Built-in databases (the demo) plus the user's registered connections."""

    def __init__(self, settings: Settings, registry: ConnectionRegistry | None = None, *, confined: bool = True):
        self.settings = settings
        self.registry = registry or open_registry(settings)
        self.descriptions = Descriptions(self.registry.engine)
        self.confined = confined
        self._files = FileRoots(settings)
        self._named: dict[str, object] = {}
        self._adhoc: OrderedDict[str, object] = OrderedDict()  # URL -> connector, least recently used first
        self._urls: OrderedDict[str, str] = OrderedDict()  # knowledge_key(URL) -> URL, for HTTP callers
        self._opening: dict[str, Future] = {}  # connects under way, by target
        self._generations: Counter[str] = Counter()  # times each name was forgotten
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.Lock()  # guards the dicts above; never held while connecting

    def names(self) -> list[str]:
        return [DEMO, *self.registry.names()]

    def _demo(self) -> tuple[str, dict | None]:
        from demo.build import build_demo_db, dictionary_path

        path = Path(build_demo_db(self.settings.demo_db_path))
        dictionary = json.loads(dictionary_path(path).read_text())
        return f"sqlite:///{path.resolve()}", dictionary

    def remember(self, url: str) -> str:
        """The key an unregistered URL goes by from now on (see knowledge_key); connector() takes it."""
        key = knowledge_key(url)
        with self._lock:
            self._urls[key] = url
            self._urls.move_to_end(key)
            while len(self._urls) > ADHOC_URLS:
                self._urls.popitem(last=False)
        return key

    def _target(self, name_or_url: str) -> str:
        """A URL, or a name (the demo or a registered connection)."""
        if is_url_key(name_or_url):
            with self._lock:
                url = self._urls.get(name_or_url)
            if url is None:
                raise UnknownDatabase(name_or_url, self.names())
            return url
        return name_or_url

    def resolve(self, name_or_url: str) -> tuple[str, dict | None]:
        """The URL (and data dictionary, if any) behind a name or URL."""
        target = self._target(name_or_url)
        if is_url(target):
            return target, None
        if target == DEMO:
            url, built_in = self._demo()
            return url, self.descriptions.dictionary(DEMO, built_in)
        if target in self.registry.names():
            return self.registry.full_url(target), self.descriptions.dictionary(target)
        raise UnknownDatabase(target, self.names())

    def describe(self, name: str, table: str, column: str | None, text: str, *, source: str = "user",
                 overwrite: bool = True) -> bool:
        """Store what a table or column of a named database means; the next question reads it.
        The table and column must exist (InvalidDescription otherwise)."""
        if is_url(name) or is_url_key(name) or name not in self.names():
            raise UnknownDatabase(name, self.names())
        schema = self.connector(name).introspect()
        found = schema.table(table)
        if found is None:
            raise InvalidDescription(f"'{name}' has no table '{table}'")
        if column is not None and found.column(column) is None:
            raise InvalidDescription(f"table '{found.name}' has no column '{column}'")
        real_column = found.column(column).name if column is not None else None
        changed = self.descriptions.set(name, found.name, real_column, text, source=source, overwrite=overwrite)
        if changed:
            self.forget(name)  # reopened with the new dictionary on the next question
        return changed

    # Confinement ------------------------------------------------------------------
    def confine(self, url: str) -> str:
        """The URL to open: a SQLite or DuckDB file resolved (symlinks followed) under the file
        roots, else DatabaseNotAllowed with one message whether or not the file exists."""
        parsed = parse_url(url)
        reading = sorted(k for k in parsed.query if k.lower() in FILE_READING_OPTIONS)
        if reading:
            # Driver options that make the client read a file on this machine (and send what is in it).
            raise DatabaseNotAllowed(f"over HTTP a connection cannot use the driver option(s) {', '.join(reading)}: "
                                     "they read files on the server")
        if parsed.get_backend_name() not in ("sqlite", "duckdb") or parsed.database in (None, "", ":memory:"):
            return url  # a server database, or nothing to open (connect refuses it)
        path = self._files.confine(parsed.database)
        if path is None:
            raise DatabaseNotAllowed(OUTSIDE_ROOTS)
        return parsed.set(database=str(path)).render_as_string(hide_password=False)

    def refuse_privileged(self, connector) -> None:
        """DatabaseNotAllowed naming the account's dangerous privileges, where the settings refuse them."""
        from connectors.privileges import dangerous_privileges

        if not self.settings.refuse_privileged:
            return
        privileges = dangerous_privileges(connector)
        if privileges:
            named = "; ".join(f"{p.name}: {p.reason}" for p in privileges)
            raise DatabaseNotAllowed(f"the database account has dangerous privileges ({named}) and this server "
                                     "refuses such accounts (DBGPT_REFUSE_PRIVILEGED=1); connect with a "
                                     "low-privilege, read-only account")

    def open(self, url: str, dictionary: dict | None = None, *, builtin: bool = False):
        """A new connector for `url`, not kept: confined, connected, its account checked."""
        from connectors import connect

        if self.confined and not builtin:
            url = self.confine(url)
        connector = connect(
            url,
            row_limit=self.settings.row_limit,
            timeout_s=self.settings.query_timeout_s,
            connect_timeout_s=self.settings.connect_timeout_s,
            max_result_bytes=self.settings.max_result_bytes,
            duckdb_memory_limit=self.settings.duckdb_memory_limit,
            duckdb_threads=self.settings.duckdb_threads,
            dictionary=dictionary,
        )
        try:
            self.refuse_privileged(connector)
        except BaseException:
            connector.close()
            raise
        return connector

    # Kept connectors --------------------------------------------------------------
    def _cached(self, target: str):
        if is_url(target):
            connector = self._adhoc.get(target)
            if connector is not None:
                self._adhoc.move_to_end(target)
            return connector
        return self._named.get(target)

    def _keep(self, target: str, connector) -> list:
        """Keep `connector`; returns the connectors the LRU dropped, for closing outside the lock."""
        if not is_url(target):
            self._named[target] = connector
            return []
        self._adhoc[target] = connector
        dropped = []
        while len(self._adhoc) > ADHOC_CONNECTORS:
            dropped.append(self._adhoc.popitem(last=False)[1])
        return dropped

    def _claim(self, target: str) -> tuple[object | None, Future | None, bool]:
        """The kept connector; else the future of its connect, and whether this caller makes it."""
        with self._lock:
            connector = self._cached(target)
            if connector is not None:
                return connector, None, False
            future = self._opening.get(target)
            if future is not None:
                return None, future, False
            future = self._opening[target] = Future()
            future.set_running_or_notify_cancel()  # a waiter that gives up cannot cancel it for the others
            return None, future, True

    def _make(self, target: str, future: Future) -> None:
        """Connect for everyone waiting on `future`. A connection changed meanwhile (forget) is
        opened anew before anyone gets it: its old URL may point somewhere else now."""
        while True:
            with self._lock:
                generation = self._generations[target]
            try:
                url, dictionary = self.resolve(target)
                connector = self.open(url, dictionary, builtin=target == DEMO)
            except BaseException as exc:
                with self._lock:
                    del self._opening[target]
                future.set_exception(exc)
                return
            with self._lock:
                fresh = self._generations[target] == generation
                if fresh:
                    del self._opening[target]
                    dropped = self._keep(target, connector)
            if fresh:
                break
            connector.close()
        future.set_result(connector)
        for old in dropped:
            old.close()

    def connector(self, name_or_url: str):
        """The kept connector for a name, URL or remembered key; opened on first use."""
        target = self._target(name_or_url)
        connector, future, owner = self._claim(target)
        if owner:
            self._make(target, future)
        return connector if future is None else future.result()

    async def aconnector(self, name_or_url: str):
        """connector() for the event loop: the request that connects takes a thread; the requests
        that wait for the same database wait without one, so a database that never answers ties up
        one thread, not the pool every request shares."""
        target = self._target(name_or_url)
        connector, future, owner = self._claim(target)
        if owner:
            await asyncio.to_thread(self._make, target, future)
        return connector if future is None else await asyncio.wrap_future(future)

    def refresh(self, name_or_url: str):
        """Introspect anew; also say whether the schema changed since the last refresh."""
        schema = self.connector(name_or_url).introspect(refresh=True)
        previous = self._fingerprints.get(name_or_url)
        self._fingerprints[name_or_url] = schema.fingerprint
        return schema, previous is not None and previous != schema.fingerprint

    def forget(self, name: str) -> None:
        """Drop a cached connector (its connection changed or was removed)."""
        with self._lock:
            connector = self._named.pop(name, None)
            self._generations[name] += 1  # a connect under way starts again (see _make)
            self._fingerprints.pop(name, None)
        if connector is not None:
            connector.close()

    def close(self) -> None:
        with self._lock:
            connectors = [*self._named.values(), *self._adhoc.values()]
            self._named.clear()
            self._adhoc.clear()
        for connector in connectors:
            connector.close()
