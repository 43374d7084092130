import sqlglot

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run

SEMANTIC = "self_joins date_arithmetic calendar_names outer_columns"  # errors about what a query means


def schema(dialect="sqlite"):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("customers", [ColumnInfo("id", "INTEGER"), ColumnInfo("joined", "TEXT"),
                                ColumnInfo("name", "TEXT")],
                  sample_rows=[[1, "2023-01-05", "Ada"], [2, "2023-02-01 10:00:00", "Alan"]]),
        TableInfo("orders", [ColumnInfo("id", "INTEGER"), ColumnInfo("customer_id", "INTEGER"),
                             ColumnInfo("placed", "DATE")],
                  foreign_keys=[ForeignKey(["customer_id"], "customers", ["id"])]),
    ])


def tree(sql):
    return sqlglot.parse_one(sql, read="sqlite")


def test_a_join_on_a_column_compared_with_itself_is_named_with_the_foreign_key():
    (problem,) = run("self_joins", tree("SELECT c.name FROM customers AS c JOIN orders AS o ON o.id = o.id"), schema())
    assert "o.id = o.id compares a column with itself" in problem
    assert "orders.customer_id = customers.id" in problem


def test_a_proper_join_and_a_filter_on_equal_names_pass():
    assert run("self_joins", tree("SELECT 1 FROM customers AS c JOIN orders AS o ON o.customer_id = c.id"), schema()) == []
    assert run("self_joins", tree("SELECT 1 FROM orders AS o WHERE o.id = o.id"), schema()) == []


def test_sqlite_arithmetic_on_a_date_is_named():
    for sql in ("SELECT 1 FROM orders AS o WHERE o.placed + 10 > '2023-01-01'",
                "SELECT 1 FROM customers AS c WHERE c.joined - 14 < 3",
                "SELECT strftime('%Y-%m-%d', c.joined) + 10 FROM customers AS c",
                "SELECT date(c.joined) - 1 FROM customers AS c"):
        (problem,) = run("date_arithmetic", tree(sql), schema())
        assert "date(col, '+10 days')" in problem, sql


def test_sqlite_year_numbers_and_day_counts_are_fine():
    for sql in ("SELECT strftime('%Y', c.joined) - 1 FROM customers AS c",
                "SELECT julianday(o.placed) - julianday(c.joined) FROM customers AS c JOIN orders AS o "
                "ON o.customer_id = c.id",
                "SELECT c.id + 1 FROM customers AS c",
                "SELECT date(c.joined, '+10 days') FROM customers AS c"):
        assert run("date_arithmetic", tree(sql), schema()) == [], sql
    assert run("date_arithmetic", tree("SELECT o.placed + 1 FROM orders AS o"), schema("postgres")) == []


def test_validation_reports_them_for_the_repair_prompt():
    result = validate_sql("SELECT c.name FROM customers AS c JOIN orders AS o ON c.id = c.id", schema())
    assert not result.ok and "compares a column with itself" in result.errors[0]



def checkins(dialect):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("checkin", [ColumnInfo("business_id", "TEXT"), ColumnInfo("day", "TEXT"), ColumnInfo("count", "INTEGER")],
                  sample_rows=[["b1", "Monday", 3], ["b2", "Saturday", 5], ["b3", "Sunday", 1]]),
    ])


def test_a_column_of_day_names_read_as_a_date_is_named_in_both_dialects():
    import sqlite3

    sqlite_sql = "SELECT SUM(count) FROM checkin WHERE strftime('%w', day) IN ('0', '6')"
    # SQLite quietly answers NULL: without the check this is a wrong answer, not an error.
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE checkin (business_id TEXT, day TEXT, count INTEGER)")
    db.executemany("INSERT INTO checkin VALUES (?, ?, ?)", [("b1", "Monday", 3), ("b2", "Saturday", 5)])
    assert db.execute(sqlite_sql).fetchall() == [(None,)]
    for dialect, sql in [("sqlite", sqlite_sql), ("postgres", "SELECT EXTRACT(DOW FROM day), SUM(count) FROM checkin GROUP BY 1")]:
        problems = run(SEMANTIC, sqlglot.parse_one(sql, read=dialect), checkins(dialect))
        assert len(problems) == 1 and "holds day names ('Monday', 'Saturday', 'Sunday')" in problems[0], dialect


def test_day_names_compared_as_names_pass_and_a_month_name_moved_by_an_interval_is_named():
    assert run(SEMANTIC, sqlglot.parse_one("SELECT SUM(count) FROM checkin WHERE day IN ('Saturday', 'Sunday')"),
                             checkins("sqlite")) == []
    problems = run(SEMANTIC, sqlglot.parse_one("SELECT 1 FROM checkin WHERE day = 'March' - INTERVAL '2 months'",
                                                   read="postgres"), checkins("postgres"))
    assert len(problems) == 1 and "moves a month name by an interval" in problems[0]


def test_a_subquery_that_selects_a_column_only_the_outer_query_has_is_named():
    (problem,) = run(SEMANTIC, tree("SELECT name FROM customers WHERE joined NOT IN (SELECT joined FROM orders)"),
                                   schema())
    assert "orders has no column joined" in problem and "customers.joined of the outer query" in problem
    assert "orders.customer_id = customers.id" in problem


def test_subqueries_that_select_their_own_columns_or_correlate_in_where_pass():
    for sql in ("SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders)",
                "SELECT name FROM customers AS c WHERE EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = id)",
                "SELECT name, (SELECT max(placed) FROM orders AS o WHERE o.customer_id = c.id) FROM customers AS c",
                "SELECT n FROM (SELECT name AS n FROM customers) AS t"):
        assert run(SEMANTIC, tree(sql), schema()) == [], sql


def test_sqlite_one_date_minus_another_is_named_and_julianday_passes():
    (problem,) = run("date_arithmetic", tree("SELECT AVG(o.placed - c.joined) FROM customers AS c JOIN orders AS o "
                                      "ON o.customer_id = c.id"), schema())
    assert "julianday(a) - julianday(b)" in problem
    assert run("date_arithmetic", tree("SELECT julianday(o.placed) - julianday(c.joined) FROM customers AS c "
                                "JOIN orders AS o ON o.customer_id = c.id"), schema()) == []
    assert run("date_arithmetic", tree("SELECT strftime('%s', o.placed) - strftime('%s', c.joined) FROM customers AS c "
                                "JOIN orders AS o ON o.customer_id = c.id"), schema()) == []


def test_sqlite_days_between_two_dates_are_computed_with_julianday():
    sql = "SELECT AVG(o.placed - c.joined) FROM customers AS c JOIN orders AS o ON o.customer_id = c.id"
    days = validate_sql(sql, schema(), "How many days pass on average from joining to an order?")
    assert days.ok and days.sql == ("SELECT AVG(JULIANDAY(o.placed) - JULIANDAY(c.joined)) FROM customers AS c "
                                    "JOIN orders AS o ON o.customer_id = c.id")
    assert days.fixes == ["days between dates: o.placed - c.joined -> JULIANDAY(o.placed) - JULIANDAY(c.joined)"]
    # A calendar unit asked for: the model is told and writes the formula for it.
    years = validate_sql(sql, schema(), "How many years pass on average from joining to an order?")
    assert "julianday(a) - julianday(b)" in years.errors[0]
    hours = validate_sql(sql, schema(), "How many hours pass on average from joining to an order?")
    assert hours.sql.startswith("SELECT AVG((JULIANDAY(o.placed) - JULIANDAY(c.joined)) * 24) FROM")
    # Elsewhere date minus date is already a number of days or an interval.
    assert validate_sql(sql.replace("o.placed - c.joined", "o.placed - o.placed"), schema("postgres"),
                        "days?").fixes == []


def test_sqlite_julianday_differences_are_scaled_to_the_unit_asked_for():
    sql = "SELECT AVG(julianday(o.placed) - julianday(c.joined)) FROM customers AS c JOIN orders AS o ON o.customer_id = c.id"
    seconds = validate_sql(sql, schema(), "What is the average wait in seconds?")
    assert seconds.sql.startswith("SELECT AVG((JULIANDAY(o.placed) - JULIANDAY(c.joined)) * 86400) FROM")
    for question in ("What is the average wait in days?", "What is the average wait?",
                     "What is the average wait in minutes or hours?"):
        assert validate_sql(sql, schema(), question).fixes == [], question
    scaled = sql.replace("AVG(julianday(o.placed) - julianday(c.joined))",
                         "AVG((julianday(o.placed) - julianday(c.joined)) * 24 * 60)")
    assert validate_sql(scaled, schema(), "What is the average wait in minutes?").fixes == []
