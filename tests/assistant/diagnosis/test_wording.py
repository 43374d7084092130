"""Every kind of finding, rendered from a SQLite database written for this test, reads as text:
no Python set or dict braces, no None, no line that is only `null`, no "(s)" plurals."""

import re
import sqlite3

import pytest

from assistant.diagnosis import diagnose_static
from assistant.diagnosis.findings import KINDS
from connectors import connect
from connectors.types import QueryTimeout

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, city TEXT, created_at TEXT);
CREATE UNIQUE INDEX customers_email ON customers(email);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, status TEXT NOT NULL, total REAL NOT NULL,
                     created_at TEXT NOT NULL, coupon TEXT);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_created ON orders(created_at);
CREATE TABLE events (id INTEGER PRIMARY KEY, customer_id INTEGER, kind TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
INSERT INTO customers SELECT i, 'c' || i || '@example.com', 'Customer ' || i,
  CASE i % 3 WHEN 0 THEN 'Paris' WHEN 1 THEN 'Lyon' ELSE NULL END, date('2022-01-01', '+' || (i % 700) || ' days') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders SELECT i, 1 + (i * 7) % 12000, CASE i % 4 WHEN 0 THEN 'pending' ELSE 'shipped' END,
  (i * 13) % 1000 + 0.5, datetime('2023-01-01', '+' || ((i * 7919) % 31536000) || ' seconds'),
  CASE WHEN i % 9 = 0 THEN 'SAVE' ELSE NULL END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 15000)
INSERT INTO events SELECT i, CASE WHEN i % 40 = 0 THEN NULL ELSE 1 + (i * 11) % 12000 END,
  CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'cart' END,
  datetime('2023-01-01', '+' || ((i * 7907) % 31536000) || ' seconds') FROM n;
INSERT INTO codes VALUES ('a', 'A'), ('b', 'B');
ANALYZE;
"""

# (the statement, whether its advice is tried on the data, the kinds it must bring out)
CASES = [
    ("-- nothing but a comment", False, {"empty"}),
    ("please tell me why my report is slow", False, {"not_sql"}),
    ("SELECT id FROM orders WHERE total >", False, {"syntax_error"}),
    ("SELECT 1; SELECT 2", False, {"multiple_statements"}),
    ("DELETE FROM orders", False, {"write_statement", "write_without_where"}),
    ("PRAGMA table_info(orders)", False, {"not_a_query"}),
    ("SELECT id FROM orders WHERE id = ?", False, {"placeholders"}),
    ("SELECT id FROM order_lines", False, {"unknown_table"}),
    ("SELECT nmae FROM customers", False, {"unknown_column"}),
    ("SELECT id FROM orders JOIN customers ON customers.id = orders.customer_id", False, {"ambiguous_column"}),
    ("SELECT id FROM customers WHERE name = 5", False, {"type_mismatch"}),
    ("SELECT city, name, count(*) FROM customers GROUP BY city", True, {"group_by"}),
    ("SELECT customer_id FROM orders WHERE sum(total) > 10 GROUP BY customer_id", False, {"aggregate_in_where"}),
    ("SELECT id FROM orders WHERE total > (SELECT id, total FROM orders)", False, {"engine_error"}),
    ("SELECT load_extension('x')", False, {"refused"}),
    ("SELECT id FROM events WHERE customer_id = 77", True, {"full_scan", "index_suggestion"}),
    ("SELECT o.id, e.kind FROM orders o JOIN events e ON e.customer_id = o.customer_id WHERE o.id < 50", False,
     {"join_without_index"}),
    ("SELECT id FROM events ORDER BY kind LIMIT 5", False, {"temp_sort"}),
    ("SELECT count(*) FROM orders o JOIN events e ON abs(e.id - o.id) < 2", False, {"nested_loop_large"}),
    ("SELECT o.id FROM orders o, customers c WHERE o.total > 10", False, {"cartesian_join"}),
    ("SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id, events e, codes k", False,
     {"cartesian_join"}),
    ("SELECT o.id FROM orders o, customers c WHERE c.id = o.customer_id AND o.id = 1", False, {"comma_join"}),
    ("SELECT id FROM orders ORDER BY random() LIMIT 5", False, {"order_by_random"}),
    ("SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 1", False, {"select_star_join"}),
    ("SELECT DISTINCT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id < 100", True,
     {"distinct_join_fanout"}),
    ("SELECT c.id, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) FROM customers c", False,
     {"correlated_subquery"}),
    ("SELECT status FROM orders UNION SELECT kind FROM events", True, {"union_not_all"}),
    ("SELECT status, count(*) FROM orders GROUP BY status HAVING status <> 'x'", False, {"having_without_aggregate"}),
    ("SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 15000", False, {"large_offset"}),
    ("SELECT id, status FROM orders", False, {"unbounded_scan"}),
    ("SELECT id FROM orders WHERE date(created_at) = '2023-05-01'", True,
     {"function_on_indexed_column", "rewrite_suggestion"}),
    ("SELECT id FROM customers WHERE email LIKE '%@example.com'", False, {"leading_wildcard_like"}),
    ("SELECT id FROM orders WHERE customer_id = 5 OR total > 900", False, {"or_across_columns"}),
    ("SELECT id FROM orders WHERE coupon = NULL", False, {"null_comparison"}),
    ("SELECT id FROM customers WHERE id < 300 AND id NOT IN (SELECT customer_id FROM events WHERE id < 3000)", True,
     {"not_in_nullable"}),
]


class PlannerOutOfTime:
    """The real connector, except that the engine runs out of time planning."""

    def __init__(self, connector):
        self._connector = connector

    def __getattr__(self, name):
        return getattr(self._connector, name)

    def explain(self, sql, **options):
        raise QueryTimeout("the plan took longer than 0.5 s")


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("wording") / "wording.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(SCHEMA)
    connector = connect(f"sqlite:///{path}", timeout_s=5.0)
    yield connector
    connector.close()


@pytest.fixture(scope="module")
def reports(conn):
    found = [(sql, kinds, diagnose_static(sql, conn, verify=verify).report) for sql, verify, kinds in CASES]
    slow = "SELECT id FROM orders WHERE customer_id = 5"
    found.append((slow, {"engine_timeout"}, diagnose_static(slow, PlannerOutOfTime(conn)).report))
    return found


def texts(report):
    for finding in report.findings:
        for field in ("message", "suggestion", "verification"):
            yield f"{finding.kind} {field}", getattr(finding, field) or ""
    yield "summary", report.summary
    for note in report.notes:
        yield "note", note


def test_every_kind_of_finding_is_rendered(reports):
    for sql, kinds, report in reports:
        assert kinds <= report.kinds(), (sql, [(f.kind, f.message) for f in report.findings])
    assert set().union(*(report.kinds() for _, _, report in reports)) >= KINDS


def test_every_finding_reads_as_text(reports):
    from assistant.diagnosis.summary import rule_summary

    for sql, _kinds, report in reports:
        report.summary = rule_summary(report)
        for where, text in texts(report):
            assert not re.search(r"[{}]|\bNone\b|\(e?s\)", text), (sql, where, text)
            assert not any(line.strip().lower() == "null" for line in text.splitlines()), (sql, where, text)


def test_tables_no_condition_links_are_named_as_a_sentence_does(reports):
    messages = {sql: f.message for sql, _, report in reports for f in report.of_kind("cartesian_join")}
    assert messages["SELECT o.id FROM orders o, customers c WHERE o.total > 10"].startswith(
        "No condition links o to c:")
    assert messages["SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id, events e, codes k"].startswith(
        "No condition links o (with c), e and k to one another:")
