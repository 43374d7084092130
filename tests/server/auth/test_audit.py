"""The audit log: entries filled in as a request learns things, written once, append-only."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from server.auth.audit import MAX_TEXT, AuditEntry, AuditLog
from server.metadata import open_metadata
from server.settings import Settings


@pytest.fixture
def log(tmp_path):
    return AuditLog(open_metadata(Settings(data_dir=tmp_path / "data")))


def test_an_entry_nothing_touched_is_not_written(log):
    log.write(AuditEntry(user="ana", route="GET /api/v1/connections"))
    assert log.query() == []


def test_a_touched_entry_keeps_what_it_learned(log):
    entry = AuditEntry(user="ana", route="POST /api/v1/sql/generate")
    entry.touch(db="demo", question="how many customers?")
    entry.touch(sql="SELECT count(*) FROM customers", row_count=1)
    entry.touch()  # nothing new: nothing lost
    time.sleep(0.01)
    log.write(entry)
    [row] = log.query()
    assert {k: row[k] for k in ("user", "route", "db", "question", "sql", "rule", "row_count", "outcome")} == {
        "user": "ana", "route": "POST /api/v1/sql/generate", "db": "demo", "question": "how many customers?",
        "sql": "SELECT count(*) FROM customers", "rule": None, "row_count": 1, "outcome": "ok"}
    assert row["duration_ms"] >= 10 and datetime.fromisoformat(row["at"])


def test_a_url_is_logged_without_its_password(log):
    for db in ("postgresql://reader:pa55-w0rd@db.lan/sales", "not a url://", "postgresql://h:notaport/db"):
        entry = AuditEntry(user="ada", route="POST /api/v1/sql/run")
        entry.touch(db=db)
        log.write(entry)
    dbs = [row["db"] for row in log.query()]
    assert dbs == ["(a URL that cannot be shown)"] * 2 + ["postgresql://reader:***@db.lan/sales"]


def test_long_text_is_cut(log):
    entry = AuditEntry(user="ana", route="POST /api/v1/sql/run", outcome="error", detail="d" * (MAX_TEXT + 5))
    entry.touch(question="q" * (MAX_TEXT + 5), sql="s" * (MAX_TEXT + 5))
    log.write(entry)
    [row] = log.query()
    assert len(row["question"]) == len(row["sql"]) == len(row["detail"]) == MAX_TEXT


def test_queries_filter_by_user_database_and_time_newest_first(log):
    for user, db in (("ana", "demo"), ("bob", "sales"), ("ana", "sales")):
        entry = AuditEntry(user=user, route="POST /api/v1/sql/run")
        entry.touch(db=db)
        log.write(entry)
    assert [(r["user"], r["db"]) for r in log.query()] == [("ana", "sales"), ("bob", "sales"), ("ana", "demo")]
    assert [r["db"] for r in log.query(user="ana")] == ["sales", "demo"]
    assert [r["user"] for r in log.query(db="sales")] == ["ana", "bob"]
    assert len(log.query(limit=1)) == 1
    now = datetime.now(timezone.utc)
    assert len(log.query(since=now - timedelta(hours=1))) == 3
    assert log.query(since=now + timedelta(hours=1)) == []


def test_the_log_only_writes_and_reads():
    assert sorted(n for n in vars(AuditLog) if not n.startswith("_")) == ["query", "write"]
