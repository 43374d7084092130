"""MariaDB and DuckDB: the same passes through their connectors, with what each engine allows."""

import uuid

import duckdb
import pytest
import sqlalchemy as sa

from assistant.diagnosis import diagnose_static
from connectors import connect


def only(report, kind):
    found = report.of_kind(kind)
    assert len(found) == 1, [(f.kind, f.message) for f in report.findings]
    return found[0]


@pytest.fixture(scope="module")
def mariadb_conn(mariadb_url):
    """A database of its own on the shared server, dropped afterwards."""
    name = f"dbgpt_diag_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(mariadb_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f"CREATE DATABASE `{name}`"))
    try:
        with admin.connect() as con:
            con.execute(sa.text(f"USE `{name}`"))
            con.execute(sa.text("SET SESSION max_recursive_iterations = 100000"))
            con.execute(sa.text("CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, "
                                "status VARCHAR(20) NOT NULL, created_at DATETIME NOT NULL, KEY orders_created "
                                "(created_at))"))
            con.execute(sa.text(
                "INSERT INTO orders WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
                "SELECT i, 1 + (i * 7) % 5000, IF(i % 10 = 0, 'cancelled', 'shipped'), "
                "'2023-01-01' + INTERVAL (i * 104729 % 31536000) SECOND FROM n"))
            con.execute(sa.text("ANALYZE TABLE orders"))
        conn = connect(sa.engine.make_url(mariadb_url).set(database=name).render_as_string(hide_password=False),
                       timeout_s=10.0)
        yield conn
        conn.close()
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def test_mariadb_plan_findings_and_unverifiable_index_advice(mariadb_conn):
    report = diagnose_static("SELECT id FROM orders WHERE customer_id = 77", mariadb_conn).report
    scan = only(report, "full_scan")
    assert scan.verified and scan.evidence["node"]["operation"] == "ALL"
    advice = only(report, "index_suggestion")
    assert not advice.verified and "cannot plan with an index that does not exist" in advice.verification
    assert advice.sql.startswith("CREATE INDEX `idx_orders_customer_id`")
    assert mariadb_conn.run("SELECT COUNT(*) FROM information_schema.statistics WHERE "
                            "table_schema = DATABASE() AND index_name LIKE 'idx_%'").rows == [[0]]


def test_mariadb_filesort_and_engine_errors(mariadb_conn):
    random = diagnose_static("SELECT id FROM orders ORDER BY RAND() LIMIT 5", mariadb_conn).report
    assert "filesort" in only(random, "order_by_random").verification
    missing = only(diagnose_static("SELECT id FROM orderz", mariadb_conn).report, "unknown_table")
    assert missing.verified and "doesn't exist" in missing.verification


@pytest.fixture(scope="module")
def duckdb_conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("duck") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT i AS id, 1 + (i * 7) % 5000 AS customer_id, "
                    "i % 1000 + 0.5 AS total FROM range(1, 30001) t(i)")
        con.execute("CREATE TABLE customers AS SELECT i AS id, 'C' || i AS name FROM range(1, 5001) t(i)")
    conn = connect(str(path), timeout_s=10.0)
    yield conn
    conn.close()


def test_duckdb_scans_are_not_blamed_and_subqueries_are_decorrelated(duckdb_conn):
    report = diagnose_static("SELECT o.id, (SELECT count(*) FROM customers c WHERE c.id = o.customer_id) AS n "
                             "FROM orders o WHERE o.total > 900", duckdb_conn).report
    assert not report.kinds() & {"full_scan", "join_without_index", "index_suggestion"}
    correlated = only(report, "correlated_subquery")
    assert correlated.severity == "info" and "already" in correlated.verification
    cartesian = diagnose_static("SELECT o.id FROM orders o, customers c WHERE o.total > 990", duckdb_conn).report
    assert only(cartesian, "cartesian_join").verified
