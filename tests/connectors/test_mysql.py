"""MariaDB / MySQL specifics: the read-only session, the engine time limit,
no multi-statements, and results cut off without draining them."""

from __future__ import annotations

import time

import pytest

from connectors import ConnectorError, GuardRefusal, QueryTimeout


def _raw(conn, sql: str):
    with conn.session(5) as handle:
        return conn._fetch(handle, sql, 10)


def test_server_refuses_a_second_statement_the_guard_never_saw(mariadb_db):
    before = mariadb_db.snapshot()
    with mariadb_db.connect() as conn:
        with pytest.raises(ConnectorError):
            _raw(conn, "SELECT 1; DROP TABLE order_items")
    assert mariadb_db.snapshot() == before


def test_into_outfile_is_stopped_by_the_guard(mariadb_db, tmp_path):
    """A READ ONLY transaction does not stop INTO OUTFILE for an account with
    the FILE privilege (seen here as root), so only the guard stands in the way."""
    target = tmp_path / "outfile.txt"
    with mariadb_db.connect() as conn:
        for sql in [f"SELECT 1 INTO OUTFILE '{target}'", f"SELECT * FROM customers INTO DUMPFILE '{target}'"]:
            with pytest.raises(GuardRefusal):
                conn.run(sql)
    assert not target.exists()


def test_sessions_are_read_only_with_the_time_limit(mariadb_db):
    with mariadb_db.connect() as conn:
        assert conn.engine_name == "MariaDB"
        # tx_read_only on MariaDB before 11.1; MySQL 8 calls it transaction_read_only.
        assert conn.run("SELECT @@session.tx_read_only").rows == [[1]]
        assert conn.run("SELECT @@session.max_statement_time", timeout_s=3).rows == [[3.0]]


def test_a_cut_off_result_is_not_drained(mariadb_db):
    with mariadb_db.connect() as conn:
        started = time.monotonic()
        result = conn.run("SELECT a.seq, b.seq FROM seq_1_to_100000 a, seq_1_to_100000 b", row_limit=5)
        assert result.truncated and len(result.rows) == 5
        assert time.monotonic() - started < 3
        assert conn.run("SELECT count(*) FROM customers").rows == [[30]]


def test_the_read_timeout_follows_the_statement_limit(mariadb_db):
    """PyMySQL waits connect_timeout_s between sessions; inside one, a little
    past the statement's limit, so a statement longer than the connect timeout
    still answers."""
    with mariadb_db.connect(connect_timeout_s=1) as conn:
        started = time.monotonic()
        assert conn.run("SELECT SLEEP(2)", timeout_s=5).rows == [[0]]
        assert 2 <= time.monotonic() - started < 4
        with pytest.raises(QueryTimeout):  # the server's own limit answers first
            conn.run("SELECT SLEEP(4)", timeout_s=1)
        assert conn.run("SELECT 1").rows == [[1]]
