from tests.assistant.sqlgen.rules.support import run

SHARE = "SELECT CAST(SUM(CASE WHEN is_open = 1 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM business"


def problems(question, sql):
    return run("ratio_shape", sql, question=question)


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


def test_a_ratio_to_the_whole_written_upside_down_is_questioned():
    question = "What is the ratio of restaurants with rating > 4.5 to the total number of restaurants?"
    (doubt,) = problems(question, "SELECT CAST(COUNT(*) AS REAL) / "
                                  "(SELECT COUNT(*) FROM restaurant WHERE rating > 4.5) FROM restaurant")
    assert "restaurants with rating > 4.5 over the total number of restaurants" in doubt
    (doubt,) = problems(question, "SELECT CAST(COUNT(*) AS REAL) / "
                                  "SUM(CASE WHEN rating > 4.5 THEN 1 ELSE 0 END) FROM restaurant")
    assert "divides all rows by the group" in doubt


def test_a_ratio_to_the_whole_the_right_way_up_passes():
    question = "What is the ratio of restaurants with rating > 4.5 to the total number of restaurants?"
    for sql in ("SELECT CAST(COUNT(*) AS REAL) / (SELECT COUNT(*) FROM restaurant) FROM restaurant WHERE rating > 4.5",
                "SELECT CAST(SUM(CASE WHEN rating > 4.5 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM restaurant",
                "SELECT CAST((SELECT COUNT(*) FROM restaurant WHERE rating > 4.5) AS REAL) / COUNT(*) FROM restaurant"):
        assert problems(question, sql) == [], sql


def test_all_rows_divided_by_one_group_for_a_ratio_of_two_groups_is_questioned():
    (doubt,) = problems("What is the ratio of open businesses to closed businesses?",
                        "SELECT CAST(COUNT(*) AS REAL) / SUM(CASE WHEN is_open = 0 THEN 1 ELSE 0 END) FROM business")
    assert "the count of open businesses goes above the division and that of closed businesses below it" in doubt


def test_a_ratio_or_percentage_asked_for_and_nothing_divided_is_questioned():
    (doubt,) = problems("How does the ratio of publications to journals change over the years?",
                        "SELECT year, COUNT(pid), COUNT(jid) FROM publication GROUP BY year")
    assert doubt.startswith("the question asks for a ratio, but the query divides nothing")
    assert problems("What percentage of businesses are open?", "SELECT COUNT(*) FROM business") != []


def test_a_percentage_the_data_keeps_or_a_percent_sign_is_not_a_ratio_to_compute():
    from connectors.types import ColumnInfo, SchemaInfo, TableInfo

    kept = SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("fund", [ColumnInfo("name", "TEXT"), ColumnInfo("fee_percentage", "REAL")])])
    assert run("ratio_shape", "SELECT name, fee_percentage FROM fund", kept,
               "What is the fee percentage of each fund?") == []
    assert problems("Which authors are like Martin? (filter names using LIKE with percent sign wildcards)",
                    "SELECT name FROM author WHERE name LIKE '%Martin%'") == []
