"""The declared pipeline: every rule is named, kinded, described, and fired by a trigger.

Each entry of TRIGGERS is a query (on a schema written for it, with a question
where the rule reads one) that makes that rule find something when the whole
pipeline runs. A rule added to RULES without a trigger here fails the test.
"""

from pathlib import Path

import pytest

from assistant.sqlgen.rules import KINDS, RULES
from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo

RULES_DIR = Path(__file__).resolve().parents[4] / "assistant" / "sqlgen" / "rules"
DATES = ["2023-01-05", "2023-02-11"]


def shop(dialect="sqlite") -> SchemaInfo:
    """customers <- orders (declared key); products <- order_items -> orders (names only); checkins of stores."""
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("customers", [ColumnInfo("id", "INTEGER"), ColumnInfo("name", "TEXT"),
                                ColumnInfo("city", "TEXT", values=["Lyon", "Paris"]),
                                ColumnInfo("joined", "TEXT", values=DATES), ColumnInfo("year", "INTEGER")]),
        TableInfo("orders", [ColumnInfo("id", "INTEGER"), ColumnInfo("buyer_id", "INTEGER"),
                             ColumnInfo("total", "REAL"), ColumnInfo("status", "TEXT"),
                             ColumnInfo("placed", "DATE", values=DATES),
                             ColumnInfo("paid_at", "BIGINT", values=[1577836800, 1577844000])],
                  foreign_keys=[ForeignKey(["buyer_id"], "customers", ["id"])]),
        TableInfo("order_items", [ColumnInfo("order_id", "INTEGER"), ColumnInfo("product_id", "INTEGER")]),
        TableInfo("products", [ColumnInfo("product_id", "INTEGER"), ColumnInfo("title", "TEXT")]),
        TableInfo("stores", [ColumnInfo("store_id", "INTEGER"), ColumnInfo("city", "TEXT")]),
        TableInfo("checkins", [ColumnInfo("store_id", "INTEGER"), ColumnInfo("day", "TEXT", values=["Monday", "Friday"]),
                               ColumnInfo("count", "INTEGER")]),
        TableInfo("staff", [ColumnInfo("staff_id", "INTEGER"), ColumnInfo("store_id", "INTEGER"),
                            ColumnInfo("name", "TEXT")]),
        TableInfo("shifts", [ColumnInfo("staff_id", "INTEGER"), ColumnInfo("order_id", "INTEGER")]),
    ])


JOINED = "FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id"

# rule name -> (sql, question, dialect)
TRIGGERS = {
    "reserved_aliases": ("SELECT is.name FROM customers is", "", "sqlite"),
    "phantom_tables": ("SELECT c.name FROM customers AS c JOIN customer_names AS n ON c.id = n.id "
                       "WHERE n.city = 'Paris'", "Which customers live in Paris?", "sqlite"),
    "unknown_tables": ("SELECT * FROM customer", "", "sqlite"),
    "wrong_alias": (f"SELECT c.name {JOINED} ORDER BY c.total DESC", "", "sqlite"),
    "join_keys": ("SELECT c.name, o.id FROM customers AS c JOIN orders AS o ON o.customer_id = c.id", "", "sqlite"),
    "own_id": ("WITH t AS (SELECT customer_id, name FROM customers) SELECT customer_id FROM t", "", "sqlite"),
    "near_names": ("SELECT citty FROM customers", "", "sqlite"),
    "equal_holders": ("SELECT COUNT(store_id) FROM stores AS s JOIN checkins AS k ON s.store_id = k.store_id",
                      "", "sqlite"),
    "owner_tables": ("SELECT c.name, SUM(total) FROM customers AS c GROUP BY c.name", "", "sqlite"),
    "bridge_joins": ("SELECT p.title FROM orders AS o JOIN products AS p ON o.product_id = p.product_id", "", "sqlite"),
    "alias_refs": ("SELECT total * 2 AS twice FROM orders WHERE twice > 8", "", "sqlite"),
    "year_of_a_number": ("SELECT strftime('%Y', c.year) FROM customers AS c", "", "sqlite"),
    "epoch_seconds": ("SELECT strftime('%m', paid_at) FROM orders", "", "sqlite"),
    "text_dates": ("SELECT EXTRACT(YEAR FROM c.joined) FROM customers AS c", "", "postgres"),
    "exact_division": ("SELECT COUNT(o.id) / COUNT(DISTINCT o.buyer_id) FROM orders AS o", "", "sqlite"),
    "format_literals": ("SELECT id FROM orders WHERE strftime('%Y', placed) = 2023", "", "sqlite"),
    "format_arithmetic": ("SELECT id FROM orders WHERE strftime('%Y', placed) < strftime('%Y', 'now') - 1",
                          "", "sqlite"),
    "days_between_dates": (f"SELECT AVG(o.placed - c.joined) {JOINED}",
                           "How many hours pass from joining to an order?", "sqlite"),
    "unknown_columns": ("SELECT cty_name FROM customers", "", "sqlite"),
    "equal_reads": (f"SELECT c.name {JOINED} JOIN order_items AS i ON i.order_id = o.id WHERE i.order_id = 7",
                    "Who placed order 7?", "sqlite"),
    "unused_joins": (f"SELECT c.name {JOINED}", "List the customer names", "sqlite"),
    "group_keys": ("SELECT SUM(total) FROM orders GROUP BY buyer_id", "", "sqlite"),
    "unasked_limit": ("SELECT city, COUNT(*) AS n FROM customers GROUP BY city ORDER BY n DESC LIMIT 1",
                      "Customers per city, highest first", "sqlite"),
    "self_joins": ("SELECT c.name, o.total FROM customers AS c JOIN orders AS o ON o.id = o.id", "", "sqlite"),
    "date_arithmetic": ("SELECT o.placed + 10 FROM orders AS o", "", "sqlite"),
    "calendar_names": ("SELECT strftime('%w', day) FROM checkins", "", "sqlite"),
    "outer_columns": ("SELECT name FROM customers WHERE joined NOT IN (SELECT joined FROM orders)", "", "sqlite"),
    "format_shapes": ("SELECT id FROM orders WHERE strftime('%Y', placed) = '2023-01-01'", "", "sqlite"),
    "null_date_calls": ("SELECT id FROM orders WHERE placed > strftime('%Y', 'now()')", "", "sqlite"),
    "dates_against_numbers": ("SELECT id FROM orders WHERE placed < 2024", "", "sqlite"),
    "per_item": ("SELECT AVG(total) FROM orders", "What is the average total per customer?", "sqlite"),
    "ratio_shape": ("SELECT CAST(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM orders",
                    "What is the ratio of open orders to closed orders?", "sqlite"),
    "ungrounded_filters": ("SELECT name FROM customers WHERE city = 'Paris'", "List the customers", "sqlite"),
    "unused_values": ("SELECT name FROM customers", "Which customers come from 'Lyon'?", "sqlite"),
    "mismatched_keys": ("SELECT s.name, h.order_id FROM staff AS s JOIN shifts AS h ON s.staff_id = h.order_id", "", "sqlite"),
    "detached_joins": ("SELECT s.city, COUNT(*) FROM stores AS s JOIN checkins AS k ON k.store_id = s.store_id "
                       "JOIN staff AS t ON k.store_id = s.store_id GROUP BY s.city", "", "sqlite"),
    "excluded_cases": ("SELECT SUM(CASE WHEN total > 4 THEN 1 ELSE 0 END) FROM orders WHERE total < 4", "", "sqlite"),
    "count_columns": ("SELECT day, COUNT(*) FROM checkins GROUP BY day", "", "sqlite"),
    "period_groups": ("SELECT placed, COUNT(*) FROM orders GROUP BY placed", "How many orders each month?", "sqlite"),
    "date_windows": (f"SELECT o.id {JOINED} WHERE o.placed >= date(c.joined, '+10 days')",
                     "Which orders came within 10 days of joining?", "sqlite"),
    "self_ratio": ("SELECT CAST(COUNT(*) AS REAL) / COUNT(*) FROM orders WHERE status = 'paid'",
                   "What share of orders are paid?", "sqlite"),
    "one_row_order": ("SELECT status, MAX(total) FROM orders ORDER BY total DESC", "", "sqlite"),
}


def test_every_rule_is_named_kinded_described_and_in_its_own_module():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.kind in KINDS, rule.name
        assert rule.description and "\n" not in rule.description, rule.name
        assert rule.function.__name__ == rule.name and (RULES_DIR / f"{rule.name}.py").is_file(), rule.name
        assert rule.function.__module__ == f"assistant.sqlgen.rules.{rule.name}", rule.name
        assert not rule.gate or rule.kind == "error", rule.name  # only an error can end the run


def test_every_rule_has_a_trigger():
    assert set(TRIGGERS) == {rule.name for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_trigger_fires_its_rule(rule):
    sql, question, dialect = TRIGGERS[rule.name]
    result = validate_sql(sql, shop(dialect), question)
    assert rule.name in result.fired, (result.fired, result.errors, result.fixes, result.doubts)
    found = {"fix": result.fixes, "error": result.errors, "doubt": result.doubts}[rule.kind]
    assert found


def test_a_gate_ends_the_run():
    result = validate_sql("SELECT citty, 1 / 2 FROM customer", shop())
    assert result.fired == ["unknown_tables"] and result.fixes == []
