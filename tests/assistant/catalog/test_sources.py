"""Where an answer's data comes from, read from its SQL alone."""

from assistant.catalog import answer_sources
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

SCHEMA = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("orders", [ColumnInfo("order_id", "INTEGER", primary_key=True), ColumnInfo("store_id", "INTEGER"),
                         ColumnInfo("total_amount", "REAL")], primary_key=["order_id"], comment="one row per order"),
    TableInfo("stores", [ColumnInfo("store_id", "INTEGER", primary_key=True), ColumnInfo("store_name", "TEXT")],
              primary_key=["store_id"]),
])


def test_the_tables_and_columns_the_previous_sql_read():
    sql = ("SELECT s.store_name, AVG(o.total_amount) FROM orders o JOIN stores s ON s.store_id = o.store_id "
           "GROUP BY s.store_name")
    answer = answer_sources("which table does that come from?", sql, SCHEMA)
    assert (answer.kind, answer.tables) == ("sources", ["orders", "stores"])
    assert answer.items[0] == {"table": "orders", "columns": ["total_amount", "store_id"],
                               "comment": "one row per order"}
    assert answer.answer.splitlines() == [
        "The previous answer's data comes from the tables `orders` and `stores`:",
        "- `orders` (one row per order): `total_amount`, `store_id`",
        "- `stores`: `store_name`, `store_id`"]


def test_sql_that_reads_no_table_says_so():
    assert answer_sources("where is that from?", "SELECT 1", SCHEMA).tables == []
