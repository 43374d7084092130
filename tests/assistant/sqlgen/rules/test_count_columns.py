
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def schema():
    return SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("business", [ColumnInfo("business_id", "TEXT"), ColumnInfo("state", "TEXT"),
                               ColumnInfo("review_count", "INTEGER")]),
        TableInfo("checkin", [ColumnInfo("business_id", "TEXT"), ColumnInfo("day", "TEXT"),
                              ColumnInfo("count", "INTEGER")],
                  foreign_keys=[ForeignKey(["business_id"], "business", ["business_id"])]),
    ])


def doubts(sql):
    return run("count_columns", sql, schema())


def test_counting_rows_that_hold_counts_is_questioned():
    (doubt,) = doubts("SELECT day, COUNT(*) FROM checkin GROUP BY day")
    assert "checkin.count holds a number per row" in doubt and "SUM(checkin.count)" in doubt
    (doubt,) = doubts("SELECT COUNT(*) FROM checkin AS c JOIN business AS b ON c.business_id = b.business_id "
                      "WHERE c.day = 'Monday' AND b.state = 'CA'")
    assert "SUM(c.count)" in doubt


def test_sums_distinct_counts_and_tables_without_such_a_column_pass():
    assert doubts("SELECT day, SUM(count) FROM checkin GROUP BY day") == []
    assert doubts("SELECT COUNT(*) FROM checkin WHERE count > 10") == []
    assert doubts("SELECT COUNT(DISTINCT business_id) FROM checkin") == []
    # review_count counts another thing (reviews), not the business rows counted here.
    assert doubts("SELECT state, COUNT(*) FROM business GROUP BY state") == []
