"""server/knowledge_warmup.py: each database's knowledge is synced in the background as
soon as the server knows it, not at its first question (real SQLite, Chroma and embeddings)."""

import logging
import sqlite3
import time

import pytest

from knowledge.service import Knowledge
from server.app import create_app
from server.knowledge_warmup import KnowledgeWarmup
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.support.auth import signed_in


def _database(path, extra_tables: int = 0):
    """A city table, and `extra_tables` wide tables more: 20 make a schema too large to show whole."""
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT);"
                          "INSERT INTO city VALUES (1, 'Paris'), (2, 'Lyon');")
        columns = ", ".join(f"measure_{i} INTEGER" for i in range(12))
        for n in range(extra_tables):
            con.execute(f"CREATE TABLE ledger_{n} (id INTEGER PRIMARY KEY, city_id INTEGER, {columns})")
    return path


def _synced(services, name: str, timeout_s: float = 120.0) -> bool:
    expected = services.databases.connector(name).introspect().fingerprint
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if services.knowledge.registry.synced_fingerprint(name) == expected:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", file_roots=[tmp_path],
                    warm_knowledge=True)


def test_a_large_database_is_synced_before_any_question_and_a_small_one_is_left_alone(settings, tmp_path,
                                                                                       embedder):
    app = create_app(settings, knowledge=Knowledge(settings, embedder=embedder))
    services = app.state.services
    services.databases.registry.add("books", f"sqlite:///{_database(tmp_path / 'books.sqlite', 20)}")
    with signed_in(app, settings) as client:  # entering it runs start-up
        assert _synced(services, "books")  # registered before start-up
        large = _database(tmp_path / "shop.sqlite", 20)
        created = client.post("/api/v1/connections", json={"name": "shop", "url": f"sqlite:///{large}"})
        assert created.status_code == 201, created.text
        assert _synced(services, "shop")
        matches = services.knowledge.match_values("shop", "stores in Lyon")
        assert any(m.value == "Lyon" for m in matches)
        small = _database(tmp_path / "zoo.sqlite")
        assert client.post("/api/v1/connections", json={"name": "zoo", "url": f"sqlite:///{small}"}).status_code == 201
        assert services.warmup.warm("zoo").result(timeout=60) is False  # shown whole: its questions never link
    assert services.knowledge.registry.synced_fingerprint("zoo") in (None, "")


def test_a_database_that_cannot_be_synced_is_logged_and_left_to_its_first_question(settings, tmp_path,
                                                                                  embedder, caplog):
    knowledge = Knowledge(settings, embedder=embedder)
    app = create_app(settings, knowledge=knowledge)
    services = app.state.services
    services.databases.registry.add("gone", f"sqlite:///{tmp_path / 'missing' / 'gone.sqlite'}")
    with caplog.at_level(logging.WARNING, logger="server.knowledge_warmup"):
        assert services.warmup.warm("gone").result(timeout=60) is False
    assert "background sync of 'gone' failed" in caplog.text
    assert knowledge.registry.synced_fingerprint("gone") in (None, "")


def test_a_sync_asked_for_while_one_waits_is_not_queued_twice_and_off_means_off(tmp_path):
    class SlowCatalog:
        def __init__(self):
            self.opened = []

        def names(self):
            return ["demo", "shop"]

        def connector(self, name):
            self.opened.append(name)
            time.sleep(0.2)
            raise ConnectionError("not reachable")

    catalog = SlowCatalog()
    warmup = KnowledgeWarmup(catalog, knowledge=None)
    try:
        first = warmup.warm_all()
        again = warmup.warm("shop")  # "shop" is still waiting behind "demo"
        assert len(first) == 2 and again is None
        assert [f.result(timeout=10) for f in first] == [False, False]
        assert catalog.opened == ["demo", "shop"]
    finally:
        warmup.close()
    off = KnowledgeWarmup(SlowCatalog(), knowledge=None, enabled=False)
    assert off.warm("demo") is None and off.warm_all() == []
