"""connect(): URLs, bare file paths and the errors for what cannot be opened."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from connectors import ConnectorError, connect
from connectors.duckdb import DuckDBConnector
from connectors.sqlite import SQLiteConnector


@pytest.fixture
def files(tmp_path):
    lite = tmp_path / "a.db"
    sqlite3.connect(lite).execute("CREATE TABLE t (a INT)").connection.commit()
    duck = tmp_path / "b.duckdb"
    con = duckdb.connect(str(duck))
    con.execute("CREATE TABLE t (a INT)")
    con.close()
    odd = tmp_path / "data.bin"  # a DuckDB file whose name says nothing
    con = duckdb.connect(str(odd))
    con.execute("CREATE TABLE t (a INT)")
    con.close()
    return lite, duck, odd


def test_bare_paths_and_urls_pick_the_engine(files):
    lite, duck, odd = files
    for target, cls, dialect, name in [
        (str(lite), SQLiteConnector, "sqlite", "SQLite"),
        (f"sqlite:///{lite}", SQLiteConnector, "sqlite", "SQLite"),
        (str(duck), DuckDBConnector, "duckdb", "DuckDB"),
        (f"duckdb:///{duck}", DuckDBConnector, "duckdb", "DuckDB"),
        (str(odd), DuckDBConnector, "duckdb", "DuckDB"),  # told apart by the file header
    ]:
        conn = connect(target)
        try:
            assert isinstance(conn, cls)
            assert (conn.dialect, conn.engine_name) == (dialect, name)
            assert conn.run("SELECT count(*) FROM t").rows == [[0]]
        finally:
            conn.close()


def test_what_cannot_be_opened_fails_at_connect(tmp_path):
    with pytest.raises(ConnectorError, match="no database file"):
        connect(str(tmp_path / "missing.sqlite"))
    with pytest.raises(ConnectorError, match="no SQLite database"):
        connect(f"sqlite:///{tmp_path / 'missing.sqlite'}")
    with pytest.raises(ConnectorError, match="in-memory"):
        connect("sqlite://")
    with pytest.raises(ConnectorError, match="unsupported"):
        connect("oracle://scott@localhost/db")
    for malformed in ("postgresql://h:notaport/db", "postgresql://[::1/db"):
        with pytest.raises(ConnectorError, match="not a database URL"):
            connect(malformed)
    with pytest.raises(ConnectorError, match="cannot connect"):
        connect("postgresql://nobody@127.0.0.1:1/none", timeout_s=2)


def test_a_sqlite_file_is_never_created(tmp_path):
    target = tmp_path / "new.db"
    with pytest.raises(ConnectorError):
        connect(f"sqlite:///{target}")
    assert not target.exists()


def test_bad_limits_are_refused(files):
    lite, _, _ = files
    with pytest.raises(ValueError):
        connect(str(lite), row_limit=-1)
    with pytest.raises(ValueError):
        connect(str(lite), timeout_s=0)
    with pytest.raises(ValueError):
        connect(str(lite), connect_timeout_s=0)
    with pytest.raises(ValueError):
        connect(str(lite), max_result_bytes=0)
    _, duck, _ = files
    with pytest.raises(ValueError):
        connect(str(duck), duckdb_threads=0)


def test_a_url_that_does_not_parse_is_a_connector_error():
    with pytest.raises(ConnectorError, match="not a database URL"):
        connect("postgresql://someone@127.0.0.1:port/db")


def test_plain_postgresql_url_uses_psycopg(postgres_url):
    from sqlalchemy.engine import make_url

    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with connect(plain) as conn:
        assert conn.engine.dialect.driver == "psycopg"
        assert conn.dialect == "postgres" and conn.engine_name == "PostgreSQL"


def test_mariadb_url_reports_mariadb(mariadb_url):
    from sqlalchemy.engine import make_url

    plain = make_url(mariadb_url).set(drivername="mysql").render_as_string(hide_password=False)
    with connect(plain) as conn:
        assert conn.dialect == "mysql"
        assert conn.engine_name in ("MariaDB", "MySQL")
        assert conn.run("SELECT 1 + 1").rows == [[2]]
