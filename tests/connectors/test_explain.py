"""EXPLAIN on each engine, and the normalisers on engine output."""

from __future__ import annotations

import json

import pytest

from connectors import GuardRefusal
from connectors.explain import duckdb_plan, mysql_plan, mysql_tree_plan, postgres_plan, sqlite_plan

JOIN = (
    "SELECT c.name, o.total FROM orders o JOIN customers c ON c.id = o.customer_id "
    "WHERE o.customer_id = 7 ORDER BY o.total"
)


def test_explain_names_relations_and_indexes(shop, shop_conn):
    plan = shop_conn.explain(JOIN)
    nodes = list(plan.root.walk())
    relations = {n.relation for n in nodes}
    assert {"orders", "customers"} <= relations, plan.root
    assert plan.raw and plan.analyzed is False
    assert plan.sql.startswith("SELECT c.name")
    json.dumps(plan.raw)  # raw output is plain data
    if shop.engine in ("sqlite", "mariadb"):
        # Both pick the index on orders.customer_id for this lookup.
        assert any(n.index == "orders_customer_idx" for n in nodes), plan.root
    if shop.engine in ("postgres", "mariadb", "duckdb"):
        assert any(n.est_rows is not None for n in nodes)
    if shop.engine == "postgres":
        assert plan.root.est_cost is not None and plan.root.est_cost > 0


def test_explain_analyze_measures_without_writing(shop, shop_conn):
    before = shop.snapshot()
    plan = shop_conn.explain("SELECT count(*) FROM orders WHERE total > 100", analyze=True)
    assert plan.analyzed
    measured = [n for n in plan.root.walk() if n.actual_rows is not None or n.actual_ms is not None]
    assert measured, plan.root
    assert shop.snapshot() == before


def test_explain_refuses_what_the_guard_refuses(shop_conn):
    for sql, rule in [
        ("DELETE FROM orders", "write_statement"),
        ("SELECT 1; SELECT 2", "multiple_statements"),
        ("SHOW TABLES" if shop_conn.dialect != "sqlite" else "PRAGMA table_info(orders)", "statement_not_allowed"),
    ]:
        with pytest.raises(GuardRefusal) as refused:
            shop_conn.explain(sql)
        assert refused.value.rule == rule


def test_explain_accepts_an_explain_statement(shop_conn):
    prefix = "EXPLAIN QUERY PLAN" if shop_conn.dialect == "sqlite" else "EXPLAIN"
    plan = shop_conn.explain(f"{prefix} SELECT * FROM customers")
    assert any(n.relation == "customers" for n in plan.root.walk())


def test_run_accepts_plain_explain(shop_conn):
    result = shop_conn.run("EXPLAIN SELECT * FROM customers WHERE id = 1")
    assert result.rows


# -- normalisers on captured output ---------------------------------------------


def test_sqlite_rows_become_a_tree():
    rows = [
        (2, 0, 0, "SEARCH o USING INDEX orders_customer_idx (customer_id=?)"),
        (7, 0, 0, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"),
        (12, 0, 0, "USE TEMP B-TREE FOR ORDER BY"),
    ]
    root = sqlite_plan(rows)
    assert root.operation == "QUERY PLAN"
    first, second, third = root.children
    assert (first.operation, first.relation, first.index) == ("SEARCH", "o", "orders_customer_idx")
    assert second.index == "INTEGER PRIMARY KEY"
    assert third.operation == "USE TEMP B-TREE FOR ORDER BY"
    nested = sqlite_plan([(1, 0, 0, "CO-ROUTINE sub"), (3, 1, 0, "SCAN TABLE t")])
    assert nested.children[0].relation == "t"


def test_postgres_json_becomes_a_tree():
    raw = [{"Plan": {"Node Type": "Hash Join", "Total Cost": 10.5, "Plan Rows": 7, "Hash Cond": "(a = b)",
                     "Plans": [{"Node Type": "Index Scan", "Relation Name": "t", "Index Name": "t_pkey",
                                "Total Cost": 1.0, "Plan Rows": 1, "Actual Rows": 2, "Actual Loops": 3}]}},
           ]
    root = postgres_plan(raw)
    assert (root.operation, root.est_cost, root.est_rows, root.detail) == ("Hash Join", 10.5, 7, "Hash Cond: (a = b)")
    (child,) = root.children
    assert (child.relation, child.index, child.actual_rows) == ("t", "t_pkey", 6)


def test_mysql_json_becomes_a_tree():
    raw = {"query_block": {"select_id": 1, "cost_info": {"query_cost": "3.20"}, "nested_loop": [
        {"table": {"table_name": "o", "access_type": "ref", "key": "idx", "rows_examined_per_scan": 5,
                   "cost_info": {"prefix_cost": "1.5"}}},
        {"table": {"table_name": "c", "access_type": "eq_ref", "key": "PRIMARY", "rows": 1}},
    ]}}
    root = mysql_plan(raw)
    assert root.operation == "query_block" and root.est_cost == 3.2
    tables = [n for n in root.walk() if n.relation]
    assert [(n.relation, n.operation, n.index, n.est_rows) for n in tables] == [
        ("o", "ref", "idx", 5.0), ("c", "eq_ref", "PRIMARY", 1.0)]


def test_mysql_tree_text_becomes_a_tree():
    text = (
        "-> Nested loop inner join  (cost=4.50 rows=5) (actual time=0.050..0.090 rows=5 loops=1)\n"
        "    -> Index lookup on o using orders_customer_idx (customer_id=7)  (cost=1.75 rows=5) "
        "(actual time=0.030..0.040 rows=5 loops=1)\n"
        "    -> Single-row index lookup on c using PRIMARY (id=7)  (cost=0.25 rows=1) "
        "(actual time=0.005..0.005 rows=1 loops=5)\n"
    )
    root = mysql_tree_plan(text)
    assert root.operation == "Nested loop inner join"
    assert (root.est_cost, root.est_rows, root.actual_rows, root.actual_ms) == (4.5, 5.0, 5.0, 0.09)
    lookup, single = root.children
    assert (lookup.relation, lookup.index) == ("o", "orders_customer_idx")
    assert (single.relation, single.index) == ("c", "PRIMARY")


def test_duckdb_json_becomes_a_tree():
    raw = [{"name": "PROJECTION", "children": [
        {"name": "SEQ_SCAN ", "children": [], "extra_info": {"Table": "db.main.orders", "Estimated Cardinality": "25",
                                                           "Filters": "total>100"}}], "extra_info": {}}]
    root = duckdb_plan(raw)
    (scan,) = root.children
    assert (scan.operation, scan.relation, scan.est_rows, scan.detail) == ("SEQ_SCAN", "orders", 25.0, "total>100")
    profiled = {"latency": 0.002, "children": [{"operator_name": "EXPLAIN_ANALYZE", "children": [
        {"operator_name": "SEQ_SCAN", "operator_cardinality": 48, "operator_timing": 0.001,
         "extra_info": {"Table": "db.main.orders"}, "children": []}]}]}
    root = duckdb_plan(profiled)
    assert (root.operation, root.actual_rows, root.actual_ms) == ("SEQ_SCAN", 48.0, 2.0)
