"""Dangerous privileges of the connected account, on the real engines, and
the warnings `dbgpt db test` prints for them."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from connectors import connect
from connectors.privileges import dangerous_privileges
from server.cli.main import app

from .conftest import mariadb_admin, pg_admin, scratch_name


def names(url: str) -> list[str]:
    with connect(url, samples=False) as conn:
        privileges = dangerous_privileges(conn)
    assert all(p.reason.endswith(".") and len(p.reason) > 20 for p in privileges)
    return [p.name for p in privileges]


# -- PostgreSQL ------------------------------------------------------------------


@pytest.fixture
def pg_role(postgres_url):
    """A login role with no rights beyond connecting; yields (role, its URL)."""
    role = scratch_name("dbgpt_sec_role")
    with pg_admin(postgres_url) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    url = sa.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    yield role, url
    with pg_admin(postgres_url) as admin:
        admin.execute(f"DROP ROLE {role}")


def test_the_postgres_superuser_is_reported(postgres_url):
    found = names(postgres_url)
    assert found[0] == "superuser"
    assert {"pg_read_server_files", "pg_write_server_files", "pg_execute_server_program"} <= set(found)


def test_a_low_privilege_postgres_role_is_clean(pg_role):
    _, url = pg_role
    assert names(url) == []


def test_a_role_that_may_read_server_files_is_reported(postgres_url, pg_role):
    role, url = pg_role
    with pg_admin(postgres_url) as admin:
        admin.execute(f"GRANT pg_read_server_files TO {role}")
        admin.execute(f"ALTER ROLE {role} CREATEROLE")
    try:
        assert names(url) == ["createrole", "pg_read_server_files"]
    finally:
        with pg_admin(postgres_url) as admin:
            admin.execute(f"REVOKE pg_read_server_files FROM {role}")


# -- MariaDB ---------------------------------------------------------------------


@pytest.fixture
def mariadb_user(mariadb_url):
    """An account that may only SELECT in the `test` database; yields (account, its URL)."""
    user = scratch_name("dbgpt_sec")[:32]
    account = f"'{user}'@'127.0.0.1'"
    with mariadb_admin(mariadb_url) as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE USER {account}")
        cursor.execute(f"GRANT SELECT ON test.* TO {account}")
    url = sa.make_url(mariadb_url).set(username=user, password=None, database="test")
    yield account, url.render_as_string(hide_password=False)
    with mariadb_admin(mariadb_url) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP USER {account}")


def test_mariadb_root_reports_file_and_super(mariadb_url):
    assert {"FILE", "SUPER"} <= set(names(mariadb_url))


def test_a_select_only_mariadb_account_is_clean(mariadb_user):
    _, url = mariadb_user
    assert names(url) == []


def test_a_mariadb_account_with_file_is_reported(mariadb_url, mariadb_user):
    account, url = mariadb_user
    with mariadb_admin(mariadb_url) as admin, admin.cursor() as cursor:
        cursor.execute(f"GRANT FILE ON *.* TO {account}")
    assert names(url) == ["FILE"]


# -- file engines ----------------------------------------------------------------


def test_file_databases_have_no_accounts(tmp_path):
    sqlite_path, duck_path = tmp_path / "a.sqlite", tmp_path / "a.duckdb"
    sqlite3.connect(sqlite_path).close()
    duckdb.connect(str(duck_path)).close()
    assert names(str(sqlite_path)) == [] and names(str(duck_path)) == []


# -- dbgpt db test -----------------------------------------------------------------


def db_test(tmp_path, monkeypatch, url: str):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner().invoke(app, ["db", "test", url])


def test_db_test_warns_about_each_dangerous_privilege(tmp_path, monkeypatch, postgres_url):
    result = db_test(tmp_path, monkeypatch, postgres_url)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert any("superuser" in line for line in warnings)
    assert any("pg_execute_server_program" in line for line in warnings)
    assert "low-privilege" in warnings[-1]


def test_db_test_is_quiet_for_a_low_privilege_account(tmp_path, monkeypatch, pg_role):
    _, url = pg_role
    result = db_test(tmp_path, monkeypatch, url)
    assert result.exit_code == 0, result.output
    assert "ok" in result.output and "warning" not in result.output
