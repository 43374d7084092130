import pytest

from assistant.sqlgen.chart import chart_as, suggest_chart


def mark(spec):
    return spec["mark"] if isinstance(spec["mark"], str) else spec["mark"]["type"]


def test_one_number_is_a_figure():
    assert mark(suggest_chart(["n"], [[42]])) == "text"


def test_label_and_number_is_a_bar_chart():
    spec = suggest_chart(["city", "orders"], [["Paris", 3], ["Lyon", None], ["Nice", 1]])
    assert mark(spec) == "bar"
    assert spec["encoding"]["x"]["field"] == "city" and spec["encoding"]["y"]["field"] == "orders"
    assert spec["data"]["values"][0] == {"city": "Paris", "orders": 3}


def test_date_and_number_is_a_line():
    spec = suggest_chart(["month", "revenue"], [["2024-01", 10.5], ["2024-02", 12.0]])
    assert mark(spec) == "line" and spec["encoding"]["x"]["type"] == "temporal"


def test_a_period_number_and_a_number_is_a_line_in_period_order():
    spec = suggest_chart(["hire_year", "employees"], [[2019.0, 30], [2018.0, 28], [2020.0, None]])
    assert mark(spec) == "line"
    assert spec["encoding"]["x"] == {"field": "hire_year", "type": "ordinal", "sort": "ascending"}
    assert spec["encoding"]["y"]["field"] == "employees"
    # a fraction is no period, and "days" of a duration next to a label stays a bar chart
    assert mark(suggest_chart(["month", "share"], [[1.5, 0.2], [2.0, 0.3]])) == "point"
    assert mark(suggest_chart(["team", "day", "n"], [["a", 1, 3], ["b", 2, 4]])) == "bar"


def test_two_numbers_are_a_scatter_plot():
    assert mark(suggest_chart(["price", "qty"], [[1.5, 3], [2.0, 4]])) == "point"


def test_other_shapes_stay_a_table():
    assert suggest_chart(["name", "city"], [["a", "b"]]) is None
    assert suggest_chart(["n"], []) is None
    assert suggest_chart(["city", "n"], [[f"c{i}", i] for i in range(80)]) is None


def test_an_identifier_is_never_a_measure_or_a_numeric_axis():
    # named as one
    assert suggest_chart(["clinic_id"], [[7]]) is None
    assert suggest_chart(["name", "clinic_id"], [["a", 1], ["b", 2]]) is None
    for name in ("id", "ID", "order_key", "zip_code"):
        assert suggest_chart(["city", name], [["Paris", 75001], ["Lyon", 69001]]) is None, name
    # a label, then: the measure is charted by it
    spec = suggest_chart(["clinic_id", "visits"], [[1, 30], [2, 12]])
    assert mark(spec) == "bar" and spec["encoding"]["x"]["field"] == "clinic_id"
    assert spec["encoding"]["y"]["field"] == "visits"
    # a key of its table under another name
    assert suggest_chart(["ward", "beds"], [[1, 30], [2, 12]], keys={"ward"})["mark"] == "bar"
    assert mark(suggest_chart(["ward", "beds"], [[1, 30], [2, 12]])) == "point"
    # a word that merely ends in "id" is no identifier
    assert mark(suggest_chart(["paid"], [[12.5]])) == "text"


def test_a_chart_asked_for_keeps_the_axes_and_changes_the_mark():
    rows = [["online", 9072], ["in_store", 3428]]
    line = chart_as(["channel", "orders"], rows, "line")
    assert line["mark"] == {"type": "line", "point": True}
    assert line["encoding"]["x"] == {"field": "channel", "type": "nominal", "sort": "ascending"}
    assert line["encoding"]["y"]["field"] == "orders" and line["data"]["values"][0] == {"channel": "online",
                                                                                         "orders": 9072}
    assert mark(chart_as(["channel", "orders"], rows, "point")) == "point"
    bars = chart_as(["month", "revenue"], [["2024-01", 10.5], ["2024-02", 12.0]], "bar")
    assert mark(bars) == "bar" and bars["encoding"]["x"]["type"] == "temporal"


def test_rows_without_two_axes_have_no_chart_of_any_mark():
    assert chart_as(["n"], [[42]], "line") is None
    assert chart_as(["name"], [["Paris"]], "bar") is None
    with pytest.raises(ValueError):
        chart_as(["channel", "orders"], [["online", 1]], "pie")
