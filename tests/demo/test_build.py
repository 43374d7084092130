"""The demo database: real SQLite files built into tmp_path, nothing mocked."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from demo.build import GENERATOR_VERSION, build_demo_db, demo_dictionary, dictionary_path

REPO_ROOT = Path(__file__).resolve().parents[2]

# (table, column) -> referenced table: every relationship the schema must declare.
EXPECTED_FKS = {
    ("categories", "parent_category_id"): "categories",
    ("products", "category_id"): "categories",
    ("products", "supplier_id"): "suppliers",
    ("employees", "store_id"): "stores",
    ("employees", "manager_id"): "employees",
    ("orders", "customer_id"): "customers",
    ("orders", "store_id"): "stores",
    ("orders", "employee_id"): "employees",
    ("order_items", "order_id"): "orders",
    ("order_items", "product_id"): "products",
    ("payments", "order_id"): "orders",
    ("shipments", "order_id"): "orders",
    ("returns", "order_id"): "orders",
    ("returns", "order_item_id"): "order_items",
    ("reviews", "product_id"): "products",
    ("reviews", "customer_id"): "customers",
    ("reviews", "order_id"): "orders",
    ("inventory", "store_id"): "stores",
    ("inventory", "product_id"): "products",
}

# Columns designed to hold NULLs in realistic proportion (but not only NULLs).
NULLABLE = [
    ("stores", "square_meters"), ("categories", "parent_category_id"),
    ("suppliers", "contact_email"), ("products", "discontinued_date"),
    ("employees", "store_id"), ("employees", "manager_id"), ("employees", "termination_date"),
    ("customers", "phone"), ("customers", "birth_date"), ("orders", "employee_id"),
    ("shipments", "delivered_at"), ("reviews", "review_text"),
    ("inventory", "last_restocked_date"),
]

DATES = [
    ("stores", "opened_date"), ("products", "launch_date"), ("products", "discontinued_date"),
    ("employees", "hire_date"), ("employees", "termination_date"), ("customers", "birth_date"),
    ("customers", "signup_date"), ("returns", "return_date"), ("reviews", "review_date"),
    ("inventory", "last_restocked_date"),
]
TIMESTAMPS = [
    ("orders", "order_date"), ("payments", "payment_date"), ("shipments", "shipped_at"),
    ("shipments", "delivered_at"),
]
MONEY = [
    ("products", "unit_price"), ("products", "unit_cost"), ("employees", "annual_salary"),
    ("orders", "subtotal_amount"), ("orders", "discount_amount"), ("orders", "total_amount"),
    ("order_items", "unit_price"), ("order_items", "line_total"), ("payments", "amount"),
    ("shipments", "shipping_cost"), ("returns", "refund_amount"),
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A nested, not-yet-existing folder: build_demo_db must create it.
    return build_demo_db(tmp_path_factory.mktemp("demo") / "nested" / "demo.sqlite")


@pytest.fixture
def db(demo_db: Path):
    conn = sqlite3.connect(f"{demo_db.as_uri()}?mode=ro", uri=True)
    yield conn
    conn.close()


def table_names(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def scalar(conn: sqlite3.Connection, sql: str):
    return conn.execute(sql).fetchone()[0]


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with closing(sqlite3.connect(path)) as conn:
        for table in table_names(conn):
            digest.update(table.encode())
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


# --- structure -------------------------------------------------------------------

def test_schema_is_a_related_retail_model(db):
    tables = table_names(db)
    assert len(tables) >= 8
    declared = {}
    for table in tables:
        assert any(row[5] for row in db.execute(f"PRAGMA table_info({table})")), f"{table} has no PK"
        for fk in db.execute(f"PRAGMA foreign_key_list({table})"):
            declared[(table, fk[3])] = fk[2]
    assert declared == EXPECTED_FKS


def test_every_foreign_key_column_is_indexed(db):
    for (table, column), _ in EXPECTED_FKS.items():
        leading = [db.execute(f"PRAGMA index_info({idx[1]})").fetchone()[2]
                   for idx in db.execute(f"PRAGMA index_list({table})")]
        assert column in leading, f"{table}.{column} has no index"


def test_size_and_integrity(db):
    counts = {t: scalar(db, f"SELECT COUNT(*) FROM {t}") for t in table_names(db)}
    assert all(counts.values()), counts
    assert sum(counts.values()) >= 50_000
    assert counts["orders"] >= 10_000 and counts["order_items"] > counts["orders"]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert scalar(db, "PRAGMA user_version") == GENERATOR_VERSION


def test_dictionary_covers_exactly_the_schema(db, demo_db):
    dictionary = demo_dictionary()
    assert set(dictionary["tables"]) == set(table_names(db))
    for table, entry in dictionary["tables"].items():
        assert entry["description"].strip()
        assert list(entry["columns"]) == columns(db, table), table
        assert all(text.strip() for text in entry["columns"].values()), table
    written = json.loads(dictionary_path(demo_db).read_text(encoding="utf-8"))
    assert written == dictionary


# --- build behaviour --------------------------------------------------------------

def test_same_seed_same_content_different_seed_differs(demo_db, tmp_path):
    # The twin is built in a fresh interpreter with another hash seed, so any
    # dependence on set or dict-of-str iteration order would show up here.
    code = ("import sys; from pathlib import Path; from demo.build import build_demo_db; "
            "build_demo_db(Path(sys.argv[1]), seed=42)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "twin.sqlite")],
                   cwd=REPO_ROOT, env=env, check=True, timeout=120)
    assert content_hash(tmp_path / "twin.sqlite") == content_hash(demo_db)

    other = build_demo_db(tmp_path / "other.sqlite", seed=7)
    assert content_hash(other) != content_hash(demo_db)


def test_second_call_returns_without_rebuilding(demo_db):
    before = demo_db.stat()
    assert build_demo_db(demo_db) == demo_db
    after = demo_db.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino, before.st_mtime_ns, before.st_size)


def test_missing_dictionary_is_restored_without_rebuilding(tmp_path):
    path = build_demo_db(tmp_path / "demo.sqlite")
    mtime = path.stat().st_mtime_ns
    dictionary_path(path).unlink()
    build_demo_db(path)
    assert path.stat().st_mtime_ns == mtime
    assert json.loads(dictionary_path(path).read_text(encoding="utf-8")) == demo_dictionary()


def test_damaged_or_outdated_files_are_replaced(tmp_path):
    path = tmp_path / "demo.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    build_demo_db(path)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("PRAGMA user_version = 0")  # as if made by an older generator
    build_demo_db(path)
    with closing(sqlite3.connect(path)) as conn:
        assert scalar(conn, "PRAGMA user_version") == GENERATOR_VERSION
    # Only the database and its dictionary remain: no temp files left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.dictionary.json", "demo.sqlite"]


def test_other_seed_at_same_path_rebuilds(tmp_path):
    path = build_demo_db(tmp_path / "demo.sqlite", seed=42)
    first = content_hash(path)
    build_demo_db(path, seed=43)
    assert content_hash(path) != first


# --- data properties --------------------------------------------------------------

def test_nullable_columns_have_some_nulls_and_some_values(db):
    for table, column in NULLABLE:
        nulls, total = db.execute(
            f"SELECT SUM({column} IS NULL), COUNT(*) FROM {table}").fetchone()
        assert 0 < nulls < total, f"{table}.{column}: {nulls} NULL of {total}"


def test_order_amounts_add_up(db):
    bad_lines = scalar(db, "SELECT COUNT(*) FROM order_items "
                           "WHERE ABS(line_total - quantity * unit_price) > 0.005")
    bad_subtotals = scalar(db, """
        SELECT COUNT(*) FROM orders o
        WHERE ABS(o.subtotal_amount - (SELECT SUM(i.line_total) FROM order_items i
                                       WHERE i.order_id = o.order_id)) > 0.005""")
    bad_totals = scalar(db, "SELECT COUNT(*) FROM orders "
                            "WHERE ABS(total_amount - (subtotal_amount - discount_amount)) > 0.005")
    assert (bad_lines, bad_subtotals, bad_totals) == (0, 0, 0)
    assert scalar(db, "SELECT COUNT(*) FROM orders WHERE discount_amount > 0") > 500


def test_paid_orders_are_fully_paid_and_refunds_fit(db):
    unpaid = scalar(db, """
        SELECT COUNT(*) FROM orders o
        WHERE o.status IN ('shipped', 'delivered', 'returned')
          AND ABS(o.total_amount - (SELECT COALESCE(SUM(p.amount), 0) FROM payments p
                                    WHERE p.order_id = o.order_id
                                      AND p.status = 'completed')) > 0.005""")
    assert unpaid == 0
    cancelled_paid = scalar(db, """
        SELECT COUNT(*) FROM payments p JOIN orders o USING (order_id)
        WHERE o.status = 'cancelled' AND p.status = 'completed'""")
    assert cancelled_paid == 0
    over_refunded = scalar(db, """
        SELECT COUNT(*) FROM orders o
        WHERE (SELECT SUM(r.refund_amount) FROM returns r
               WHERE r.order_id = o.order_id) > o.total_amount + 0.005""")
    assert over_refunded == 0


def test_money_has_two_decimals(db):
    for table, column in MONEY:
        for (value,) in db.execute(f"SELECT {column} FROM {table}"):
            assert isinstance(value, float) and round(value, 2) == value, (table, column, value)


def test_categorical_values(db):
    def values(sql: str) -> set:
        return {v for (v,) in db.execute(sql)}

    assert values("SELECT DISTINCT status FROM orders") == {
        "pending", "shipped", "delivered", "cancelled", "returned"}
    assert values("SELECT DISTINCT channel FROM orders") == {"online", "in_store"}
    assert values("SELECT DISTINCT status FROM payments") == {"completed", "failed", "refunded"}
    assert values("SELECT DISTINCT method FROM payments") == {
        "credit_card", "debit_card", "paypal", "mobile_wallet", "gift_card",
        "bank_transfer", "cash"}
    assert values("SELECT DISTINCT rating FROM reviews") == {1, 2, 3, 4, 5}
    # Realistic proportions: most orders are delivered, a few are cancelled or returned.
    share = dict(db.execute("SELECT status, COUNT(*) * 1.0 / (SELECT COUNT(*) FROM orders) "
                            "FROM orders GROUP BY status"))
    assert share["delivered"] > 0.75 and 0.02 < share["cancelled"] < 0.1
    assert 0.02 < share["returned"] < 0.12
    assert scalar(db, "SELECT COUNT(*) FROM payments WHERE method = 'cash' "
                      "AND order_id IN (SELECT order_id FROM orders WHERE channel = 'online')") == 0


def test_dates_are_valid_iso_and_in_range(db):
    for table, column in DATES:
        assert scalar(db, f"SELECT COUNT(*) FROM {table} "
                          f"WHERE {column} IS NOT NULL AND date({column}) IS NOT {column}") == 0
    for table, column in TIMESTAMPS:
        assert scalar(db, f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL "
                          f"AND datetime({column}) IS NOT {column}") == 0
        low, high = db.execute(f"SELECT MIN({column}), MAX({column}) FROM {table}").fetchone()
        assert "2023-01-01" <= low and high <= "2024-12-31 23:59:59", (table, column)
    for table, column in [("returns", "return_date"), ("reviews", "review_date")]:
        low, high = db.execute(f"SELECT MIN({column}), MAX({column}) FROM {table}").fetchone()
        assert "2023-01-01" <= low and high <= "2024-12-31", (table, column)
    months = scalar(db, "SELECT COUNT(DISTINCT substr(order_date, 1, 7)) FROM orders")
    assert months == 24


def test_events_happen_in_a_sensible_order(db):
    checks = {
        "order before signup": """
            SELECT COUNT(*) FROM orders o JOIN customers c USING (customer_id)
            WHERE date(o.order_date) < c.signup_date""",
        "shipped before ordered": """
            SELECT COUNT(*) FROM shipments s JOIN orders o USING (order_id)
            WHERE s.shipped_at < o.order_date""",
        "delivered before shipped": """
            SELECT COUNT(*) FROM shipments WHERE delivered_at <= shipped_at""",
        "delivery state disagrees with status": """
            SELECT COUNT(*) FROM shipments s JOIN orders o USING (order_id)
            WHERE (s.delivered_at IS NULL) != (o.status = 'shipped')""",
        "in-store order shipped": """
            SELECT COUNT(*) FROM shipments s JOIN orders o USING (order_id)
            WHERE o.channel = 'in_store'""",
        "online delivered without shipment": """
            SELECT COUNT(*) FROM orders o WHERE o.channel = 'online'
              AND o.status IN ('delivered', 'returned')
              AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id)""",
        "returned without a return": """
            SELECT COUNT(*) FROM orders o WHERE o.status = 'returned'
              AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.order_id)""",
        "return of another order's item": """
            SELECT COUNT(*) FROM returns r JOIN order_items i USING (order_item_id)
            WHERE i.order_id != r.order_id OR r.quantity > i.quantity""",
        "return before purchase": """
            SELECT COUNT(*) FROM returns r JOIN orders o USING (order_id)
            WHERE r.return_date <= date(o.order_date)""",
        "review of an unbought product": """
            SELECT COUNT(*) FROM reviews v JOIN orders o USING (order_id)
            WHERE o.customer_id != v.customer_id OR NOT EXISTS (
                SELECT 1 FROM order_items i
                WHERE i.order_id = v.order_id AND i.product_id = v.product_id)""",
        "product sold before launch or after discontinuation": """
            SELECT COUNT(*) FROM order_items i JOIN orders o USING (order_id)
            JOIN products p USING (product_id)
            WHERE date(o.order_date) < p.launch_date
               OR date(o.order_date) >= p.discontinued_date""",
        "online order with a salesperson": """
            SELECT COUNT(*) FROM orders WHERE (channel = 'online') != (employee_id IS NULL)""",
        "sold by someone not employed there": """
            SELECT COUNT(*) FROM orders o JOIN employees e USING (employee_id)
            WHERE e.store_id != o.store_id OR e.hire_date > date(o.order_date)
               OR e.termination_date <= date(o.order_date)""",
        "store order before the store opened": """
            SELECT COUNT(*) FROM orders o JOIN stores s USING (store_id)
            WHERE date(o.order_date) < s.opened_date""",
    }
    failures = {name: n for name, sql in checks.items() if (n := scalar(db, sql))}
    assert failures == {}


def test_distributions_are_skewed_and_seasonal(db):
    orders = scalar(db, "SELECT COUNT(*) FROM orders")
    top_customers = scalar(db, """SELECT SUM(n) FROM (SELECT COUNT(*) AS n FROM orders
                                  GROUP BY customer_id ORDER BY n DESC LIMIT 55)""")
    assert top_customers > 0.08 * orders  # top 1% of customers: well over 1% of orders
    units = scalar(db, "SELECT SUM(quantity) FROM order_items")
    top_products = scalar(db, """SELECT SUM(q) FROM (SELECT SUM(quantity) AS q FROM order_items
                                 GROUP BY product_id ORDER BY q DESC LIMIT 10)""")
    assert top_products > 0.12 * units  # 10 of ~400 products
    by_month = dict(db.execute("SELECT substr(order_date, 6, 2), COUNT(*) FROM orders GROUP BY 1"))
    assert by_month["12"] > 1.6 * by_month["02"]  # holiday peak vs winter lull
    by_city = db.execute("SELECT city FROM customers GROUP BY city "
                         "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    assert by_city == "New York"
