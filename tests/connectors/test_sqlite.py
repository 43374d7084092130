"""SQLite specifics: the read-only URI, query_only and the authorizer hold
even for statements that never went through the guard."""

from __future__ import annotations

import json
import sqlite3

import pytest

from connectors import ConnectorError, connect

from .conftest import build_sqlite


def _raw(conn, sql: str):
    """Send sql to a read-only session directly, skipping the guard."""
    with conn.session(5) as handle:
        return conn._fetch(handle, sql, 10, query=False)


def test_authorizer_refuses_what_the_guard_would(sqlite_db, tmp_path):
    before = sqlite_db.snapshot()
    target = tmp_path / "attached.db"
    with sqlite_db.connect() as conn:
        for sql in [
            f"ATTACH DATABASE '{target}' AS pwn",
            "SELECT load_extension('/nonexistent.so')",
            "PRAGMA writable_schema = ON",
            "PRAGMA query_only = OFF",
            "DELETE FROM customers",
            "CREATE TEMP TABLE scratch (a INT)",
        ]:
            with pytest.raises(ConnectorError):
                _raw(conn, sql)
        # query_only is on in every session; reading it is allowed.
        assert _raw(conn, "PRAGMA query_only")[1] == [(1,)]
    assert not target.exists()
    assert sqlite_db.snapshot() == before


def test_paths_with_uri_characters_open_read_only(tmp_path):
    folder = tmp_path / "odd ?#% name"
    folder.mkdir()
    path = folder / "shop?.sqlite"
    build_sqlite(path)
    with connect(str(path)) as conn:
        assert conn.run("SELECT count(*) FROM customers").rows == [[30]]
    assert sorted(p.name for p in folder.iterdir()) == ["shop?.sqlite"]  # no journal or wal left behind


def test_schema_pragmas_run_through_the_guard(sqlite_db):
    with sqlite_db.connect() as conn:
        columns = conn.run("PRAGMA table_info(orders)").rows
        assert [c[1] for c in columns] == ["id", "customer_id", "total", "placed_at", "note"]
        fks = conn.run("SELECT * FROM pragma_foreign_key_list('orders')").rows
        assert fks[0][2] == "customers"


def test_explain_analyze_counts_rows(sqlite_db):
    with sqlite_db.connect() as conn:
        plan = conn.explain("SELECT * FROM orders WHERE customer_id = 7", analyze=True)
    assert plan.root.actual_rows == 7.0 and plan.root.actual_ms is not None
    assert plan.root.relation == "orders" and plan.root.index == "orders_customer_idx"


def test_large_values_are_cut_at_the_byte_cap(tmp_path):
    path = tmp_path / "docs.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, raw BLOB)")
        con.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                        [(i, chr(97 + i % 26) * 1000, bytes([i % 256]) * 200) for i in range(200)])
    with connect(str(path)) as whole:
        table_bytes = len(json.dumps(whole.run("SELECT * FROM docs").rows))
    with connect(str(path), max_result_bytes=4096) as conn:
        result = conn.run("SELECT * FROM docs ORDER BY id")
    assert result.truncated and result.truncated_reason == "bytes"
    assert 0 < len(result.rows) < 5
    assert len(json.dumps(result.rows)) <= 4096 < table_bytes / 50
