"""Against a real SQLite file of tens of thousands of rows: the engine's verdict,
its plan, indexes tried in a temporary copy, and rewrites compared on the data."""

import hashlib

import pytest

from assistant.diagnosis import diagnose_static
from connectors import connect
from connectors.types import SchemaInfo


def run(sql, conn, **options):
    return diagnose_static(sql, conn, **options).report


def only(report, kind):
    found = report.of_kind(kind)
    assert len(found) == 1, [(f.kind, f.message) for f in report.findings]
    return found[0]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_engine_confirms_an_unknown_column(sqlite_conn):
    finding = only(run("SELECT nmae FROM customers", sqlite_conn), "unknown_column")
    assert finding.verified and "no such column" in finding.verification
    assert "'name'" in finding.message


def test_the_engine_reports_what_the_parser_cannot_see(sqlite_conn):
    report = run("SELECT id FROM orders WHERE total > (SELECT id, total FROM orders)", sqlite_conn)
    finding = only(report, "engine_error")
    assert finding.verified and "row value" in finding.message


def test_a_filter_on_an_unindexed_column_is_a_full_scan_with_plan_evidence(sqlite_conn):
    report = run("SELECT id FROM events WHERE customer_id = 77", sqlite_conn)
    scan = only(report, "full_scan")
    assert scan.verified and scan.evidence["node"]["operation"] == "SCAN" and scan.evidence["rows"] == 40_000
    index = only(report, "index_suggestion")
    assert index.verified and "events" in index.sql and "customer_id" in index.sql
    assert index.evidence["after"] < index.evidence["before"] / 10
    assert any("dbgpt_trial" in line for line in index.evidence["plan_after"])


def test_index_trials_leave_the_database_file_unchanged(sqlite_conn, shop_path):
    before = digest(shop_path)
    report = run("SELECT * FROM orders WHERE status = 'pending' ORDER BY total DESC LIMIT 10", sqlite_conn)
    assert report.of_kind("index_suggestion")
    assert digest(shop_path) == before
    indexes = sqlite_conn.run("SELECT name FROM sqlite_master WHERE type = 'index'").rows
    assert not any("dbgpt" in row[0] or row[0].startswith("idx_") for row in indexes)


def test_a_join_without_an_index_and_the_index_that_fixes_it(sqlite_conn):
    report = run("SELECT p.name, oi.quantity FROM products p JOIN order_items oi ON oi.product_id = p.id "
                 "WHERE p.category = 'books' AND p.price > 400", sqlite_conn)
    join = only(report, "join_without_index")
    assert join.verified and "product_id" in join.message
    index = only(report, "index_suggestion")
    assert index.verified and "product_id" in index.sql


def test_a_function_on_an_indexed_column_is_confirmed_and_rewritten(sqlite_conn):
    report = run("SELECT * FROM orders WHERE date(created_at) = '2023-05-01'", sqlite_conn)
    function = only(report, "function_on_indexed_column")
    assert function.verified and function.evidence["plan"]["operation"] == "SCAN"
    rewrite = only(report, "rewrite_suggestion")
    assert rewrite.verified and "created_at >= '2023-05-01'" in rewrite.sql
    assert rewrite.evidence["only_in_original"] == rewrite.evidence["only_in_rewrite"] == 0
    assert rewrite.evidence["cost_rewrite"] < rewrite.evidence["cost_original"]


def test_not_in_over_nulls_is_verified_and_its_rewrite_is_not_called_equivalent(sqlite_conn):
    report = run("SELECT id FROM customers WHERE id < 300 AND id NOT IN "
                 "(SELECT customer_id FROM events WHERE id < 3000)", sqlite_conn)
    finding = only(report, "not_in_nullable")
    assert finding.verified and finding.evidence["null_rows_in_subquery"] > 0
    rewrite = only(report, "rewrite_suggestion")
    assert not rewrite.verified and "not an equivalent" in rewrite.message
    assert rewrite.evidence["rows_original"] == 0 < rewrite.evidence["rows_rewrite"]


def test_group_by_arbitrary_values_are_checked_on_the_data(sqlite_conn):
    varies = only(run("SELECT customer_id, created_at, count(*) FROM orders GROUP BY customer_id", sqlite_conn),
                  "group_by")
    assert varies.verified and varies.severity == "warning"
    constant = only(run("SELECT o.customer_id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
                        "GROUP BY o.customer_id", sqlite_conn), "group_by")
    assert not constant.verified and constant.severity == "info"


def test_union_and_distinct_are_checked_on_the_data(sqlite_conn):
    union = only(run("SELECT status FROM orders UNION SELECT kind FROM events", sqlite_conn), "union_not_all")
    assert union.evidence["union_all_rows"] > union.evidence["union_rows"] and not union.verified
    disjoint = run("SELECT id FROM orders WHERE id < 100 UNION SELECT id FROM orders WHERE id > 49900", sqlite_conn)
    assert only(disjoint, "union_not_all").verified
    rewrite = only(disjoint, "rewrite_suggestion")
    assert "UNION ALL" in rewrite.sql and rewrite.evidence["only_in_rewrite"] == 0
    fanout = only(run("SELECT DISTINCT c.id FROM customers c JOIN orders o ON o.customer_id = c.id "
                      "WHERE o.status = 'cancelled'", sqlite_conn), "distinct_join_fanout")
    assert fanout.verified and fanout.evidence["rows_before_distinct"] > fanout.evidence["rows_after_distinct"]


def test_plan_evidence_confirms_or_softens_syntax_findings(sqlite_conn):
    correlated = only(run("SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) "
                          "FROM orders o WHERE o.id < 500", sqlite_conn), "correlated_subquery")
    assert correlated.verified and "CORRELATED" in correlated.verification
    # Both columns are indexed: SQLite answers the OR with two index searches.
    combined = only(run("SELECT id FROM orders WHERE customer_id = 5 OR created_at > '2023-12-30'", sqlite_conn),
                    "or_across_columns")
    assert combined.severity == "info" and "MULTI-INDEX OR" in combined.verification


def test_a_clean_query_has_no_warnings(sqlite_conn):
    report = run("SELECT o.id, o.total FROM orders o WHERE o.customer_id = 42 ORDER BY o.id", sqlite_conn)
    assert [f for f in report.findings if f.severity != "info"] == []


def test_verification_stops_at_the_timeout_and_says_unverified(shop_path):
    conn = connect(f"sqlite:///{shop_path}", timeout_s=0.3)
    try:
        report = run("SELECT count(*) FROM orders o, customers c WHERE o.total > 900", conn, timeout_s=0.3)
    finally:
        conn.close()
    assert report.of_kind("cartesian_join")
    advice = report.of_kind("index_suggestion")
    assert advice and all(not f.verified and "timeout" in f.verification for f in advice)


def test_without_verification_nothing_but_the_plan_is_asked(sqlite_conn):
    report = run("SELECT id FROM events WHERE customer_id = 77", sqlite_conn, verify=False)
    assert report.of_kind("full_scan") and not report.of_kind("index_suggestion")


@pytest.mark.parametrize("sql", ["DELETE FROM orders WHERE id = 1", "DROP TABLE orders"])
def test_writes_never_reach_the_database(sql, sqlite_conn, shop_path):
    before = digest(shop_path)
    report = run(sql, sqlite_conn)
    assert report.executed is False and "write_statement" in report.kinds()
    assert digest(shop_path) == before


def test_an_index_that_would_not_help_is_dropped_and_the_scan_is_not_blamed(sqlite_conn):
    # 90% of orders match: the engine keeps its full scan even with an index on status.
    report = run("SELECT * FROM orders WHERE status IN ('shipped', 'pending')", sqlite_conn)
    assert report.of_kind("index_suggestion") == []
    assert any("dropped" in note for note in report.notes)
    scan = only(report, "full_scan")
    assert scan.severity == "info" and "did not make the plan cheaper" in scan.verification


def test_a_double_quoted_unknown_name_is_flagged_even_though_sqlite_accepts_it(sqlite_conn):
    finding = only(run('SELECT id FROM orders WHERE status = "pending"', sqlite_conn), "unknown_column")
    assert finding.verified and finding.severity == "warning" and "string literal" in finding.message


def test_the_engine_overrules_a_schema_finding_it_accepts(sqlite_conn):
    # A partial schema (as from introspecting some schemas only) lacks customers; the engine has it.
    full = sqlite_conn.introspect()
    partial = SchemaInfo(full.dialect, full.engine, full.server_version,
                         [t for t in full.tables if t.name != "customers"])
    report = run("SELECT c.id FROM customers c WHERE c.id = 1", sqlite_conn, schema=partial)
    assert "unknown_table" not in report.kinds()
    assert any("accepted what the schema check flagged" in note for note in report.notes)


@pytest.mark.parametrize("sql", ["SELECT id FROM events WHERE customer_id = ?",
                                 "SELECT id FROM events WHERE customer_id = :customer"])
def test_placeholders_are_checked_statically_and_not_sent(sql, sqlite_conn):
    report = run(sql, sqlite_conn)
    assert "placeholders" in report.kinds() and not report.executed
    assert "engine_error" not in report.kinds()
