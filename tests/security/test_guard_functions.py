"""Functions that run SQL given as text, write, or reach the server, thrown at
the real engines through a connector as the most privileged account: each is
refused by the guard, and nothing is read, written or stopped."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from assistant.evaluation import EvalDatabases, load_questions
from bench.evaluation.pgload import PostgresDumps
from connectors import ConnectorError, GuardRefusal, connect
from connectors.duckdb import READ_ONLY_CONFIG
from tests.support.helpers import DEFOG

from .conftest import mariadb_admin, pg_admin, scratch_name


def refused(conn, sql: str) -> str:
    with pytest.raises(GuardRefusal) as refusal:
        conn.run(sql)
    return refusal.value.rule


# -- PostgreSQL: SQL given as text -------------------------------------------------


def test_ts_stat_runs_sql_given_as_text_in_a_read_only_transaction(pg_scratch):
    """Why these functions are refused: without the guard, ts_stat runs any query
    it is given, here listing the server's root directory, read-only or not."""
    with pg_admin(pg_scratch.admin_url) as admin, admin.transaction():
        admin.execute("SET TRANSACTION READ ONLY")
        rows = admin.execute(
            "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', string_agg(f, '' '')) FROM pg_ls_dir(''/'') f')"
        ).fetchall()
    assert ("etc",) in rows


@pytest.mark.parametrize("sql", [
    # read a server file
    "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/passwd''))')",
    "SELECT * FROM ts_stat($$SELECT to_tsvector(pg_read_file('/etc/passwd'))$$)",
    "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, true, '')",
    "SELECT query_to_xml_and_xmlschema('SELECT pg_read_file(''/etc/passwd'')', true, true, '')",
    # list a directory
    "SELECT * FROM ts_stat('SELECT to_tsvector(string_agg(f, '' '')) FROM pg_ls_dir(''/'') f')",
    "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, f::tsquery FROM pg_ls_dir(''/'') f')",
    # whole tables, schemas and databases by name, and cursors
    "SELECT table_to_xml('t', true, true, '')",
    "SELECT schema_to_xml(current_schema(), true, true, '')",
    "SELECT database_to_xml(true, true, '')",
    "SELECT database_to_xmlschema(true, true, '')",
    "SELECT cursor_to_xml('c', 10, true, true, '')",
])
def test_functions_that_run_sql_given_as_text_are_refused(pg_scratch, sql):
    with connect(pg_scratch.url, samples=False) as conn:
        assert refused(conn, sql) == "forbidden_function"


def test_lo_export_through_ts_stat_writes_no_file(pg_scratch):
    target = Path("/tmp") / f"{scratch_name('dbgpt_sec_lo')}"  # where the server may write
    attacks = [
        f"SELECT * FROM ts_stat('SELECT to_tsvector(lo_export(lo_from_bytea(0, ''x''), ''{target}'')::text)')",
        f"SELECT query_to_xml('SELECT lo_export(lo_from_bytea(0, ''x''), ''{target}'')', true, true, '')",
        f"SELECT lo_export(lo_from_bytea(0, 'x'), '{target}')",
    ]
    try:
        with connect(pg_scratch.url, samples=False) as conn:
            for sql in attacks:
                assert refused(conn, sql) == "forbidden_function"
        assert not target.exists()
    finally:
        target.unlink(missing_ok=True)


def test_terminating_another_session_through_ts_stat_is_refused(pg_scratch):
    with pg_admin(pg_scratch.admin_url) as other:
        pid = other.execute("SELECT pg_backend_pid()").fetchone()[0]
        with connect(pg_scratch.url, samples=False) as conn:
            for sql in [
                f"SELECT * FROM ts_stat('SELECT to_tsvector(pg_terminate_backend({pid})::text)')",
                f"SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, pg_terminate_backend({pid})::text::tsquery')",
                f"SELECT query_to_xml('SELECT pg_cancel_backend({pid})', true, true, '')",
            ]:
                assert refused(conn, sql) == "forbidden_function"
        assert other.execute("SELECT 1").fetchone() == (1,)  # the other session lives


# -- PostgreSQL: volatile functions from the database's own catalog ----------------


def log_rows(pg_scratch) -> int:
    with pg_admin(pg_scratch.admin_url, pg_scratch.name) as admin:
        return admin.execute("SELECT count(*) FROM log").fetchone()[0]


@pytest.mark.parametrize("sql", [
    "SELECT evil(t) FROM t",
    "SELECT t.evil FROM t",  # PostgreSQL reads t.evil as evil(t)
    "SELECT (t).evil FROM t",
    "SELECT evil_sum(a) FROM t",  # an aggregate over a writing step function
    "SELECT a FROM t WHERE evil(t) > 0",
    "EXPLAIN SELECT evil(t) FROM t",
    "SELECT setseed(0.5)",
])
def test_volatile_functions_of_the_database_are_refused(pg_scratch, sql):
    with connect(pg_scratch.url, samples=False) as conn:
        assert refused(conn, sql) == "volatile_function"
    assert log_rows(pg_scratch) == 0


def test_explain_analyze_of_a_volatile_function_is_refused_and_harmless_ones_run(pg_scratch):
    with connect(pg_scratch.url, samples=False) as conn:
        with pytest.raises(GuardRefusal) as refusal:
            conn.explain("SELECT evil(t) FROM t", analyze=True)
        assert refusal.value.rule == "volatile_function"
        assert conn.run("SELECT harmless(a), random() < 2, clock_timestamp() IS NOT NULL FROM t "
                        "ORDER BY a").rows[0] == [2, True, True]
    assert log_rows(pg_scratch) == 0


def test_a_function_made_after_the_catalog_was_read_is_refused(pg_scratch):
    with connect(pg_scratch.url, samples=False) as conn:
        assert conn.run("SELECT harmless(1)").rows == [[2]]  # the catalog is read and kept
        with pg_admin(pg_scratch.admin_url, pg_scratch.name) as admin:
            admin.execute("CREATE FUNCTION made_later() RETURNS int LANGUAGE sql VOLATILE "
                          "AS 'INSERT INTO log VALUES (9) RETURNING 1'")
        try:
            assert refused(conn, "SELECT made_later()") == "volatile_function"
        finally:
            with pg_admin(pg_scratch.admin_url, pg_scratch.name) as admin:
                admin.execute("DROP FUNCTION made_later()")
    assert log_rows(pg_scratch) == 0


def test_the_catalog_is_read_again_once_it_is_old(pg_scratch, monkeypatch):
    # levenshtein is a name sqlglot knows, so a call to it does not by itself
    # make the connector read the catalog again; the catalog's age does.
    with connect(pg_scratch.url, samples=False) as conn:
        conn.run("SELECT 1")
        with pg_admin(pg_scratch.admin_url, pg_scratch.name) as admin:
            admin.execute("CREATE FUNCTION levenshtein(text, text) RETURNS int LANGUAGE sql VOLATILE "
                          "AS 'INSERT INTO log VALUES (7) RETURNING 1'")
        try:
            monkeypatch.setattr("connectors.base.FUNCTIONS_MAX_AGE_S", 0.0)
            assert refused(conn, "SELECT levenshtein('a', 'b')") == "volatile_function"
        finally:
            with pg_admin(pg_scratch.admin_url, pg_scratch.name) as admin:
                admin.execute("DROP FUNCTION levenshtein(text, text)")
    assert log_rows(pg_scratch) == 0


# -- MariaDB: stored functions --------------------------------------------------------


def mariadb_count(scratch, table: str) -> int:
    with mariadb_admin(scratch.admin_url, scratch.name) as admin, admin.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_a_stored_function_that_writes_is_refused(mariadb_scratch):
    with connect(mariadb_scratch.url, samples=False) as conn:
        for sql in ["SELECT writes()", f"SELECT {mariadb_scratch.name}.writes()", "SELECT a FROM t WHERE writes() = 1"]:
            assert refused(conn, sql) == "volatile_function"
        assert conn.run("SELECT twice(a) FROM t ORDER BY a").rows == [[2], [4]]
        assert refused(conn, "SELECT sys.version_major()") == "volatile_function"  # not declared deterministic
    assert mariadb_count(mariadb_scratch, "log") == 0


def test_a_function_that_lies_about_writing_is_stopped_by_the_read_only_transaction(mariadb_scratch):
    # Declared DETERMINISTIC READS SQL DATA, so the guard lets it through; the
    # server does not enforce declarations, but the read-only transaction holds.
    with connect(mariadb_scratch.url, samples=False) as conn:
        with pytest.raises(ConnectorError) as failed:
            conn.run("SELECT lies()")
        assert not isinstance(failed.value, GuardRefusal) and "READ ONLY" in str(failed.value)
    assert mariadb_count(mariadb_scratch, "aria_log") == 0


def test_a_stored_function_made_after_the_catalog_was_read_is_refused(mariadb_scratch):
    with connect(mariadb_scratch.url, samples=False) as conn:
        assert conn.run("SELECT twice(1)").rows == [[2]]
        with mariadb_admin(mariadb_scratch.admin_url, mariadb_scratch.name) as admin, admin.cursor() as cursor:
            cursor.execute("CREATE FUNCTION made_later() RETURNS INT NOT DETERMINISTIC MODIFIES SQL DATA "
                           "BEGIN INSERT INTO log VALUES (9); RETURN 1; END")
        assert refused(conn, "SELECT made_later()") == "volatile_function"
    assert mariadb_count(mariadb_scratch, "log") == 0


# -- DuckDB -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duck_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("duck") / "macros.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE t AS SELECT range AS a FROM range(3)")
    conn.execute("CREATE SEQUENCE s")
    conn.execute("CREATE MACRO bump() AS nextval('s')")
    conn.execute("CREATE MACRO bump_twice() AS bump() + bump()")  # a macro over a refused macro
    conn.execute("CREATE MACRO sneaky() AS TABLE SELECT * FROM query('SELECT 1')")
    conn.execute("CREATE MACRO twice(x) AS x * 2")
    conn.close()
    return path


def duck_snapshot(path: Path) -> list:
    conn = duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))
    try:
        return conn.execute("SELECT * FROM t ORDER BY a").fetchall() + conn.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("sql,rule", [
    ("SELECT bump()", "volatile_function"),
    ("SELECT bump_twice()", "volatile_function"),
    ("SELECT * FROM sneaky()", "volatile_function"),
    ("SELECT setseed(0.5)", "volatile_function"),
    ("SELECT write_log('x')", "forbidden_function"),
    ("SELECT currval('s')", "volatile_function"),
    ("SELECT * FROM checkpoint()", "forbidden_function"),
    ("SELECT * FROM json_execute_serialized_sql('x')", "forbidden_function"),
    ("SELECT nextval('s')", "forbidden_function"),
])
def test_duckdb_side_effect_functions_and_macros_over_them_are_refused(duck_path, sql, rule):
    before = duck_snapshot(duck_path)
    with connect(str(duck_path), samples=False) as conn:
        assert refused(conn, sql) == rule
        assert conn.run("SELECT twice(a), random() < 2, uuid() IS NOT NULL, now() IS NOT NULL FROM t").rows[1][0] == 2
    assert duck_snapshot(duck_path) == before


# -- SQLite -------------------------------------------------------------------------


@pytest.fixture
def fts_path(tmp_path) -> Path:
    path = tmp_path / "docs.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE VIRTUAL TABLE docs USING fts4(body)")
        conn.executemany("INSERT INTO docs VALUES (?)", [("red fox",), ("blue fox",)])
    return path


@pytest.mark.parametrize("sql,rule", [
    ("SELECT optimize(docs) FROM docs", "volatile_function"),  # FTS4's optimize() merges the index: a write
    ("SELECT load_extension('/tmp/x.so')", "forbidden_function"),
    ("SELECT fts3_tokenizer('simple')", "forbidden_function"),
])
def test_sqlite_functions_that_are_not_deterministic_or_innocuous_are_refused(fts_path, sql, rule):
    before = fts_path.read_bytes()
    with connect(str(fts_path), samples=False) as conn:
        assert refused(conn, sql) == rule
        assert conn.run("SELECT snippet(docs), random() IS NOT NULL, date('now') IS NOT NULL FROM docs "
                        "WHERE docs MATCH 'red'").rows[0][0] == "<b>red</b> fox"
    assert fts_path.read_bytes() == before


def test_the_sqlite_authorizer_refuses_what_the_catalog_marks_even_past_the_guard(fts_path):
    with connect(str(fts_path), samples=False) as conn:
        conn.run("SELECT 1")  # reads the function catalog
        with conn.session(None) as handle:
            with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
                handle.conn.execute("SELECT optimize(docs) FROM docs").fetchall()


# -- what questions need still passes ---------------------------------------------------


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_every_defog_gold_query_passes_the_guard_with_the_database_catalog(request, dialect):
    if not (DEFOG / dialect).is_dir():
        pytest.skip(f"defog data not found at {DEFOG}")
    options = {"pg_url": request.getfixturevalue("postgres_url")} if dialect == "postgres" else {}
    refusals = []
    opened = PostgresDumps(DEFOG / dialect, **options) if dialect == "postgres" else EvalDatabases(DEFOG / dialect)
    with opened as databases:
        for question in load_questions(DEFOG / f"questions_{dialect}.csv", dialect):
            conn = databases.get(question.db_name)
            with conn.session(None) as handle:
                for sql in question.gold_sql:
                    try:
                        conn.guard(handle, sql)
                    except GuardRefusal as refusal:
                        refusals.append((question.id, sql, refusal.rule))
                assert conn.functions(handle).refused  # the catalog was read
    assert refusals == []
