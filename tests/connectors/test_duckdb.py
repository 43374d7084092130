"""DuckDB specifics: read-only file, external access off and locked."""

from __future__ import annotations

import time

import duckdb
import pytest

from connectors import ConnectorError, GuardRefusal, connect


def _raw(conn, sql: str):
    with conn.session(5) as handle:
        return conn._fetch(handle, sql, 10)


def test_files_network_and_settings_are_closed_below_the_guard(duckdb_db, tmp_path):
    before = duckdb_db.snapshot()
    target = tmp_path / "out.csv"
    with duckdb_db.connect() as conn:
        for sql in [
            "SELECT * FROM read_csv('/etc/passwd')",
            f"COPY customers TO '{target}'",
            "SET enable_external_access = true",
            "INSTALL httpfs",
            f"ATTACH '{tmp_path / 'x.duckdb'}' AS x",
            "DELETE FROM customers",
            "SELECT nextval('audit_seq')",
        ]:
            with pytest.raises(ConnectorError) as failed:
                _raw(conn, sql)
            assert not isinstance(failed.value, GuardRefusal), sql
        with pytest.raises(GuardRefusal):  # DuckDB's own parser counts the statements too
            _raw(conn, "SELECT 1; SELECT 2")
    assert list(tmp_path.iterdir()) == []
    assert duckdb_db.snapshot() == before


def test_large_results_are_cut_quickly(duckdb_db):
    with duckdb_db.connect() as conn:
        started = time.monotonic()
        result = conn.run("SELECT range, md5(range::VARCHAR) FROM range(1000000000)", row_limit=5)
        assert result.truncated and len(result.rows) == 5
        assert time.monotonic() - started < 5


def _rendered_memory_limit(value: str) -> str:
    """How DuckDB itself shows a memory limit (it reports MiB / GiB)."""
    with duckdb.connect(config={"memory_limit": value}) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_memory_limit_and_threads_are_set_at_open(tmp_path):
    path = tmp_path / "limits.duckdb"
    duckdb.connect(str(path)).close()
    settings = "SELECT current_setting('memory_limit'), current_setting('threads')"
    with connect(str(path)) as conn:
        assert conn.run(settings).rows == [[_rendered_memory_limit("1GB"), 2]]
    with connect(f"duckdb:///{path}", duckdb_memory_limit="300MB", duckdb_threads=3) as conn:
        assert conn.run(settings).rows == [[_rendered_memory_limit("300MB"), 3]]
        with pytest.raises(ConnectorError):  # the configuration is locked
            conn.run("SET memory_limit = '8GB'")
    with pytest.raises(ConnectorError, match="memory_limit"):
        connect(str(path), duckdb_memory_limit="lots")
