"""bench/sqlgen.py syncs the knowledge of each database too large to show whole before its
questions, as the server does."""

import sqlite3

from assistant.evaluation import EvalDatabases, EvalQuestion
from knowledge.service import Knowledge
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401


def test_each_database_is_synced_once_before_the_questions(tmp_path, embedder, capsys):
    from bench.sqlgen import _sync_at_connect

    columns = ", ".join(f"measure_{i} INTEGER" for i in range(12))
    for name, tables in (("shop", 30), ("zoo", 0), ("farm", 30)):
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as con:
            con.executescript("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT);"
                              "INSERT INTO item VALUES (1, 'Lyon');")
            for n in range(tables):
                con.execute(f"CREATE TABLE ledger_{n} (id INTEGER PRIMARY KEY, {columns})")
    questions = [EvalQuestion(i, db, "q", ("SELECT 1",)) for i, db in enumerate(["shop", "zoo", "shop", "farm"])]
    knowledge = Knowledge(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    try:
        with EvalDatabases(tmp_path) as databases:
            _sync_at_connect(questions, databases, knowledge)
            for name in ("shop", "farm"):
                fingerprint = databases.get(name).introspect().fingerprint
                assert knowledge.registry.synced_fingerprint(name) == fingerprint
            assert knowledge.registry.synced_fingerprint("zoo") in (None, "")  # shown whole: never links
    finally:
        knowledge.close()
    assert "knowledge synced at connect: shop, farm in" in capsys.readouterr().out
