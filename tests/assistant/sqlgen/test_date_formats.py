import sqlglot

from assistant.sqlgen.date_formats import fix_format_literals, format_shape_problems


def fixed(sql, dialect="sqlite"):
    tree = sqlglot.parse_one(sql, read=dialect)
    notes = fix_format_literals(tree, dialect)
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
    (problem,) = format_shape_problems(tree, "sqlite")
    assert "values like '2023'" in problem and "'2023-01-01'" in problem
    assert format_shape_problems(sqlglot.parse_one("SELECT 1 FROM t WHERE strftime('%Y', d) = 'May'"), "sqlite") == []
