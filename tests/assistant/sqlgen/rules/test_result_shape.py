import pytest
import sqlglot

from tests.assistant.sqlgen.rules.support import run


def shown(sql):
    tree = sqlglot.parse_one(sql, read="postgres")
    notes = run("group_keys", tree, dialect="postgres")
    return tree.sql(dialect="postgres"), notes


def test_a_grouped_column_the_output_lacks_is_put_in_front():
    assert shown("SELECT SUM(h) FROM t GROUP BY course_id") == (
        "SELECT course_id, SUM(h) FROM t GROUP BY course_id", ["shown the grouped course_id"])
    assert shown("SELECT COUNT(*) FROM t GROUP BY EXTRACT(MONTH FROM d)")[0] == (
        "SELECT EXTRACT(MONTH FROM d), COUNT(*) FROM t GROUP BY EXTRACT(MONTH FROM d)")


def test_grouped_columns_already_shown_or_named_by_position_or_alias_are_left_alone():
    for sql in ("SELECT c, AVG(x) FROM t GROUP BY c",
                "SELECT t.c AS city, AVG(x) FROM t GROUP BY t.c",
                "SELECT EXTRACT(MONTH FROM d) AS m, COUNT(*) FROM t GROUP BY m",
                "SELECT EXTRACT(MONTH FROM d) AS m, COUNT(*) FROM t GROUP BY EXTRACT(MONTH FROM d)",
                "SELECT c, COUNT(*) FROM t GROUP BY 1",
                "SELECT * FROM t GROUP BY c"):
        assert shown(sql)[1] == [], sql


def test_a_subquery_s_output_is_not_touched():
    sql = "SELECT aid FROM a WHERE aid IN (SELECT aid FROM d GROUP BY did HAVING COUNT(*) = 2)"
    assert shown(sql) == (sql, [])


def _doubts(question, sql):
    return run("per_item", sql, question=question, dialect="postgres")


def test_one_aggregate_row_for_a_question_about_each_item_is_doubted():
    for question in ("How does the average speed vary across different manufacturers?",
                     "What is the total for each of the customers?",
                     "What is the average rating per city?"):
        problems = _doubts(question, "SELECT AVG(x) FROM t")
        assert problems and "one row for each" in problems[0], question


def test_grouped_or_unaggregated_queries_and_other_questions_are_not_doubted():
    assert _doubts("What is the average rating per city?", "SELECT city, AVG(x) FROM t GROUP BY city") == []
    assert _doubts("What is the ratio for each fare?", "SELECT id, a / b FROM fare") == []
    assert _doubts("What is the running total per day?", "SELECT d, SUM(x) OVER (ORDER BY d) FROM t") == []
    assert _doubts("What share of orders is late, in percent?", "SELECT AVG(late) FROM t") == []
    assert _doubts("How many orders are there?", "SELECT COUNT(*) FROM t") == []


def unlimited(sql, question):
    tree = sqlglot.parse_one(sql, read="sqlite")
    notes = run("unasked_limit", tree, question=question)
    return tree.sql(dialect="sqlite"), notes


SORTED = "SELECT country, AVG(total) AS avg_total FROM orders GROUP BY country ORDER BY avg_total DESC LIMIT 1"


@pytest.mark.parametrize("question", [
    "Average order value by country, highest first",
    "Show the average order value per country from highest to lowest",
    "List each country's average order value in descending order",
    "What is the average order value of every country?",
])
def test_a_limit_the_question_never_asked_for_is_dropped(question):
    sql, notes = unlimited(SORTED, question)
    assert "LIMIT" not in sql and notes == ["dropped LIMIT 1: the question asks for no number of rows "
                                            "and no top or bottom item"]


@pytest.mark.parametrize("question", [
    "Which country has the highest average order value?",
    "What are the 3 countries with the largest average order?",
    "Top five countries by average order value",
    "Which country spends most per order?",
    "Name the country with the best average, highest first",
])
def test_a_limit_a_number_or_superlative_asks_for_stays(question):
    assert unlimited(SORTED, question) == (SORTED, [])


def test_a_limit_without_order_or_with_an_offset_is_left_alone():
    for sql in ("SELECT country FROM orders LIMIT 1", "SELECT country FROM orders ORDER BY country LIMIT 10 OFFSET 10"):
        assert unlimited(sql, "List the countries of orders")[1] == []
