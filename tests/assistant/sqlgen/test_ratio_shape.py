import sqlglot

from assistant.sqlgen.ratio_shape import ratio_problems

SHARE = "SELECT CAST(SUM(CASE WHEN is_open = 1 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM business"


def problems(question, sql):
    return ratio_problems(sqlglot.parse_one(sql, read="sqlite"), question)


def test_a_share_of_all_rows_for_a_ratio_of_two_groups_is_questioned():
    (doubt,) = problems("What is the ratio of open businesses to closed businesses?", SHARE)
    assert "divide by the count of closed businesses, not by COUNT(*)" in doubt
    (doubt,) = problems("proportion of papers with 2+ citations to papers with fewer?",
                        "SELECT 1.0 * COUNT(CASE WHEN n >= 2 THEN 1 END) / NULLIF(COUNT(id), 0) FROM paper")
    assert "papers with fewer" in doubt


def test_a_ratio_to_the_whole_or_of_two_groups_passes():
    assert problems("What is the ratio of open businesses to all businesses?", SHARE) == []
    assert problems("What share of businesses are open?", SHARE) == []
    assert problems("What is the ratio of open businesses to closed businesses?",
                    "SELECT CAST(SUM(CASE WHEN is_open = 1 THEN 1 ELSE 0 END) AS REAL) / "
                    "NULLIF(SUM(CASE WHEN is_open = 0 THEN 1 ELSE 0 END), 0) FROM business") == []
    assert problems("What is the ratio of publications to authors?",
                    "SELECT CAST(COUNT(pid) AS REAL) / COUNT(DISTINCT aid) FROM writes") == []


def test_a_division_inside_a_subquery_is_not_the_answer():
    assert problems("What is the ratio of open businesses to closed businesses?",
                    f"SELECT r FROM ({SHARE.replace('FROM', 'AS r FROM')}) AS t") == []
