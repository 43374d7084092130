"""The previous answer drawn again as another chart: the same SQL run again, no model."""

import asyncio

from assistant.chat.redraw import redraw
from connectors import connect
from tests.support.helpers import city_db

BY_NAME = "SELECT name, id * 10 AS size FROM city ORDER BY id"


def test_the_same_rows_charted_with_the_mark_asked_for(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    answer = asyncio.run(redraw("as a line chart", BY_NAME, "line", connector, row_limit=100))
    assert (answer.sql, answer.rows, answer.error) == (BY_NAME, [["Paris", 10], ["Lyon", 20]], None)
    assert answer.chart["mark"] == {"type": "line", "point": True} and answer.tables == ["city"]
    assert answer.usage == {} and "line chart" in answer.explanation  # no model was asked


def test_rows_with_nothing_to_draw_stay_a_table_and_say_so(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    answer = asyncio.run(redraw("as a bar chart", "SELECT name FROM city", "bar", connector, row_limit=100))
    assert answer.chart is None and answer.rows == [["Paris"], ["Lyon"]] and "bar chart" in answer.warnings[0]


def test_sql_the_guard_refuses_is_an_error_not_a_chart(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    answer = asyncio.run(redraw("as a bar chart", "DELETE FROM city", "bar", connector, row_limit=100))
    assert answer.error.kind == "refused" and answer.chart is None
