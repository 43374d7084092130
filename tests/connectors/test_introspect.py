"""Introspection on all four engines: tables and views, columns, keys,
indexes, comments, estimates, samples and values; the cache and its
fingerprint; the data dictionary."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from connectors import connect
from connectors.introspect import MAX_DISTINCT, is_text_type

from .conftest import build_sqlite


@pytest.fixture
def schema(shop_conn):
    return shop_conn.introspect()


def test_engine_and_version(shop, shop_conn, schema):
    assert schema.dialect == shop.dialect
    assert schema.engine == shop_conn.engine_name
    assert schema.server_version and schema.server_version[0].isdigit()
    assert len(schema.fingerprint) == 32


def test_tables_views_and_columns(schema):
    names = {t.name: t.kind for t in schema.tables}
    assert names == {"customers": "table", "orders": "table", "order_items": "table", "big_orders": "view"}
    customers = schema.table("customers")
    assert [c.name for c in customers.columns] == ["id", "name", "country", "status", "created_at"]
    name, status = customers.column("name"), customers.column("status")
    assert name.nullable is False and customers.column("country").nullable is True
    assert is_text_type(name.type) and "100" in name.type or name.type.upper() == "VARCHAR"
    assert "active" in (status.default or "")
    assert [c.name for c in schema.table("big_orders").columns] == ["id", "name", "total"]


def test_keys_and_indexes(schema):
    customers, orders, items = (schema.table(n) for n in ("customers", "orders", "order_items"))
    assert customers.primary_key == ["id"] and customers.column("id").primary_key
    assert items.primary_key == ["order_id", "line"]
    (fk,) = orders.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["customer_id"], "customers", ["id"])
    assert [(f.columns, f.ref_table, f.ref_columns) for f in items.foreign_keys] == [(["order_id"], "orders", ["id"])]
    by_name = {i.name: i for i in orders.indexes}
    assert by_name["orders_customer_idx"].columns == ["customer_id"]
    assert by_name["orders_customer_idx"].unique is False


def test_comments(shop, schema):
    customers = schema.table("customers")
    if shop.engine == "sqlite":  # SQLite has no comments; the dictionary supplies them
        assert customers.comment is None
        return
    assert customers.comment == "People who buy from the shop"
    assert customers.column("country").comment == "ISO 3166 country code"
    assert schema.table("big_orders").comment is None


def test_estimates_samples_and_values(schema):
    customers, orders = schema.table("customers"), schema.table("orders")
    assert customers.row_estimate == 30 and orders.row_estimate == 200
    assert len(customers.sample_rows) == 3 and len(customers.sample_rows[0]) == 5
    assert customers.column("status").values == ["active", "blocked", "new"]
    assert customers.column("country").values == ["BR", "DE", "FR", "JP", "US"]
    # The rows the values came from: 30 customers, so statuses repeat (a category).
    assert customers.column("status").value_rows == 30
    assert orders.column("note").values is None  # 150 distinct notes: not low-cardinality
    assert customers.column("id").values is None  # not text
    assert all(len(c.values or []) <= MAX_DISTINCT for t in schema.tables for c in t.columns)


def test_cached_until_the_fingerprint_changes(shop_conn, schema):
    assert shop_conn.introspect() is schema
    assert shop_conn.fingerprint() == schema.fingerprint
    assert shop_conn.introspect(refresh=True) is not schema


def test_samples_can_be_skipped(shop):
    with shop.connect(samples=False) as conn:
        schema = conn.introspect()
        assert all(not t.sample_rows for t in schema.tables)
        assert schema.table("customers").column("status").values is None
        assert conn.introspect(samples=True).table("customers").sample_rows


def test_dictionary_is_merged_into_comments(shop):
    dictionary = {
        "tables": {
            "Customers": {"description": "Buyers", "columns": {"STATUS": "active, blocked or new"}},
            "orders": {"columns": {"total": "EUR incl. VAT"}},
        }
    }
    with shop.connect(dictionary=dictionary) as conn:
        schema = conn.introspect(samples=False)
    customers = schema.table("customers")
    expected = "Buyers" if shop.engine == "sqlite" else "People who buy from the shop — Buyers"
    assert customers.comment == expected
    assert customers.column("status").comment == "active, blocked or new"
    assert schema.table("orders").column("total").comment == "EUR incl. VAT"


def _drift(conn, change) -> None:
    first = conn.introspect(samples=False)
    change()
    assert conn.fingerprint() != first.fingerprint
    second = conn.introspect(samples=False)
    assert second is not first and second.table("drift_probe") is not None


def test_drift_is_detected_on_sqlite(tmp_path):
    path = tmp_path / "drift.sqlite"
    build_sqlite(path)
    with connect(str(path)) as conn:
        def change():
            writer = sqlite3.connect(path)
            writer.execute("CREATE TABLE drift_probe (a INT)")
            writer.commit()
            writer.close()

        _drift(conn, change)


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_drift_is_detected_on_servers(request, engine):
    shop = request.getfixturevalue(f"{engine}_db")
    with shop.connect() as conn:
        try:
            _drift(conn, lambda: shop.admin("CREATE TABLE drift_probe (a INT)"))
            before = conn.fingerprint()
            shop.admin("COMMENT ON TABLE drift_probe IS 'now documented'" if engine == "postgres"
                       else "ALTER TABLE drift_probe COMMENT 'now documented'")
            assert conn.fingerprint() != before
        finally:
            shop.admin("DROP TABLE IF EXISTS drift_probe")


def test_postgres_schemas_option_limits_introspection(postgres_db):
    with postgres_db.connect(schemas=[f"no_such_schema_{uuid.uuid4().hex[:6]}"]) as conn:
        assert conn.introspect().tables == []
