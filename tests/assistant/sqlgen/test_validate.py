import csv

import pytest

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.support.helpers import DEFOG


def shop(dialect="sqlite"):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("customers", [ColumnInfo("id", "INTEGER"), ColumnInfo("city", "TEXT"), ColumnInfo("name", "TEXT")]),
        TableInfo("orders", [ColumnInfo("id", "INTEGER"), ColumnInfo("customer_id", "INTEGER"),
                             ColumnInfo("total", "REAL")]),
    ])


def test_a_valid_query_passes_unchanged():
    result = validate_sql("SELECT c.city, SUM(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id "
                          "GROUP BY c.city", shop())
    assert result.ok and result.transpiled_from is None


def test_unknown_table_suggests_the_close_one():
    result = validate_sql("SELECT * FROM customer", shop())
    assert not result.ok and "table customer does not exist; did you mean customers?" in result.errors[0]


def test_unknown_column_suggests_the_close_one():
    result = validate_sql("SELECT citty FROM customers", shop())
    assert "did you mean city" in result.errors[0]


def test_a_column_of_another_table_says_where_it_lives():
    result = validate_sql("SELECT total FROM customers", shop())
    assert "it is a column of orders" in result.errors[0]


def test_ctes_are_not_unknown_tables():
    assert validate_sql("WITH big AS (SELECT * FROM orders WHERE total > 10) SELECT COUNT(*) FROM big", shop()).ok


def test_another_dialect_is_transpiled():
    result = validate_sql("SELECT TOP 3 name FROM customers", shop("sqlite"))
    assert result.ok and result.transpiled_from and "LIMIT 3" in result.sql


def test_garbage_is_a_syntax_error():
    result = validate_sql("SELEC FROM WHERE )(", shop())
    assert result.sql is None and result.errors


def _gold(dialect):
    with open(DEFOG / f"questions_{dialect}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            yield row["db_name"], row["query"].split(";")[0]


def test_every_first_gold_query_of_the_defog_set_validates():
    """No false alarms: queries known to be right must pass (real introspection)."""
    from connectors import connect

    schemas = {}
    failures = []
    for db, sql in _gold("sqlite"):
        if db not in schemas:
            with connect(f"sqlite:///{DEFOG / 'sqlite' / (db + '.sqlite')}") as conn:
                schemas[db] = conn.introspect()
        result = validate_sql(sql, schemas[db])
        if not result.ok:
            failures.append((db, sql, result.errors))
    assert failures == [], failures[:5]


def test_a_qualified_column_names_the_table_that_lacks_it():
    result = validate_sql("SELECT o.city FROM orders AS o JOIN customers AS c ON c.id = o.customer_id", shop())
    assert result.errors == ["table orders (as o) has no column city; city is a column of customers"]
