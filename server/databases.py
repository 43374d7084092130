"""Which database a request means: a known name or a SQLAlchemy URL.

Connectors are opened once and kept, so introspection is cached across
requests. The embedded demo database is built on first use.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from server.metadata import open_registry
from server.metadata.connections import ConnectionRegistry
from server.settings import Settings

DEMO = "demo"


class UnknownDatabase(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"unknown database '{name}'; known databases: {', '.join(known) or 'none'}")
        self.name = name
        self.known = known


class DatabaseNotAllowed(PermissionError):
    """A database this product may not open: a file outside the configured roots, its own files."""


def is_url(value: str) -> bool:
    return "://" in value


class DatabaseCatalog:
    """Built-in databases (the demo) plus the user's registered connections."""

    def __init__(self, settings: Settings, registry: ConnectionRegistry | None = None):
        self.settings = settings
        self.registry = registry or open_registry(settings)
        self._connectors: dict[str, object] = {}
        self._fingerprints: dict[str, str] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return [DEMO, *self.registry.names()]

    def _demo(self) -> tuple[str, dict | None]:
        from demo.build import build_demo_db, dictionary_path

        path = Path(build_demo_db(self.settings.demo_db_path))
        dictionary = json.loads(dictionary_path(path).read_text())
        return f"sqlite:///{path.resolve()}", dictionary

    def resolve(self, name_or_url: str) -> tuple[str, dict | None]:
        """The URL (and data dictionary, if any) behind a name or URL."""
        if is_url(name_or_url):
            return name_or_url, None
        if name_or_url == DEMO:
            return self._demo()
        if name_or_url in self.registry.names():
            return self.registry.full_url(name_or_url), None
        raise UnknownDatabase(name_or_url, self.names())

    def connector(self, name_or_url: str):
        from connectors import connect

        with self._lock:
            if name_or_url not in self._connectors:
                url, dictionary = self.resolve(name_or_url)
                self._connectors[name_or_url] = connect(
                    url,
                    row_limit=self.settings.row_limit,
                    timeout_s=self.settings.query_timeout_s,
                    connect_timeout_s=self.settings.connect_timeout_s,
                    max_result_bytes=self.settings.max_result_bytes,
                    duckdb_memory_limit=self.settings.duckdb_memory_limit,
                    duckdb_threads=self.settings.duckdb_threads,
                    dictionary=dictionary,
                )
            return self._connectors[name_or_url]

    def refresh(self, name_or_url: str):
        """Introspect anew; also say whether the schema changed since the last refresh."""
        schema = self.connector(name_or_url).introspect(refresh=True)
        previous = self._fingerprints.get(name_or_url)
        self._fingerprints[name_or_url] = schema.fingerprint
        return schema, previous is not None and previous != schema.fingerprint

    def forget(self, name: str) -> None:
        """Drop a cached connector (its connection changed or was removed)."""
        with self._lock:
            connector = self._connectors.pop(name, None)
            self._fingerprints.pop(name, None)
        if connector is not None:
            connector.close()

    def close(self) -> None:
        with self._lock:
            for connector in self._connectors.values():
                connector.close()
            self._connectors.clear()
