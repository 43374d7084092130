"""Guarded execution on all four engines: rows, the row cap, JSON values,
errors, the timeout that cancels, and the read-only session underneath."""

from __future__ import annotations

import json
import time

import pytest

from connectors import ConnectorError, GuardRefusal, QueryTimeout

from .conftest import SLOW_QUERY


def test_run_returns_rows_columns_and_the_sql_that_ran(shop_conn):
    result = shop_conn.run("SELECT id, name, status FROM customers WHERE id <= 3 ORDER BY id -- why not")
    assert result.columns == ["id", "name", "status"]
    assert result.rows == [[1, "Customer 01", "blocked"], [2, "Customer 02", "new"], [3, "Customer 03", "active"]]
    assert result.truncated is False
    assert result.elapsed_s >= 0
    assert "--" not in result.sql and result.sql.startswith("SELECT id, name, status FROM customers")


def test_row_cap_sets_truncated(shop, shop_conn):
    capped = shop_conn.run("SELECT * FROM orders ORDER BY id", row_limit=10)
    assert len(capped.rows) == 10 and capped.truncated is True
    assert [r[0] for r in capped.rows] == list(range(1, 11))
    exact = shop_conn.run("SELECT * FROM orders ORDER BY id", row_limit=200)
    assert len(exact.rows) == 200 and exact.truncated is False
    # The connection is fine after a cut-off result (MariaDB drops it, others roll back).
    assert shop_conn.run("SELECT count(*) FROM orders").rows == [[200]]


def test_default_row_limit_applies(shop):
    with shop.connect(row_limit=5) as conn:
        result = conn.run("SELECT * FROM order_items")
        assert len(result.rows) == 5 and result.truncated


def test_values_are_json_serialisable(shop_conn):
    result = shop_conn.run("SELECT id, total, placed_at, note FROM orders WHERE id IN (4, 5) ORDER BY id")
    json.dumps(result.rows, allow_nan=False)
    (four, five) = result.rows
    assert four[1] == 28.5 and isinstance(four[1], float)
    assert four[2].startswith("2024-03-01T16:00") or four[2].startswith("2024-03-01 16:00")
    assert four[3] is None and five[3] == "note 5"


def test_database_errors_carry_the_database_message(shop_conn):
    with pytest.raises(ConnectorError) as failed:
        shop_conn.run("SELECT no_such_column FROM customers")
    assert not isinstance(failed.value, (GuardRefusal, QueryTimeout))
    assert "no_such_column" in str(failed.value)
    assert shop_conn.run("SELECT 1").rows == [[1]]  # the session was rolled back, the pool is fine


def test_writes_are_refused_before_reaching_the_database(shop, shop_conn):
    before = shop.snapshot()
    for sql in ["DELETE FROM orders", "UPDATE customers SET name = 'x'", "DROP TABLE order_items"]:
        with pytest.raises(GuardRefusal) as refused:
            shop_conn.run(sql)
        assert refused.value.rule == "write_statement"
    assert shop.snapshot() == before


def test_timeout_cancels_a_running_statement(shop, shop_conn):
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        shop_conn.run(SLOW_QUERY[shop.engine], timeout_s=1.0)
    assert time.monotonic() - started < 5
    # Cancelled for real: the next statement runs at once on the same connector.
    started = time.monotonic()
    assert shop_conn.run("SELECT count(*) FROM customers").rows == [[30]]
    assert time.monotonic() - started < 2


def test_read_only_session_stops_writes_the_guard_never_saw(shop, shop_conn):
    """Layer 2 alone: send a write straight to the session, skipping the guard."""
    before = shop.snapshot()
    with pytest.raises(ConnectorError) as failed:
        with shop_conn.session(5) as handle:
            insert = "INSERT INTO customers (id, name, status) VALUES (999, 'intruder', 'new')"
            shop_conn._fetch(handle, insert, 1, query=False)
    assert not isinstance(failed.value, GuardRefusal)
    with pytest.raises(ConnectorError):
        with shop_conn.session(5) as handle:
            shop_conn._fetch(handle, "CREATE TABLE intruder (a INT)", 1, query=False)
    assert shop.snapshot() == before


def test_concurrent_runs_share_the_connector(shop_conn):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: shop_conn.run(f"SELECT count(*) FROM orders WHERE id > {i}").rows, range(8)))
    assert results == [[[200 - i]] for i in range(8)]


# Engine-idiomatic SQL keeps its meaning when regenerated from the tree.
IDIOMS = {
    "sqlite": [
        ("SELECT strftime('%Y-%m', '2024-03-05'), date('2024-03-05', '-1 month'), 'a' || 'b', IFNULL(NULL, 2)",
         [["2024-03", "2024-02-05", "ab", 2]]),
        ("SELECT group_concat(status, ',') FROM (SELECT DISTINCT status FROM customers ORDER BY status)",
         [["active,blocked,new"]]),
        ("SELECT count(*), sum(glob('Customer 1*', name)) FROM customers WHERE name GLOB 'Customer 0*'", [[9, 0]]),
    ],
    "postgres": [
        ("SELECT date_trunc('month', timestamp '2024-03-05 10:00')::date, '2024-03-05'::date - 7, 'ABC' ILIKE 'a%'",
         [["2024-03-01", "2024-02-27", True]]),
        ("SELECT string_agg(DISTINCT status, ',' ORDER BY status), count(*) FILTER (WHERE country = 'DE') "
         "FROM customers", [["active,blocked,new", 6]]),
    ],
    "mariadb": [
        ("SELECT DATE_FORMAT('2024-03-05', '%Y-%m'), DATE_SUB('2024-03-05', INTERVAL 7 DAY), 'abc' REGEXP '^a', "
         "7 MOD 3, `status` FROM customers WHERE id = 3", [["2024-03", "2024-02-27", 1, 1, "active"]]),
        ("SELECT DISTINCT MEDIAN(qty) OVER () FROM order_items", [[3.0]]),
        ("SELECT GROUP_CONCAT(DISTINCT status ORDER BY status SEPARATOR ',') FROM customers",
         [["active,blocked,new"]]),
    ],
    "duckdb": [
        ("SELECT strftime(DATE '2024-03-05', '%Y-%m'), [1, 2, 3][2], {'a': 1}.a", [["2024-03", 2, 1]]),
        ("SELECT * EXCLUDE (name, country, created_at) FROM customers ORDER BY id LIMIT 1", [[1, "blocked"]]),
    ],
}


def test_idiomatic_sql_survives_regeneration(shop, shop_conn):
    for sql, expected in IDIOMS[shop.engine]:
        assert shop_conn.run(sql).rows == expected, sql


def test_byte_cap_cuts_the_result_and_says_why(shop):
    with shop.connect(max_result_bytes=2000) as conn:
        cut = conn.run("SELECT * FROM orders ORDER BY id")
        assert cut.truncated is True and cut.truncated_reason == "bytes"
        assert 0 < len(cut.rows) < 200 and [r[0] for r in cut.rows] == list(range(1, len(cut.rows) + 1))
        assert len(json.dumps(cut.rows)) <= 2000
        by_rows = conn.run("SELECT id FROM orders ORDER BY id", row_limit=3)
        assert by_rows.truncated and by_rows.truncated_reason == "rows"
        whole = conn.run("SELECT id FROM customers")
        assert not whole.truncated and whole.truncated_reason is None
        # Cut-off results leave the connector usable (MariaDB stops the statement).
        assert conn.run("SELECT count(*) FROM orders").rows == [[200]]
