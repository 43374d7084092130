"""An aggregate without GROUP BY that is sorted, on a library schema written for the test."""

from tests.assistant.sqlgen.rules.support import run


def problems(sql):
    return run("one_row_order", sql, question="Which shelves hold the fewest books, fewest first?")


def test_a_sorted_aggregate_of_all_rows_is_questioned():
    (doubt,) = problems("SELECT shelf_name, MIN(capacity) FROM shelf ORDER BY capacity ASC")
    assert "MIN(capacity) without GROUP BY folds all rows into one" in doubt and "single row" in doubt


def test_grouped_windowed_or_unsorted_aggregates_pass():
    for sql in ("SELECT shelf_name, MIN(capacity) FROM shelf GROUP BY shelf_name ORDER BY 2",
                "SELECT shelf_name, capacity FROM shelf ORDER BY capacity",
                "SELECT shelf_name, MIN(capacity) FROM shelf",
                "SELECT shelf_name, COUNT(*) OVER () FROM shelf ORDER BY capacity",
                "SELECT shelf_name FROM shelf WHERE capacity = (SELECT MIN(capacity) FROM shelf) ORDER BY 1",
                "SELECT COUNT(*) FROM shelf HAVING COUNT(*) > 1 ORDER BY 1"):
        assert problems(sql) == [], sql
