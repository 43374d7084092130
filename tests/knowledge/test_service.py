"""knowledge/service.py: knowledge is kept per connection name, never per URL; one sync of a connection at a time."""

import pytest

from knowledge.service import Knowledge, connection_name
from server.settings import Settings


def test_a_url_is_never_a_key(tmp_path):
    knowledge = Knowledge(Settings(data_dir=tmp_path))
    url = "postgresql://u:s3cret@h/d"
    try:
        for call in (lambda: knowledge.set_sensitive(url, "t", "c"), lambda: knowledge.sensitive(url),
                     lambda: knowledge.values(url), lambda: knowledge.has_examples(url),
                     lambda: knowledge.examples(url), lambda: knowledge.schema_index(url)):
            with pytest.raises(ValueError, match="not per URL"):
                call()
        knowledge.set_sensitive("warehouse", "staff", "ssn")
        assert knowledge.sensitive("warehouse") == {("staff", "ssn")}
    finally:
        knowledge.close()
    assert b"s3cret" not in (tmp_path / "knowledge" / "registry.sqlite").read_bytes()


def test_a_name_is_its_own_key():
    assert connection_name("url:0123456789abcdef") == "url:0123456789abcdef"


def test_the_value_index_keeps_the_budget_the_settings_give(tmp_path):
    knowledge = Knowledge(Settings(data_dir=tmp_path, value_index_values_per_column=7,
                                   value_index_bytes_per_database=9_000))
    try:
        budget = knowledge.values("warehouse").budget
        assert (budget.values_per_column, budget.bytes_per_database) == (7, 9_000)
        assert knowledge.values("warehouse") is knowledge.values("warehouse")
    finally:
        knowledge.close()


def test_syncs_of_one_connection_run_one_at_a_time_and_build_its_values_once(tmp_path, embedder):
    # A question that comes while the background warm-up syncs its database waits for that sync.
    import sqlite3
    import threading

    from connectors import connect

    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT);"
                          "INSERT INTO city VALUES (1, 'Paris'), (2, 'Lyon');")
    connector = connect(f"sqlite:///{path}")
    knowledge = Knowledge(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    builds, inside, overlapped = [], threading.Event(), []
    index = knowledge.values("shop")
    build = index.build

    def slow_build(*args, **kwargs):
        overlapped.append(inside.is_set())
        inside.set()
        threading.Event().wait(0.3)  # long enough for the other sync to arrive meanwhile
        builds.append(1)
        inside.clear()
        return build(*args, **kwargs)

    index.build = slow_build
    schema = connector.introspect()
    try:
        threads = [threading.Thread(target=knowledge.sync, args=("shop", schema, connector)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert builds == [1] and overlapped == [False]
        assert knowledge.registry.synced_fingerprint("shop") == schema.fingerprint
    finally:
        knowledge.close()
        connector.close()
