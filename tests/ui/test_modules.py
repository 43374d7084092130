"""The page's own modules, run in the real browser: the SSE parser, the charts
Vega draws from the server's spec, the table's order and the CSV a user downloads."""

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


BARS = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "bar",
        "data": {"values": [{"city": "Paris", "stores": 2}, {"city": "Lyon", "stores": 1}]},
        "encoding": {"x": {"field": "city", "type": "nominal", "sort": "-y"},
                     "y": {"field": "stores", "type": "quantitative"}}}


def csp_violations(page):
    """Every Content-Security-Policy refusal the page meets from now on, as the console tells it."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)) if "unsafe-eval" in str(e) or "Content Security" in str(e)
            else None)
    return seen


def test_a_bar_spec_is_drawn_as_svg_by_vega_under_the_pages_csp(page, url):
    violations = csp_violations(page)
    drawn = run(page, url, "chart.js", f"""
        const holder = m.renderChart({BARS!r});
        document.body.append(holder);
        const ended = () => holder.dataset.drawn || holder.dataset.failed;
        await new Promise((ok) => {{ const wait = () => ended() ? ok() : setTimeout(wait, 50); wait(); }});
        return [holder.dataset.drawn, holder.querySelectorAll("svg path.mark-rect, svg .mark-rect path").length,
                [...holder.querySelectorAll("select.chart-type option")].map((o) => o.value),
                holder.querySelector("svg")?.getAttribute("aria-label"),
                holder.querySelector(".chart-status").textContent];""")
    assert violations == []
    assert drawn[0] == "bar" and drawn[1] >= 2
    assert drawn[2] == ["bar", "point"]  # no line through unordered labels
    assert drawn[3] == "Bar chart of stores by city" and drawn[4] == ""


def test_the_marks_a_spec_allows_and_the_figure_of_one_number(page, url):
    found = run(page, url, "chart.js", """
        const enc = (xt) => ({x: {field: "a", type: xt}, y: {field: "b", type: "quantitative"}});
        const figure = m.renderChart({mark: {type: "text"}, data: {values: [{total: 12345.678}]},
            encoding: {text: {field: "total"}}});
        return [m.markChoices({encoding: enc("temporal")}), m.markChoices({encoding: enc("quantitative")}),
                m.markChoices({encoding: enc("ordinal")}), figure.firstChild.textContent,
                m.renderChart({mark: "arc", data: {values: [{a: 1}]}, encoding: {theta: {field: "a"}}}),
                m.drawnSpec(""" + repr(BARS) + """, "line").mark];""")
    assert found[0] == found[2] == ["bar", "line", "point"] and found[1] == ["line", "point"]
    assert found[3].replace(",", "").startswith("12345.68")
    assert found[4] is None
    assert found[5] == {"type": "line", "tooltip": True, "point": True}


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


def test_rows_sort_numbers_as_numbers_text_as_a_reader_counts_and_nulls_last_both_ways(page, url):
    orders = run(page, url, "table.js", """
        const rows = [[10, "item 10"], [null, null], [2, "item 2"], [-1, "Item 1"]];
        return [m.sortRows(rows, 0, "ascending"), m.sortRows(rows, 0, "descending"),
                m.sortRows(rows, 1, "ascending").map((r) => r[1])];""")
    assert orders[0] == [[-1, "Item 1"], [2, "item 2"], [10, "item 10"], [None, None]]
    assert orders[1] == [[10, "item 10"], [2, "item 2"], [-1, "Item 1"], [None, None]]
    assert orders[2] == ["Item 1", "item 2", "item 10", None]
