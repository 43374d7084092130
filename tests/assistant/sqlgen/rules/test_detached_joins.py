import pytest

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def shop():
    return SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("customers", [ColumnInfo("id", "INTEGER"), ColumnInfo("country", "TEXT")]),
        TableInfo("orders", [ColumnInfo("id", "INTEGER"), ColumnInfo("customer_id", "INTEGER"),
                             ColumnInfo("store_id", "INTEGER")]),
        TableInfo("stores", [ColumnInfo("store_id", "INTEGER"), ColumnInfo("city", "TEXT")]),
        TableInfo("suppliers", [ColumnInfo("supplier_id", "INTEGER"), ColumnInfo("country", "TEXT")]),
    ])


def doubts(sql):
    return run("detached_joins", sql, shop())


def test_a_join_whose_condition_reads_only_other_tables_is_doubted_with_its_link():
    found = doubts("SELECT s.city, COUNT(*) FROM customers AS c JOIN orders AS o ON o.customer_id = c.id "
                   "JOIN stores AS s ON o.customer_id = c.id GROUP BY s.city")
    assert found == ["stores AS s is joined ON o.customer_id = c.id, which never mentions s, so every row is "
                     "paired with every row of stores; join it on its own columns (orders and stores join on "
                     "orders.store_id = stores.store_id), or leave it out if the question does not need it"]


def test_without_a_link_the_doubt_says_to_join_it_properly_or_leave_it_out():
    (found,) = doubts("SELECT COUNT(*) FROM customers AS T1 JOIN orders ON orders.customer_id = T1.id "
                      "JOIN stores AS T2 ON orders.store_id = T2.store_id "
                      "JOIN suppliers AS T3 ON T2.store_id = orders.store_id WHERE T3.country = 'Germany'")
    assert found.startswith("suppliers AS T3 is joined ON T2.store_id = orders.store_id, which never mentions T3")
    assert found.endswith("join it on its own columns, or leave it out if the question does not need it")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM orders AS o JOIN stores AS s ON o.store_id = s.store_id",
    "SELECT * FROM orders JOIN stores ON store_id = orders.store_id",  # unqualified: stores holds it
    "SELECT * FROM orders AS o JOIN stores AS s USING (store_id)",
    "SELECT * FROM orders CROSS JOIN suppliers",
    "SELECT * FROM orders, suppliers",
    "SELECT * FROM orders JOIN suppliers ON TRUE",
    "SELECT * FROM orders AS o JOIN (SELECT store_id FROM stores) AS s ON o.store_id = o.id",
])
def test_joins_that_read_their_table_or_mean_every_pair_are_left_alone(sql):
    assert doubts(sql) == []


def test_a_subquery_s_joins_are_judged_in_the_subquery():
    assert len(doubts("SELECT * FROM customers WHERE id IN (SELECT o.customer_id FROM orders AS o "
                      "JOIN stores AS s ON o.id = o.customer_id)")) == 1


def test_validation_raises_it_as_a_doubt_not_an_error():
    result = validate_sql("SELECT s.city FROM orders AS o JOIN stores AS s ON o.id = o.customer_id", shop(),
                          "Which cities have orders?")
    assert result.ok and len(result.doubts) == 1 and "never mentions s" in result.doubts[0]
