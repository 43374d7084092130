
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def schema(dialect="sqlite"):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("flight", [ColumnInfo("id", "INTEGER"), ColumnInfo("departure_time", "BIGINT"),
                             ColumnInfo("booked", "TEXT"), ColumnInfo("month", "INTEGER")],
                  sample_rows=[[1, 1682924400, "2023-05-01 07:00:00", 5], [2, 1683010800, "2023-05-02 07:00:00", 5]]),
    ])


def doubts(question, sql, dialect="sqlite"):
    return run("period_groups", sql, schema(dialect), question)


def test_grouping_a_raw_time_per_month_is_questioned_with_the_dialect_s_way():
    (doubt,) = doubts("Count the flight departures for each month",
                      "SELECT departure_time, COUNT(*) FROM flight GROUP BY departure_time")
    assert "one group per distinct time" in doubt
    assert "strftime('%Y-%m', departure_time, 'unixepoch')" in doubt
    (doubt,) = doubts("What are the monthly bookings?", "SELECT booked, COUNT(*) FROM flight GROUP BY booked")
    assert "strftime('%Y-%m', booked)" in doubt
    (doubt,) = doubts("How many bookings per year?", "SELECT booked, COUNT(*) FROM flight GROUP BY booked",
                      "postgres")
    assert "DATE_TRUNC('year', booked)" in doubt


def test_a_period_taken_or_only_named_as_a_filter_passes():
    assert doubts("Count the flights for each month",
                  "SELECT strftime('%Y-%m', booked) AS m, COUNT(*) FROM flight GROUP BY m") == []
    assert doubts("Count the flights for each month", "SELECT month, COUNT(*) FROM flight GROUP BY month") == []
    assert doubts("How many flights were booked on each day in the year 2023?",
                  "SELECT booked, COUNT(*) FROM flight GROUP BY booked") == []


def test_mysql_reads_unix_times_with_from_unixtime():
    (doubt,) = doubts("Count the flight departures for each month",
                      "SELECT departure_time, COUNT(*) FROM flight GROUP BY departure_time", "mysql")
    assert "DATE_FORMAT(FROM_UNIXTIME(departure_time), '%Y-%m')" in doubt
