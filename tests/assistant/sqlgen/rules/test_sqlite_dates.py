import sqlite3

import pytest
import sqlglot

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def coupons(dialect="sqlite"):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("coupons", [ColumnInfo("id", "INTEGER"), ColumnInfo("start_date", "DATE",
                                                                        values=["2023-01-01", "2023-05-01"]),
                              ColumnInfo("year", "INTEGER", values=[2022, 2023]),
                              ColumnInfo("end_date", "TEXT", values=["2023-01-31"])]),
    ])


def parsed(sql):
    return sqlglot.parse_one(sql, read="sqlite")


@pytest.mark.parametrize("call", ["strftime('%Y', 'now()')", "date('now', '+1 quarter')", "date('2023-13-45')",
                                  "julianday('yesterday')"])
def test_a_constant_date_call_sqlite_answers_with_null_is_an_error(call):
    with sqlite3.connect(":memory:") as con:
        assert con.execute(f"SELECT {call}").fetchone() == (None,)
    (problem,) = run("null_date_calls", parsed(f"SELECT id FROM coupons WHERE start_date > {call}"))
    assert "is NULL in SQLite" in problem


@pytest.mark.parametrize("sql", [
    "SELECT date('now', '-1 year'), strftime('%Y', 'now'), julianday('2023-01-05'), datetime('now', 'start of month')",
    "SELECT date(start_date, '+7 days') FROM coupons",  # reads a column: the rows decide
])
def test_readable_or_column_date_calls_pass(sql):
    assert run("null_date_calls", parsed(sql)) == []


def test_a_nested_null_call_is_reported_once_at_its_outermost_call():
    assert len(run("null_date_calls", parsed("SELECT strftime('%Y', date('now()', '-1 year'))"))) == 1


@pytest.mark.parametrize("condition", ["start_date >= strftime('%Y', 'now') - 1", "start_date > 2022",
                                       "date(start_date) < 2024", "strftime('%Y-%m', start_date) = 202301"])
def test_a_date_compared_with_a_number_is_an_error(condition):
    sql = f"SELECT id FROM coupons WHERE {condition}"
    (problem,) = run("dates_against_numbers", parsed(sql), coupons())
    assert "sorts every number before every text" in problem
    with sqlite3.connect(":memory:") as con:  # what SQLite does with it: every row or none
        con.executescript("CREATE TABLE coupons (id INTEGER, start_date DATE, year INTEGER);"
                          "INSERT INTO coupons VALUES (1, '2021-01-01', 2021), (2, '2025-01-01', 2025);")
        assert len(con.execute(sql).fetchall()) in (0, 2)


@pytest.mark.parametrize("condition", ["start_date >= date('now', '-1 year')", "year >= strftime('%Y', 'now') - 1",
                                       "strftime('%Y', start_date) = '2023'", "start_date + 1 > 2",
                                       "end_date >= 2022"])  # TEXT affinity: 2022 is compared as '2022'

def test_dates_against_dates_and_numbers_against_numbers_pass(condition):
    assert run("dates_against_numbers", parsed(f"SELECT id FROM coupons WHERE {condition}"), coupons()) == []


def test_validation_raises_both_as_errors_for_sqlite_only():
    sql = "SELECT id FROM coupons WHERE start_date >= strftime('%Y', 'now()') - 1"
    assert len(validate_sql(sql, coupons()).errors) == 2
    assert validate_sql("SELECT id FROM coupons WHERE start_date > 2022", coupons("postgres")).errors == []
