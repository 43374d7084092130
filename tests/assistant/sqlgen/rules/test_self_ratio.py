"""A value divided by itself, on a library schema written for the test."""

from tests.assistant.sqlgen.rules.support import run


def problems(sql):
    return run("self_ratio", sql, question="What share of loans were returned late?")


def test_the_same_count_on_both_sides_goes_back():
    for sql in ("SELECT CAST(COUNT(*) AS REAL) / COUNT(*) FROM loan WHERE returned_late = 1",
                "SELECT COUNT(l.id) * 1.0 / COUNT(l.id) FROM loan AS l WHERE l.returned_late = 1",
                "SELECT branch, CAST(COUNT(id) AS REAL) / NULLIF(COUNT(id), 0) * 100 FROM loan GROUP BY branch"):
        (problem,) = problems(sql)
        assert "by itself, which is always 1" in problem and "SUM(CASE WHEN" in problem, sql


def test_two_different_counts_pass():
    for sql in ("SELECT CAST(SUM(CASE WHEN returned_late = 1 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM loan",
                "SELECT CAST(COUNT(*) AS REAL) / (SELECT COUNT(*) FROM loan) FROM loan WHERE returned_late = 1",
                "SELECT CAST(COUNT(DISTINCT member_id) AS REAL) / COUNT(id) FROM loan",
                "SELECT fee / 2.0 FROM loan", "SELECT 1.0 / 1.0"):
        assert problems(sql) == [], sql
