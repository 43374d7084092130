"""PostgreSQL specifics: the read-only connection and transaction, the time
limit, the extended protocol and the server-side cursor."""

from __future__ import annotations

import time

import pytest

from connectors import ConnectorError


def _raw(conn, sql: str, query: bool):
    with conn.session(5) as handle:
        return conn._fetch(handle, sql, 10, query=query)


def test_server_refuses_a_second_statement_the_guard_never_saw(postgres_db):
    before = postgres_db.snapshot()
    with postgres_db.connect() as conn:
        for query in (True, False):
            with pytest.raises(ConnectorError):
                _raw(conn, "SELECT 1; DROP TABLE order_items", query)
    assert postgres_db.snapshot() == before


def test_sessions_are_read_only_with_the_time_limit(postgres_db):
    with postgres_db.connect() as conn:
        assert conn.run("SHOW transaction_read_only").rows == [["on"]]
        assert conn.run("SHOW default_transaction_read_only").rows == [["on"]]
        assert conn.run("SHOW statement_timeout", timeout_s=3).rows == [["3s"]]


def test_rows_are_read_through_a_cursor_not_materialised(postgres_db):
    with postgres_db.connect() as conn:
        started = time.monotonic()
        # Endless: only a cursor that computes just the rows fetched can answer.
        endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n, md5(n::text) FROM r"
        result = conn.run(endless, row_limit=5)
        assert result.truncated and [r[0] for r in result.rows] == [1, 2, 3, 4, 5]
        assert time.monotonic() - started < 3
        streamed = conn.run("EXPLAIN SELECT * FROM orders", row_limit=1)  # not a cursor: streamed
        assert len(streamed.rows) == 1


def test_a_database_kept_outside_the_search_path_is_found_and_its_names_resolve(postgres_url):
    """Tables only in their own schema (not on the search path): introspection
    finds them and later sessions resolve the unqualified names the model sees."""
    import uuid

    import psycopg
    import sqlalchemy as sa

    from connectors import connect

    database = f"dbgpt_own_schema_{uuid.uuid4().hex[:8]}"
    base = sa.make_url(postgres_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    try:
        own = base.set(drivername="postgresql", database=database).render_as_string(hide_password=False)
        with psycopg.connect(own, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA sales")
            conn.execute("CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, total NUMERIC)")
            conn.execute("INSERT INTO sales.orders VALUES (1, 9.5), (2, 0.5)")
        with connect(base.set(database=database).render_as_string(hide_password=False)) as conn:
            schema = conn.introspect()
            assert [(t.schema, t.name) for t in schema.tables] == [("sales", "orders")]
            assert conn.run("SELECT SUM(total) FROM orders").rows == [[10]]
            assert conn.run("SELECT COUNT(*) FROM sales.orders").rows == [[2]]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")


def test_connections_carry_the_connect_timeout_keepalives_and_a_statement_timeout(postgres_db):
    with postgres_db.connect(timeout_s=7, connect_timeout_s=3) as conn:
        with conn._acquire() as handle:  # a pooled connection outside any session
            parameters = handle.conn.info.get_parameters()
            # Even statements outside a session (the pool's ping) have a limit.
            assert handle.conn.execute("SHOW statement_timeout").fetchone() == ("7s",)
            handle.conn.rollback()
    assert parameters["connect_timeout"] == "3"
    assert parameters["keepalives"] == "1" and parameters["tcp_user_timeout"] == "3000"
    assert "default_transaction_read_only=on" in parameters["options"]
