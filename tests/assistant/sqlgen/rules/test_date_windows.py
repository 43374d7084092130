from tests.assistant.sqlgen.rules.support import run

QUESTION = "Return the adverse events that occurred within 10 days after starting treatment"


def doubts(sql, question=QUESTION, dialect="sqlite"):
    return run("date_windows", sql, question=question, dialect=dialect)


def test_within_a_span_written_as_after_its_end_is_questioned():
    (doubt,) = doubts("SELECT ae.id FROM adverse_events AS ae JOIN treatments AS t ON ae.treatment_id = t.id "
                      "WHERE ae.reported_dt >= date(t.start_dt, '+10 days')")
    assert "keeps only what comes after DATE(t.start_dt, '+10 days')" in doubt
    assert "ae.reported_dt BETWEEN start AND DATE(t.start_dt, '+10 days')" in doubt
    assert doubts("SELECT id FROM e WHERE datetime(start_dt, '+14 days') < reported_dt",
                  "events within 2 weeks of the start")
    assert doubts("SELECT id FROM e WHERE reported_dt > start_dt + INTERVAL '10 days'", dialect="postgres")


def test_a_window_bounded_on_both_sides_or_no_within_passes():
    assert doubts("SELECT id FROM e WHERE reported_dt BETWEEN start_dt AND date(start_dt, '+10 days')") == []
    assert doubts("SELECT id FROM e WHERE reported_dt >= start_dt AND reported_dt <= date(start_dt, '+10 days')") == []
    assert doubts("SELECT id FROM e WHERE reported_dt >= date(start_dt, '+10 days')",
                  "Which events were reported 10 days or more after the start?") == []
