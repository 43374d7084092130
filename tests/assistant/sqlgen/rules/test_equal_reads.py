"""A joined table read only for a column the joins make equal to another table's:
read there, and the join nothing reads then goes (validate_sql runs the passes)."""

import pytest

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run
from tests.assistant.sqlgen.test_validate import linked_shop


def shops() -> SchemaInfo:
    """A shop has branches; a branch's city is described in cities."""
    return SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("shops", [ColumnInfo("id", "INTEGER"), ColumnInfo("name", "TEXT")], primary_key=["id"]),
        TableInfo("branches", [ColumnInfo("shop_id", "INTEGER"), ColumnInfo("street", "TEXT"),
                               ColumnInfo("city", "TEXT")]),
        TableInfo("cities", [ColumnInfo("city", "TEXT"), ColumnInfo("region", "TEXT")], primary_key=["city"]),
    ])


def test_a_filter_read_through_a_table_joined_on_it_is_read_from_the_table_already_there():
    sql = ("SELECT s.name FROM shops AS s JOIN branches AS b ON b.shop_id = s.id "
           "JOIN cities AS g ON b.city = g.city WHERE g.city = 'oslo'")
    result = validate_sql(sql, shops(), "Which shops have a branch in oslo?")
    assert result.ok
    assert result.fixes == ["g.city -> b.city", "dropped unused join of cities AS g"]
    assert result.sql == ("SELECT s.name FROM shops AS s JOIN branches AS b ON b.shop_id = s.id "
                          "WHERE b.city = 'oslo'")


def test_a_key_read_from_the_child_table_is_read_from_its_parent():
    sql = ("SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
           "JOIN order_items AS i ON i.order_id = o.id WHERE i.order_id = 7")
    result = validate_sql(sql, linked_shop(), "Who placed order 7?")
    assert result.fixes == ["i.order_id -> o.id", "dropped unused join of order_items AS i"]
    assert result.sql == "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id WHERE o.id = 7"


def test_an_output_column_keeps_its_name_when_read_from_another_table():
    sql = "SELECT i.order_id, c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id " \
          "JOIN order_items AS i ON i.order_id = o.id"
    assert run("equal_reads", sql, linked_shop()) == ["i.order_id -> o.id"]
    fixed = validate_sql(sql, linked_shop(), "Each order's customer")
    assert fixed.sql.startswith("SELECT o.id AS order_id, c.name FROM")


@pytest.mark.parametrize("sql", [
    # The table is read for a column nothing else holds.
    "SELECT c.name, i.product_id FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
    "JOIN order_items AS i ON i.order_id = o.id WHERE i.order_id = 7",
    # A LEFT join's columns may be NULL where the other's are not.
    "SELECT c.name FROM customers AS c LEFT JOIN orders AS o ON o.buyer_id = c.id WHERE o.buyer_id = 7",
    # Its join also filters on its own values: dropping it would lose that filter.
    "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
    "JOIN order_items AS i ON i.order_id = o.id AND i.product_id = 3 WHERE i.order_id = 7",
    # Another table is joined through it: a bridge, not a leaf.
    "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
    "JOIN order_items AS i ON i.order_id = o.id JOIN products AS p ON p.product_id = i.product_id "
    "WHERE i.order_id = 7 AND p.title = 'pen'",
    # WHERE ties it to a second table: that equality is a join condition, not a read.
    "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
    "JOIN order_items AS i ON i.order_id = o.id WHERE i.product_id = c.id",
    # Every column is shown.
    "SELECT * FROM orders AS o JOIN order_items AS i ON i.order_id = o.id WHERE i.order_id = 7",
    # A subquery reads it.
    "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
    "WHERE o.id IN (SELECT x.order_id FROM order_items AS x WHERE x.product_id = o.buyer_id)",
])
def test_a_table_read_for_its_own_values_or_through_other_joins_stays(sql):
    assert run("equal_reads", sql, linked_shop()) == []
