from tests.assistant.sqlgen.rules.support import run


def doubts(sql):
    return run("excluded_cases", sql)


def test_a_case_the_where_rules_out_is_questioned():
    (doubt,) = doubts("SELECT CAST(SUM(CASE WHEN rating > 4.0 THEN 1 ELSE 0 END) AS REAL) / COUNT(*) "
                      "FROM restaurant WHERE rating < 4.0")
    assert "SUM(CASE WHEN rating > 4.0 THEN 1 ELSE 0 END) can never count a row" in doubt
    assert "rows where rating < 4.0" in doubt
    assert doubts("SELECT SUM(CASE WHEN n >= 3 THEN 1 ELSE 0 END) FROM t WHERE 3 > n AND kind = 'a'")
    assert doubts("SELECT COUNT(CASE WHEN state = 'CA' THEN 1 END) FROM business WHERE state = 'NY'")


def test_cases_the_where_lets_through_pass():
    assert doubts("SELECT SUM(CASE WHEN rating > 4 THEN 1 ELSE 0 END) FROM r WHERE rating > 3") == []
    assert doubts("SELECT SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) FROM r WHERE rating <= 4") == []
    assert doubts("SELECT SUM(CASE WHEN state = 'CA' THEN 1 END) FROM b WHERE state <> 'NY'") == []
    assert doubts("SELECT SUM(CASE WHEN a > 4 THEN 1 END) FROM r WHERE b < 4") == []
    # An OR in WHERE does not rule the case out; nor does a CASE outside an aggregate.
    assert doubts("SELECT SUM(CASE WHEN x > 4 THEN 1 END) FROM r WHERE x < 4 OR y = 1") == []
    assert doubts("SELECT CASE WHEN x > 4 THEN 'big' END FROM r WHERE x < 4") == []
    # Text order depends on the collation: only equality is judged.
    assert doubts("SELECT SUM(CASE WHEN name > 'm' THEN 1 END) FROM r WHERE name < 'c'") == []
