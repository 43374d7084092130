from assistant.sqlgen.chart import suggest_chart


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
