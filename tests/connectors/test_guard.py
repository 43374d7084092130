"""The statement guard, rule by rule: what passes, what is refused and why."""

from __future__ import annotations

import pytest
from sqlglot import exp

from connectors.function_policy import from_catalog
from connectors.guard import MAX_SQL_CHARS, anonymous_functions, check_statement, explained, render
from connectors.guard_rules import is_forbidden_function
from connectors.types import GuardRefusal

ALLOWED = [
    ("sqlite", "SELECT 1"),
    ("sqlite", "select name, count(*) from customers group by 1 order by 2 desc limit 5"),
    ("postgres", "WITH t AS (SELECT 1 AS a) SELECT a FROM t"),
    ("postgres", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r"),
    ("postgres", "SELECT 1 UNION SELECT 2 EXCEPT SELECT 3"),
    ("postgres", "VALUES (1, 'a'), (2, 'b')"),
    ("postgres", "TABLE customers"),
    ("postgres", "SELECT pg_sleep(0)"),  # only burns time, and the timeout cancels it
    ("postgres", "SELECT x::int FROM t WHERE name LIKE 'a%'"),
    ("postgres", "EXPLAIN SELECT 1"),
    ("postgres", "EXPLAIN (FORMAT JSON, COSTS) SELECT * FROM t"),
    ("postgres", "SHOW search_path"),
    ("sqlite", "EXPLAIN QUERY PLAN SELECT * FROM t"),
    ("sqlite", "PRAGMA table_info(customers)"),
    ("sqlite", "PRAGMA main.index_list('orders')"),
    ("sqlite", "SELECT * FROM pragma_table_info('orders')"),
    ("mysql", "SHOW TABLES"),
    ("mysql", "SHOW CREATE TABLE customers"),
    ("mysql", "DESCRIBE customers"),
    ("mysql", "EXPLAIN FORMAT=JSON SELECT * FROM t"),
    ("mysql", "SELECT /*+ NO_INDEX(t) */ * FROM t"),
    ("mysql", "SELECT SLEEP(0)"),
    ("duckdb", "FROM customers"),
    ("duckdb", "SUMMARIZE customers"),
    ("duckdb", "DESCRIBE customers"),
    ("duckdb", "SHOW TABLES"),
    ("duckdb", "PRAGMA table_info('customers')"),
    ("duckdb", "EXPLAIN (FORMAT JSON) SELECT 1"),
    ("sqlite", "SELECT 1;"),
    ("sqlite", "-- leading comment\nSELECT 1 /* trailing */"),
]

REFUSED = [
    # shape of the text
    ("sqlite", "", "empty_statement"),
    ("sqlite", "   ", "empty_statement"),
    ("sqlite", "-- only a comment", "empty_statement"),
    ("sqlite", "SELECT 1; SELECT 2", "multiple_statements"),
    ("postgres", "SELECT 1; DROP TABLE customers", "multiple_statements"),
    ("postgres", "SELEC 1 FROM", "unparseable"),
    ("mysql", "SELECT * FROM t INTO OUTFILE '/tmp/x'", "unparseable"),
    ("sqlite", "SELECT " + "1 + " * (MAX_SQL_CHARS // 4) + "1", "statement_too_long"),
    # writes and DDL
    ("sqlite", "INSERT INTO t VALUES (1)", "write_statement"),
    ("postgres", "UPDATE t SET a = 1", "write_statement"),
    ("postgres", "DELETE FROM t", "write_statement"),
    ("postgres", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "write_statement"),
    ("postgres", "CREATE TABLE x (a int)", "write_statement"),
    ("postgres", "DROP TABLE t", "write_statement"),
    ("postgres", "ALTER TABLE t ADD COLUMN b int", "write_statement"),
    ("postgres", "TRUNCATE t", "write_statement"),
    ("postgres", "VACUUM", "write_statement"),
    ("postgres", "REFRESH MATERIALIZED VIEW v", "write_statement"),
    ("postgres", "COMMENT ON TABLE t IS 'x'", "write_statement"),
    ("mysql", "REPLACE INTO t VALUES (1)", "write_statement"),
    ("sqlite", "VACUUM INTO '/tmp/x.db'", "write_statement"),
    ("postgres", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "data_modifying_cte"),
    ("postgres", "WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1", "data_modifying_cte"),
    ("postgres", "SELECT * INTO new_table FROM t", "select_into"),
    ("postgres", "SELECT * FROM t FOR UPDATE", "locking_clause"),
    ("postgres", "SELECT * FROM t FOR SHARE", "locking_clause"),
    ("mysql", "SELECT * FROM t LOCK IN SHARE MODE", "locking_clause"),
    # side doors
    ("postgres", "COPY t TO '/tmp/x'", "copy"),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", "copy"),
    ("duckdb", "COPY t TO '/tmp/x.csv'", "copy"),
    ("postgres", "CALL p()", "procedure_call"),
    ("postgres", "DO $$ BEGIN END $$", "procedure_call"),
    ("postgres", "PREPARE p AS SELECT 1", "procedure_call"),
    ("postgres", "SET statement_timeout = 0", "session_change"),
    ("postgres", "SET ROLE postgres", "session_change"),
    ("postgres", "RESET ALL", "session_change"),
    ("mysql", "SET @a = 1", "session_change"),
    ("mysql", "USE mysql", "session_change"),
    ("postgres", "BEGIN", "transaction_control"),
    ("postgres", "COMMIT", "transaction_control"),
    ("postgres", "ROLLBACK", "transaction_control"),
    ("mysql", "START TRANSACTION", "transaction_control"),
    ("postgres", "SAVEPOINT s", "transaction_control"),
    ("postgres", "GRANT ALL ON t TO PUBLIC", "privilege_change"),
    ("postgres", "REVOKE ALL ON t FROM PUBLIC", "privilege_change"),
    ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS x", "attach"),
    ("sqlite", "DETACH x", "attach"),
    ("duckdb", "ATTACH '/tmp/x.duckdb'", "attach"),
    ("duckdb", "INSTALL httpfs", "extension_load"),
    ("duckdb", "LOAD httpfs", "extension_load"),
    ("mysql", "KILL 1", "process_control"),
    ("sqlite", "PRAGMA writable_schema = 1", "pragma_not_allowed"),
    ("sqlite", "PRAGMA journal_mode = DELETE", "pragma_not_allowed"),
    ("sqlite", "PRAGMA query_only = 0", "pragma_not_allowed"),
    ("duckdb", "PRAGMA enable_profiling", "pragma_not_allowed"),
    ("postgres", "LISTEN ch", "session_change"),
    ("postgres", "NOTIFY ch", "session_change"),
    ("postgres", "frobnicate everything", "unknown_statement"),
    ("postgres", "SECURITY LABEL ON TABLE t IS 'x'", "write_statement"),
    ("postgres", "START TRANSACTION READ WRITE", "transaction_control"),
    ("mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "file_access"),
    # functions
    ("postgres", "SELECT pg_read_file('/etc/passwd')", "forbidden_function"),
    ("postgres", "SELECT pg_catalog.pg_read_binary_file('/etc/passwd')", "forbidden_function"),
    ("postgres", 'SELECT "pg_ls_dir"(\'/\')', "forbidden_function"),
    ("postgres", "SELECT * FROM pg_ls_dir('/')", "forbidden_function"),
    ("postgres", "SELECT lo_export(1, '/tmp/x')", "forbidden_function"),
    ("postgres", "SELECT lo_import('/etc/passwd')", "forbidden_function"),
    ("postgres", "SELECT dblink_exec('dbname=x', 'DROP TABLE t')", "forbidden_function"),
    ("postgres", "SELECT nextval('s')", "forbidden_function"),
    ("postgres", "SELECT setval('s', 1)", "forbidden_function"),
    ("postgres", "SELECT set_config('statement_timeout', '0', false)", "forbidden_function"),
    ("postgres", "SELECT pg_terminate_backend(1)", "forbidden_function"),
    ("postgres", "SELECT pg_cancel_backend(1)", "forbidden_function"),
    ("postgres", "SELECT txid_current()", "forbidden_function"),
    ("postgres", "SELECT pg_advisory_lock(1)", "forbidden_function"),
    ("postgres", "SELECT query_to_xml('DELETE FROM t', true, true, '')", "forbidden_function"),
    # PostgreSQL functions that run SQL given as text, or read tables and schemas by name
    ("postgres", "SELECT * FROM ts_stat('SELECT pg_read_file(''/etc/passwd'')')", "forbidden_function"),
    ("postgres", "SELECT ts_rewrite('a'::tsquery, 'SELECT pg_terminate_backend(1)')", "forbidden_function"),
    ("postgres", "SELECT query_to_xmlschema('SELECT 1', true, true, '')", "forbidden_function"),
    ("postgres", "SELECT cursor_to_xml('c', 1, true, true, '')", "forbidden_function"),
    ("postgres", "SELECT table_to_xml('t'::regclass, true, true, '')", "forbidden_function"),
    ("postgres", "SELECT table_to_xml_and_xmlschema('t', true, true, '')", "forbidden_function"),
    ("postgres", "SELECT schema_to_xml('public', true, true, '')", "forbidden_function"),
    ("postgres", "SELECT database_to_xmlschema(true, true, '')", "forbidden_function"),
    ("postgres", "SELECT * FROM crosstab('SELECT lo_export(1, ''/tmp/x'')') AS c(a int)", "forbidden_function"),
    ("postgres", "SELECT * FROM connectby('t', 'id', 'parent', '1', 0) AS c(a int)", "forbidden_function"),
    ("postgres", "SELECT * FROM xpath_table('id', 'x', 't', '/a', 'true') AS c(a int)", "forbidden_function"),
    ("postgres", "SELECT xslt_process('<a/>', '<xsl/>')", "forbidden_function"),
    ("postgres", "SELECT * FROM hypopg_create_index('CREATE INDEX ON t (a)')", "forbidden_function"),
    ("postgres", "SELECT pg_background_launch('DELETE FROM t')", "forbidden_function"),
    ("mysql", "SELECT keyring_key_store('k', 'AES', 'x')", "forbidden_function"),
    ("mysql", "SELECT group_replication_set_as_primary('x')", "forbidden_function"),
    ("duckdb", "SELECT * FROM json_execute_serialized_sql('x')", "forbidden_function"),
    ("duckdb", "SELECT * FROM checkpoint()", "forbidden_function"),
    ("duckdb", "SELECT * FROM enable_logging()", "forbidden_function"),
    ("postgres", "SELECT 1 WHERE EXISTS (SELECT pg_stat_reset())", "forbidden_function"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')", "forbidden_function"),
    ("mysql", "SELECT sys_exec('id')", "forbidden_function"),
    ("mysql", "SELECT GET_LOCK('a', 10)", "forbidden_function"),
    ("sqlite", "SELECT load_extension('/tmp/x.so')", "forbidden_function"),
    ("sqlite", "SELECT writefile('/tmp/x', 'data')", "forbidden_function"),
    ("sqlite", "SELECT readfile('/etc/passwd')", "forbidden_function"),
    ("sqlite", "SELECT fts3_tokenizer('simple')", "forbidden_function"),
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", "forbidden_function"),
    ("duckdb", "SELECT * FROM read_parquet('s3://bucket/x.parquet')", "forbidden_function"),
    ("duckdb", "SELECT * FROM read_json_auto('/tmp/x.json')", "forbidden_function"),
    ("duckdb", "SELECT * FROM glob('/*')", "forbidden_function"),
    ("duckdb", "SELECT getenv('HOME')", "forbidden_function"),
    ("duckdb", "SELECT * FROM query('DELETE FROM t')", "forbidden_function"),
    ("duckdb", "SELECT * FROM '/etc/passwd'", "file_access"),
    ("duckdb", "SELECT * FROM 'data.csv'", "file_access"),
    # EXPLAIN ANALYZE runs the statement
    ("postgres", "EXPLAIN ANALYZE SELECT 1", "explain_analyze"),
    ("postgres", "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1", "explain_analyze"),
    ("postgres", "EXPLAIN ANALYZE DELETE FROM t", "explain_analyze"),
    ("mysql", "EXPLAIN ANALYZE SELECT 1", "explain_analyze"),
    ("duckdb", "EXPLAIN ANALYZE SELECT 1", "explain_analyze"),
    ("postgres", "EXPLAIN DELETE FROM t", "write_statement"),
    ("postgres", "EXPLAIN SELECT 1; DELETE FROM t", "multiple_statements"),
    # MySQL comment and session tricks
    ("mysql", "SELECT 1 /*!50000 , (SELECT 1) INTO OUTFILE '/tmp/x' */", "executable_comment"),
    ("mysql", "SELECT 1 /*M!100000 , 2 */", "executable_comment"),
    ("mysql", "SELECT @a := 1", "variable_assignment"),
    ("mysql", "SELECT /*+ SET_VAR(max_execution_time=0) */ 1", "optimizer_hint"),
]


@pytest.mark.parametrize("dialect,sql", ALLOWED)
def test_read_only_statements_pass(dialect, sql):
    tree = check_statement(sql, dialect)
    assert isinstance(tree, exp.Expression)
    # What a connector sends is the rendered tree, and it passes the guard too.
    rendered = render(tree, dialect)
    assert check_statement(rendered, dialect) is not None
    assert "--" not in rendered and "/* " not in rendered.replace("/*+", "")


@pytest.mark.parametrize("dialect,sql,rule", REFUSED)
def test_refusals_name_their_rule(dialect, sql, rule):
    with pytest.raises(GuardRefusal) as refused:
        check_statement(sql, dialect)
    assert refused.value.rule == rule, refused.value.message
    assert refused.value.message


def test_every_rule_has_a_case():
    rules = {rule for _, _, rule in REFUSED}
    expected = {
        "empty_statement", "multiple_statements", "unparseable", "statement_too_long",
        "write_statement", "data_modifying_cte", "select_into", "locking_clause", "copy",
        "procedure_call", "session_change", "transaction_control", "privilege_change",
        "attach", "extension_load", "process_control", "pragma_not_allowed",
        "unknown_statement", "forbidden_function", "file_access", "explain_analyze",
        "executable_comment", "variable_assignment", "optimizer_hint",
    }
    assert expected <= rules  # volatile_function: CATALOG_REFUSED below


def test_rendering_drops_comments_that_could_hide_code():
    tree = check_statement("SELECT 1 -- ; DROP TABLE t\n, 2 /* ; DELETE FROM t */", "postgres")
    assert render(tree, "postgres") == "SELECT 1, 2"


def test_a_statement_too_deep_to_write_back_is_refused():
    tree = check_statement("SELECT * FROM " + "(SELECT * FROM " * 100 + "t" + ") AS s" * 100, "sqlite")
    with pytest.raises(GuardRefusal) as refused:
        render(tree, "sqlite")
    assert refused.value.rule == "unparseable" and "too deeply" in refused.value.message


def test_explain_keeps_the_explained_statement():
    tree = check_statement("explain (format json) select a from t -- c", "postgres")
    inner = explained(tree)
    assert isinstance(inner, exp.Select)
    assert render(tree, "postgres") == "EXPLAIN (FORMAT JSON) SELECT a FROM t"


def test_sqlite_explain_query_plan_renders():
    tree = check_statement("explain query plan select * from t", "sqlite")
    assert render(tree, "sqlite") == "EXPLAIN QUERY PLAN SELECT * FROM t"


def test_show_is_rebuilt_from_words():
    tree = check_statement('SHOW "search_path"', "postgres")
    assert render(tree, "postgres") == 'SHOW "search_path"'
    with pytest.raises(GuardRefusal) as refused:
        check_statement("SHOW 'x' || pg_read_file('/etc/passwd')", "postgres")
    assert refused.value.rule == "unknown_statement"


def test_function_deny_list_covers_prefixes_and_suffixes():
    for name in ["pg_read_file", "PG_LS_WALDIR", "lo_put", "dblink_connect_u", "read_ndjson",
                 "pg_stat_statements_reset", "postgres_execute", "http_get"]:
        assert is_forbidden_function(name), name
    for name in ["count", "sum", "lower", "pg_sleep", "date_trunc", "row_number", "coalesce"]:
        assert not is_forbidden_function(name), name
    assert is_forbidden_function("glob", "duckdb") and not is_forbidden_function("glob", "sqlite")


def test_forbidden_function_hidden_in_subquery_or_join():
    sql = "SELECT c.id FROM customers c JOIN (SELECT pg_read_file('/etc/passwd') AS f) x ON true"
    with pytest.raises(GuardRefusal) as refused:
        check_statement(sql, "postgres")
    assert refused.value.rule == "forbidden_function"


# A database's own catalog, as a connector reads it: (name, marked as changing something).
CATALOG = from_catalog(
    [("evil", True), ("evil_sum", True), ("setseed", True), ("random", True), ("clock_timestamp", True),
     ("pg_sleep", True), ("pg_relation_size", True), ("now", False), ("upper", False), ("good", False)],
    why="the test catalog marks it volatile",
    row_callable=["evil", "good"],
)

CATALOG_REFUSED = [
    ("postgres", "SELECT evil()"),
    ("postgres", "SELECT EVIL(1)"),
    ("postgres", 'SELECT "evil"(t) FROM t'),
    ("postgres", "SELECT scratch.evil(t) FROM t"),
    ("postgres", "SELECT evil_sum(a) FROM t"),
    ("postgres", "SELECT * FROM evil()"),
    ("postgres", "SELECT setseed(0.5)"),
    ("postgres", "SELECT 1 WHERE EXISTS (SELECT 1 FROM t WHERE evil(t) > 0)"),
    ("postgres", "WITH x AS (SELECT evil() AS e) SELECT e FROM x"),
    ("postgres", "EXPLAIN SELECT evil()"),
    # PostgreSQL reads t.f as f(t): a function called as a column
    ("postgres", "SELECT t.evil FROM t"),
    ("postgres", "SELECT (t).evil FROM t"),
    ("postgres", "SELECT s.t.evil FROM s.t"),
    ("mysql", "SELECT evil()"),
    ("duckdb", "FROM evil()"),
    ("sqlite", "SELECT evil(1)"),
]

CATALOG_ALLOWED = [
    ("postgres", "SELECT random(), clock_timestamp(), now(), pg_sleep(0)"),
    ("postgres", "SELECT pg_relation_size('t')"),
    ("postgres", "SELECT upper(name), good(t) FROM t"),
    ("postgres", "SELECT evil FROM t"),  # an unqualified name is only ever a column
    ("postgres", "SELECT t.good FROM t"),  # not volatile: the row form is harmless
    ("postgres", "SELECT * FROM t TABLESAMPLE SYSTEM (10)"),
]


@pytest.mark.parametrize("dialect,sql", CATALOG_REFUSED)
def test_functions_the_catalog_marks_volatile_are_refused(dialect, sql):
    with pytest.raises(GuardRefusal) as refused:
        check_statement(sql, dialect, CATALOG)
    assert refused.value.rule == "volatile_function"
    assert "evil" in refused.value.message or "setseed" in refused.value.message
    check_statement(sql, dialect)  # the deny-list alone does not know them


@pytest.mark.parametrize("dialect,sql", CATALOG_ALLOWED)
def test_harmless_and_stable_functions_pass_the_catalog_rule(dialect, sql):
    check_statement(sql, dialect, CATALOG)


def test_the_deny_list_names_its_own_rule_before_the_catalog():
    policy = from_catalog([("pg_read_file", True)], why="volatile")
    with pytest.raises(GuardRefusal) as refused:
        check_statement("SELECT pg_read_file('/etc/passwd')", "postgres", policy)
    assert refused.value.rule == "forbidden_function"


def test_a_catalog_policy_lists_what_it_read():
    assert CATALOG.refused == {"evil", "evil_sum", "setseed"}
    assert CATALOG.row_callable == {"evil"}  # only refused functions matter as columns
    assert CATALOG.lists("GOOD") and CATALOG.lists("random") and not CATALOG.lists("made_later")
    tree = check_statement("SELECT made_later(1), upper('a'), good(2) FROM t", "postgres", CATALOG)
    assert anonymous_functions(tree) == {"made_later", "good"}
    explain = check_statement("EXPLAIN SELECT made_later(1)", "postgres", CATALOG)
    assert anonymous_functions(explain) == {"made_later"}
