from assistant.sqlgen.analysis.values import holds_iso_dates, iso_date_kind
from connectors.types import ColumnInfo, TableInfo


def test_iso_dates_and_timestamps_are_told_apart_from_other_text():
    day = ColumnInfo("day", "TEXT", values=["Monday", "Friday"])
    start = ColumnInfo("start_dt", "TEXT", values=["2023-01-05"])
    at = ColumnInfo("at", "TEXT", values=["2023-01-05"])
    t = TableInfo("t", [day, start, at], sample_rows=[["Monday", "2023-02-01", "2023-01-05 10:00:00"]])
    assert not holds_iso_dates(t, day) and iso_date_kind(t, day) is None
    assert iso_date_kind(t, start) == "DATE"
    assert iso_date_kind(t, at) == "TIMESTAMP"


def test_a_column_with_nothing_seen_is_not_a_date():
    empty = ColumnInfo("x", "TEXT")
    assert not holds_iso_dates(TableInfo("t", [empty], sample_rows=[[None]]), empty)

