"""Which database a request means: a known name or a SQLAlchemy URL.

Connectors are opened once and kept, so introspection is cached across
requests. The embedded demo database is built on first use.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from server.settings import Settings

DEMO = "demo"


class UnknownDatabase(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"unknown database '{name}'; known databases: {', '.join(known) or 'none'}")
        self.name = name
        self.known = known


def is_url(value: str) -> bool:
    return "://" in value


class DatabaseCatalog:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._connectors: dict[str, object] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return [DEMO]

    def _demo(self) -> tuple[str, dict | None]:
        from demo.build import build_demo_db

        path = build_demo_db(self.settings.demo_db_path)
        dictionary_path = Path(path).with_suffix(".dictionary.json")
        dictionary = json.loads(dictionary_path.read_text()) if dictionary_path.is_file() else None
        return f"sqlite:///{Path(path).resolve()}", dictionary

    def resolve(self, name_or_url: str) -> tuple[str, dict | None]:
        """The URL (and data dictionary, if any) behind a name or URL."""
        if is_url(name_or_url):
            return name_or_url, None
        if name_or_url == DEMO:
            return self._demo()
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
                    dictionary=dictionary,
                )
            return self._connectors[name_or_url]

    def close(self) -> None:
        with self._lock:
            for connector in self._connectors.values():
                connector.close()
            self._connectors.clear()
