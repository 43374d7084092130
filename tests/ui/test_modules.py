"""The page's own modules, run in the real browser: the SSE parser, the chart
scales and marks, the CSV a user downloads."""

import pytest

from tests.support.helpers import serve_app


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from server.settings import Settings

    folder = tmp_path_factory.mktemp("ui-modules")
    return Settings(data_dir=folder / "data", model_dir=folder / "models")


@pytest.fixture(scope="module")
def url(settings):
    from server.app import create_app
    from tests.server.conftest import ScriptedLLM

    with serve_app(create_app(settings, llm=ScriptedLLM())) as base:
        yield base


def run(page, url, module, body):
    page.goto(url)
    return page.evaluate(f"async () => {{ const m = await import('/ui/js/{module}'); {body} }}")


def test_an_event_block_with_several_data_lines_and_a_comment(page, url):
    parsed = run(page, url, "api.js", """
        return [m.parseEventBlock(': keep-alive\\nevent: rows\\ndata: {"rows":\\ndata: [[1]]}'),
                m.parseEventBlock('data: plain text'), m.parseEventBlock(': only a comment')];""")
    assert parsed == [{"event": "rows", "data": {"rows": [[1]]}}, {"event": "message", "data": "plain text"}, None]


def test_ticks_are_round_and_cover_the_values(page, url):
    ticks = run(page, url, "chart.js", "return [m.niceTicks(0, 97), m.niceTicks(-3, 0.5), m.niceTicks(5, 5)];")
    assert ticks[0] == [0, 20, 40, 60, 80, 100]
    assert ticks[1] == [-3, -2, -1, 0, 1]
    assert ticks[2][0] <= 5 <= ticks[2][-1]


def test_each_suggested_mark_is_drawn_and_an_unknown_one_is_not(page, url):
    counts = run(page, url, "chart.js", """
        const data = (values) => ({values});
        const line = m.renderChart({mark: {type: "line"}, data: data([{d: "2024-02-01", n: 3}, {d: "2024-01-01", n: 1},
            {d: "2024-03-01 10:00", n: 2}]), encoding: {x: {field: "d", type: "temporal"}, y: {field: "n"}}});
        const scatter = m.renderChart({mark: "point", data: data([{a: 1, b: 2}, {a: 3, b: 4}]),
            encoding: {x: {field: "a"}, y: {field: "b"}}});
        const figure = m.renderChart({mark: {type: "text"}, data: data([{total: 12345.678}]),
            encoding: {text: {field: "total"}}});
        const arc = m.renderChart({mark: "arc", data: data([{a: 1}]), encoding: {theta: {field: "a"}}});
        const years = m.renderChart({mark: {type: "line"}, data: data([{y: 2019, n: 30}, {y: 2018, n: 28}, {y: 2020, n: 5}]),
            encoding: {x: {field: "y", type: "ordinal", sort: "ascending"}, y: {field: "n"}}});
        return [line.querySelectorAll("circle").length, line.querySelector("polyline").getAttribute("points").split(" ").length,
                [...line.querySelectorAll("circle title")].map((t) => t.textContent),
                scatter.querySelectorAll("circle").length, figure.firstChild.textContent, arc,
                [...years.querySelectorAll("circle title")].map((t) => t.textContent)];""")
    assert counts[0] == 3 and counts[1] == 3
    assert counts[2] == ["2024-01-01: 1", "2024-02-01: 3", "2024-03-01 10:00: 2"]  # in time order
    assert counts[3] == 2 and counts[4].replace(",", "").startswith("12345.68")
    assert counts[5] is None
    assert counts[6] == ["2018: 28", "2019: 30", "2020: 5"]  # period numbers in order, shown as they are


def test_csv_quotes_what_needs_quoting_and_leaves_null_empty(page, url):
    csv = run(page, url, "table.js", """return m.toCsv(["name", "note"], [["a, b", 'say "hi"'], ["c", null]]);""")
    assert csv == 'name,note\r\n"a, b","say ""hi"""\r\nc,\r\n'


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted_and_numbers_stay_numbers(page, url):
    csv = run(page, url, "table.js", r"""
        return m.toCsv(["=cmd|' /C calc'!A0", "n"], [
            ["=HYPERLINK(\"http://x\")", -12.5], ["+1+2", "-12.5"], ["-2+3", "+3"], ["@SUM(A1)", "-1E+400"],
            ["\tlead", 0], ["\rcr", "-Infinity"], ["-01:30:00", "plain - text"], ["a=b", null]]);""")
    assert csv.split("\r\n") == [
        "'=cmd|' /C calc'!A0,n",
        '"\'=HYPERLINK(""http://x"")",-12.5',
        "'+1+2,-12.5",
        "'-2+3,+3",
        "'@SUM(A1),-1E+400",
        "'\tlead,0",
        "\"'\rcr\",'-Infinity",
        "'-01:30:00,plain - text",
        "a=b,",
        "",
    ]


def test_floats_are_shown_and_exported_without_binary_noise(page, url):
    shown, csv = run(page, url, "table.js", """
        return [[120840.38000000111, 0.1 + 0.2, 7, 1e21, 2.5e-7, -3.14159265358979].map(m.shownNumber),
                m.toCsv(["revenue"], [[120840.38000000111]])];""")
    assert shown == ["120840.38", "0.3", "7", "1e+21", "2.5e-7", "-3.14159265359"]
    assert csv == "revenue\r\n120840.38\r\n"
