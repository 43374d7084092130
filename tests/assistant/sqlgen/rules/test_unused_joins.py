"""Joins never read: a filter, unless a count reads the joined rows (validate_sql runs the pass)."""

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo
from tests.assistant.sqlgen.test_validate import linked_shop


def test_an_unused_inner_join_becomes_a_filter_and_stops_repeating_rows():
    result = validate_sql("SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id", linked_shop())
    assert result.ok
    assert result.sql == ("SELECT c.name FROM customers AS c WHERE EXISTS(SELECT 1 FROM orders AS o "
                          "WHERE o.buyer_id = c.id)")


def test_count_star_over_a_join_counts_the_joined_rows():
    # "customers with the most orders": the join is read, by COUNT(*).
    sql = "SELECT c.name, COUNT(*) FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id GROUP BY c.name"
    assert validate_sql(sql, linked_shop()).fixes == []


def test_a_count_over_the_rows_that_belong_to_each_row_keeps_its_join():
    # "customers with the most orders" counted by the customer's key: each order is one row.
    sql = "SELECT c.name, COUNT(c.id) FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id GROUP BY c.name"
    assert validate_sql(sql, linked_shop()).fixes == []


def test_a_count_over_a_join_on_a_shared_attribute_still_becomes_a_filter():
    # Customers and orders in the same city say nothing about whose order it is: no counting through it.
    schema = linked_shop()
    schema.tables[0].columns.append(ColumnInfo("city", "TEXT"))
    schema.tables[1].columns.append(ColumnInfo("city", "TEXT"))
    result = validate_sql("SELECT COUNT(c.id) FROM customers AS c JOIN orders AS o ON o.city = c.city", schema)
    assert result.sql == ("SELECT COUNT(c.id) FROM customers AS c WHERE EXISTS(SELECT 1 FROM orders AS o "
                          "WHERE o.city = c.city)")


def test_an_unused_left_join_is_dropped_and_used_joins_stay():
    schema = linked_shop()
    assert validate_sql("SELECT c.name FROM customers AS c LEFT JOIN orders AS o ON o.buyer_id = c.id",
                        schema).sql == "SELECT c.name FROM customers AS c"
    for used in ("SELECT c.name, o.id FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id",
                 "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id WHERE placed_at > '2023'",
                 "SELECT * FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id",
                 "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id "
                 "JOIN order_items AS i ON i.order_id = o.id WHERE i.product_id = 1"):
        assert validate_sql(used, schema).fixes == [], used


def test_an_unused_join_of_a_table_the_question_never_names_is_dropped():
    sql = "SELECT c.name FROM customers AS c JOIN orders AS o ON o.buyer_id = c.id"
    dropped = validate_sql(sql, linked_shop(), "What are the customers' names?")
    assert dropped.sql == "SELECT c.name FROM customers AS c"
    assert dropped.fixes == ["dropped unused join of orders AS o"]
    kept = validate_sql(sql, linked_shop(), "Which customers have placed orders?")
    assert kept.sql == ("SELECT c.name FROM customers AS c WHERE EXISTS(SELECT 1 FROM orders AS o "
                        "WHERE o.buyer_id = c.id)")


def test_an_unused_join_is_dropped_beside_a_bridge_another_rule_joined_in():
    from assistant.sqlgen.validate import validate_sql
    from connectors.types import ColumnInfo as C
    from connectors.types import SchemaInfo, TableInfo

    schema = SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[
        TableInfo("flight", [C("flight_id", "INTEGER", primary_key=True), C("airline_code", "TEXT")]),
        TableInfo("airline", [C("airline_code", "TEXT", primary_key=True), C("airline_name", "TEXT")]),
        TableInfo("fare", [C("fare_id", "INTEGER", primary_key=True), C("cost", "REAL")]),
        TableInfo("flight_fare", [C("flight_id", "INTEGER"), C("fare_id", "INTEGER")]),
    ])
    # The bridge goes in after the unused join: removing that join must not trip over it.
    result = validate_sql("SELECT fare.cost FROM flight JOIN airline ON flight.airline_code = airline.airline_code "
                          "JOIN fare ON flight.fare_id = fare.fare_id", schema, "What do the fares of flights cost?")
    assert result.ok, result.errors
    assert "airline" not in result.sql.split("FROM", 1)[1] and "flight_fare" in result.sql
