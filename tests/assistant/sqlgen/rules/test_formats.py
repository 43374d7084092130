import sqlite3

import sqlglot

from tests.assistant.sqlgen.rules.support import run


def fixed(sql, dialect="sqlite"):
    tree = sqlglot.parse_one(sql, read=dialect)
    notes = run("format_literals", tree, dialect=dialect)
    return tree.sql(dialect=dialect), notes


def test_a_year_compared_with_a_number_is_compared_with_its_text():
    # In SQLite '2023' = 2023 is false and '2023' > 2020 is true for every year: text never equals a number.
    sql, notes = fixed("SELECT 1 FROM t WHERE strftime('%Y', d) = 2023 AND strftime('%Y', d) > 2020")
    assert sql == "SELECT 1 FROM t WHERE STRFTIME('%Y', d) = '2023' AND STRFTIME('%Y', d) > '2020'"
    assert len(notes) == 2


def test_a_month_without_its_leading_zero_gets_one():
    sql, _ = fixed("SELECT 1 FROM t WHERE strftime('%m', d) IN (1, '2', '11')")
    assert sql == "SELECT 1 FROM t WHERE STRFTIME('%m', d) IN ('01', '02', '11')"


def test_literals_of_the_right_shape_and_other_formats_are_left_alone():
    for sql in ("SELECT 1 FROM t WHERE strftime('%Y-%m', d) = '2023-04'",
                "SELECT 1 FROM t WHERE strftime('%w', d) = '0'",
                "SELECT 1 FROM t WHERE strftime('%Y', d) = '2023'",
                "SELECT 1 FROM t WHERE d = 2023"):
        assert fixed(sql)[1] == [], sql


def test_postgres_to_char_is_read_the_same_way():
    sql, _ = fixed("SELECT 1 FROM t WHERE TO_CHAR(d, 'YYYY') = 2023", "postgres")
    assert sql == "SELECT 1 FROM t WHERE TO_CHAR(d, 'YYYY') = '2023'"


def test_a_year_compared_with_whole_dates_is_named_once():
    tree = sqlglot.parse_one("SELECT 1 FROM t WHERE strftime('%Y', d) BETWEEN '2023-01-01' AND '2023-03-31'",
                             read="sqlite")
    (problem,) = run("format_shapes", tree)
    assert "values like '2023'" in problem and "'2023-01-01'" in problem
    assert run("format_shapes", "SELECT 1 FROM t WHERE strftime('%Y', d) = 'May'") == []


def test_a_year_compared_with_arithmetic_is_read_as_a_number_in_sqlite():
    sql = "SELECT d FROM t WHERE strftime('%Y', d) >= strftime('%Y', '2024-06-01') - 1"
    tree = sqlglot.parse_one(sql, read="sqlite")
    notes = run("format_arithmetic", tree)
    fixed_sql = tree.sql(dialect="sqlite")
    assert fixed_sql == ("SELECT d FROM t WHERE CAST(STRFTIME('%Y', d) AS INTEGER) >= "
                         "STRFTIME('%Y', '2024-06-01') - 1")
    assert len(notes) == 1
    with sqlite3.connect(":memory:") as con:
        con.executescript("CREATE TABLE t (d); INSERT INTO t VALUES ('2022-05-01'), ('2023-05-01');")
        # As written: text is greater than every number, so every row passes.
        assert con.execute(sql).fetchall() == [("2022-05-01",), ("2023-05-01",)]
        assert con.execute(fixed_sql).fetchall() == [("2023-05-01",)]


def test_arithmetic_against_other_formats_or_in_other_engines_is_left_alone():
    for sql, dialect in (("SELECT 1 FROM t WHERE strftime('%Y-%m', d) = x - 1", "sqlite"),
                         ("SELECT 1 FROM t WHERE strftime('%Y', d) = y", "sqlite"),
                         ("SELECT 1 FROM t WHERE EXTRACT(YEAR FROM d) = y - 1", "postgres")):
        assert run("format_arithmetic", sql, dialect=dialect) == [], sql
