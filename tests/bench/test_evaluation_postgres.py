"""The benchmark's PostgreSQL databases: dumps loaded into defog_* databases, then the gold self-check."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from assistant.evaluation import gold_predictor, load_questions, run_eval, select_subset
from bench.evaluation.pgload import (
    MARKER_PREFIX,
    PostgresDumps,
    database_name,
    database_url,
    dump_digest,
    ensure_loaded,
    libpq_dsn,
)
from tests.support.helpers import DEFOG

PG_DIR = DEFOG / "postgres"
pytestmark = pytest.mark.skipif(not PG_DIR.is_dir(), reason=f"defog data not found at {DEFOG}")


def comment_of(pg_url: str, name: str) -> str | None:
    with psycopg.connect(libpq_dsn(pg_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return row[0] if row else None


def test_dump_loads_once_and_reloads_when_it_changes(postgres_url, tmp_path):
    db = "harness_selftest"
    dump = tmp_path / f"{db}.sql"
    dump.write_text("CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (2);\n")
    try:
        assert ensure_loaded(postgres_url, db, dump) is True
        assert ensure_loaded(postgres_url, db, dump) is False
        assert comment_of(postgres_url, database_name(db)) == MARKER_PREFIX + dump_digest(dump)

        dump.write_text("CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (2), (3);\n")
        assert ensure_loaded(postgres_url, db, dump) is True
        with psycopg.connect(libpq_dsn(database_url(postgres_url, db))) as conn:
            assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (3,)
    finally:
        with psycopg.connect(libpq_dsn(postgres_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(db))))


def test_a_failed_load_is_redone(postgres_url, tmp_path):
    db = "harness_selftest_bad"
    dump = tmp_path / f"{db}.sql"
    dump.write_text("CREATE TABLE t (x int);\nINSERT INTO t VALUES ('not a number');\n")
    try:
        with pytest.raises(psycopg.Error):
            ensure_loaded(postgres_url, db, dump)
        assert comment_of(postgres_url, database_name(db)) is None  # no marker: next run reloads
        dump.write_text("CREATE TABLE t (x int);\n")
        assert ensure_loaded(postgres_url, db, dump) is True
    finally:
        with psycopg.connect(libpq_dsn(postgres_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(db))))


def test_gold_self_check_on_postgres(postgres_url):
    questions = select_subset(load_questions(DEFOG / "questions_postgres.csv", "postgres"), 30)
    with PostgresDumps(PG_DIR, pg_url=postgres_url) as databases:
        report = run_eval(questions, gold_predictor, dialect="postgres", databases=databases, progress=False)
    failed = [(o.id, o.db, o.error, o.gold_errors) for o in report.outcomes if o.correct is not True or o.gold_errors]
    assert len({q.db_name for q in questions}) == 10
    assert report.ex >= 0.98, failed
    assert not failed
    for db in {q.db_name for q in questions}:
        assert comment_of(postgres_url, database_name(db)).startswith(MARKER_PREFIX)
