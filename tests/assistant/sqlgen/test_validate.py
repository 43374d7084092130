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
    # customers is not in the query, so the reference cannot be re-pointed: the model must join it.
    result = validate_sql("SELECT o.city FROM orders AS o", shop())
    assert result.errors == ["table orders (as o) has no column city; city is a column of customers"]


def test_a_column_taken_from_the_wrong_alias_is_re_pointed_without_a_model_round():
    result = validate_sql("SELECT c.name FROM orders AS o JOIN customers AS c ON o.customer_id = c.id "
                          "ORDER BY c.total DESC", shop())
    assert result.ok and result.fixes == ["c.total -> o.total"]
    assert "ORDER BY o.total DESC" in result.sql


def test_an_ambiguous_wrong_alias_is_left_to_the_model():
    # `id` is in both tables: which one was meant is not certain.
    result = validate_sql("SELECT x.id FROM orders AS o JOIN customers AS c ON o.customer_id = c.id "
                          "JOIN (SELECT 1 AS one) AS x ON 1 = 1", shop())
    assert result.fixes == []


def test_subqueries_are_fixed_in_their_own_scope():
    result = validate_sql("SELECT name FROM customers WHERE id IN "
                          "(SELECT c.customer_id FROM orders AS o JOIN customers AS c ON o.customer_id = c.id)",
                          shop())
    assert result.ok and result.fixes == ["c.customer_id -> o.customer_id"]


def test_a_ratio_of_integers_is_made_exact_where_the_engine_truncates():
    sql = "SELECT COUNT(o.id) / COUNT(DISTINCT o.customer_id) FROM orders AS o"
    sqlite = validate_sql(sql, shop())
    assert sqlite.sql == "SELECT CAST(COUNT(o.id) AS REAL) / COUNT(DISTINCT o.customer_id) FROM orders AS o"
    assert validate_sql(sql, shop("postgres")).sql.startswith("SELECT CAST(COUNT(o.id) AS DOUBLE PRECISION) /")
    assert validate_sql(sql, shop("mysql")).sql == sql  # MySQL's / is already exact


def test_division_by_a_literal_and_explicit_casts_are_left_alone():
    for sql in ("SELECT o.total / 10 FROM orders AS o", "SELECT o.total * 1.0 / o.id FROM orders AS o",
                "SELECT CAST(o.total AS REAL) / o.id FROM orders AS o"):
        result = validate_sql(sql, shop())
        assert result.sql == sql and result.fixes == []


def test_sqlite_year_of_an_integer_year_column_is_the_column():
    schema = shop()
    schema.tables[1].columns.append(ColumnInfo("year", "INTEGER"))
    schema.tables[0].columns.append(ColumnInfo("joined", "TEXT"))
    result = validate_sql("SELECT strftime('%Y', o.year), COUNT(*) FROM orders AS o GROUP BY strftime('%Y', o.year)",
                          schema)
    assert result.sql == "SELECT o.year, COUNT(*) FROM orders AS o GROUP BY o.year"
    text_dates = validate_sql("SELECT strftime('%Y', c.joined) FROM customers AS c", schema)
    assert text_dates.fixes == []


def test_postgres_year_of_an_integer_year_column_is_the_column():
    schema = shop("postgres")
    schema.tables[1].columns.append(ColumnInfo("year", "bigint"))
    result = validate_sql("SELECT EXTRACT(YEAR FROM o.year) AS y, COUNT(*) FROM orders AS o "
                          "GROUP BY EXTRACT(YEAR FROM o.year)", schema)
    assert result.sql == "SELECT o.year AS y, COUNT(*) FROM orders AS o GROUP BY o.year"


def test_a_wrong_alias_in_a_join_condition_goes_to_the_model():
    # Re-pointing o.city at c would make `c.city = c.city`: a join of a table with itself.
    result = validate_sql("SELECT c.name FROM customers AS c JOIN orders AS o ON o.city = c.city", shop())
    assert result.fixes == [] and "table orders (as o) has no column city" in result.errors[0]
