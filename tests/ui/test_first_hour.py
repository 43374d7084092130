"""What a user meets in a first hour with the chat page, in a real browser
against the real API over real SQLite files; the model is scripted at the LLM
interface and may be made slow, as a real one on a CPU is."""

import asyncio
import json
import time

import pytest

from server.api.diagnose import MAX_SQL_CHARS
from server.api.schemas import MAX_QUESTION_CHARS
from server.app import create_app
from tests.server.conftest import ScriptedLLM
from tests.support.helpers import serve_app
from tests.ui.test_chat_page import STORES_BY_CITY, ask, chart_marks, shop, table_rows  # noqa: F401


class PacedLLM(ScriptedLLM):
    """Takes `delay` seconds over each answer; counts the answers cut short."""

    def __init__(self):
        super().__init__()
        self.delay = 0.0
        self.cut_short = 0

    async def generate(self, request):
        is_route = ((request.response_format or {}).get("json_schema") or {}).get("name") == "route"
        try:
            await asyncio.sleep(0 if is_route else self.delay)  # choosing the skill is quick
        except asyncio.CancelledError:
            self.cut_short += 1
            raise
        return await super().generate(request)


@pytest.fixture(scope="module")
def llm():
    return PacedLLM()


@pytest.fixture(scope="module")
def app(settings, llm, shop):
    app = create_app(settings, llm=llm)
    app.state.services.databases.registry.add("shop", f"sqlite:///{shop}")
    return app


@pytest.fixture(scope="module")
def url(app):
    with serve_app(app) as base:
        yield base


@pytest.fixture(autouse=True)
def model_up(llm):
    llm.available, llm.replies, llm.delay = True, [], 0.0
    yield


def open_shop(page, url):
    page.goto(url)
    page.wait_for_selector("#database option[value=shop]", state="attached")
    page.select_option("#database", "shop")


def sse_done(body: str) -> dict:
    block = [b for b in body.split("\n\n") if b.startswith("event: done")][-1]
    return json.loads(block.split("\ndata: ", 1)[1])


def test_earlier_answers_keep_their_whole_table_as_more_arrive(page, url, llm):
    open_shop(page, url)
    llm.reply = json.dumps({"sql": STORES_BY_CITY})
    for _ in range(3):
        ask(page, "How many stores does each city have?")
    turns = page.locator("article.turn")
    assert turns.count() == 3
    for i in range(3):
        turn = turns.nth(i)
        scroll, client = turn.evaluate("card => [card.scrollHeight, card.clientHeight]")
        assert scroll <= client + 1, f"answer {i + 1} is squeezed into {client}px and scrolls its {scroll}px inside"
        row = turn.locator("tbody tr").first.bounding_box()["height"]
        assert turn.locator("table").bounding_box()["height"] > 2 * row
        assert turn.evaluate("card => card.getBoundingClientRect().height") > 200


def test_the_time_shown_is_the_servers_total_once(page, url, llm):
    open_shop(page, url)
    llm.reply = json.dumps({"sql": STORES_BY_CITY})
    llm.delay = 0.7  # the model takes most of the answer's time, as it does
    with page.expect_response("**/api/v1/chat") as streamed:
        turn = ask(page, "How many stores does each city have?")
    total = sse_done(streamed.value.text())["timings"]["total"]
    assert total >= 0.7
    expected = page.evaluate("async (t) => (await import('/ui/js/dom.js')).seconds(t)", total)
    summary = turn.locator(".summary").inner_text().split(" · ")
    assert summary[0] == expected
    assert "tables: store, city" in summary


def test_run_replaces_the_chart_and_shows_an_error_under_the_editor(page, url, llm):
    open_shop(page, url)
    llm.reply = json.dumps({"sql": STORES_BY_CITY})
    turn = ask(page, "How many stores does each city have?")
    chart_marks(turn)
    editor, run = turn.locator("textarea.sql"), turn.locator("button.run")

    editor.fill("SELECT name AS town FROM city ORDER BY id")
    run.click()
    turn.locator("th", has_text="town").wait_for()
    assert turn.locator("figure.chart").count() == 0, "a chart of the earlier SQL stayed beside rows it does not show"

    editor.fill(STORES_BY_CITY.replace("COUNT(*)", "COUNT(*) * 10"))
    run.click()
    turn.locator("td", has_text="20").wait_for()
    assert chart_marks(turn).count() == 2
    assert turn.locator("figure.chart").count() == 1

    editor.evaluate("e => e.scrollIntoView({ block: 'start' })")
    editor.fill("SELECT nope FROM city")
    run.click()
    error = turn.locator(".sql-block .error")
    error.wait_for()
    assert "nope" in error.inner_text()
    assert turn.locator("figure.chart").count() == 0 and turn.locator("tbody tr").count() == 0
    page.wait_for_function("""(box) => { const r = box.getBoundingClientRect();
        const log = document.getElementById('log').getBoundingClientRect();
        return r.top >= log.top && r.bottom <= log.bottom; }""", arg=error.element_handle(), timeout=5000)


def test_the_box_takes_what_the_server_takes_and_says_when_it_is_near_the_limit(page, url, llm):
    open_shop(page, url)
    box = page.locator("#input")
    # As much as the server takes: SQL to diagnose, up to the diagnosis route's own cap.
    assert box.evaluate("b => b.maxLength") == MAX_SQL_CHARS
    box.fill("x" * (MAX_SQL_CHARS + 500))  # typed or pasted, the box stops at the limit
    assert len(box.input_value()) == MAX_SQL_CHARS
    assert f"{MAX_SQL_CHARS:,}" in page.locator("#length").inner_text()
    box.fill("x" * (MAX_QUESTION_CHARS + 10))
    assert "only SQL to diagnose" in page.locator("#length").inner_text()
    assert f"{MAX_QUESTION_CHARS:,}" in page.locator("#length").inner_text()
    box.fill("x" * (MAX_QUESTION_CHARS - 500))
    assert page.locator("#length").inner_text() == ""


def test_long_sql_is_diagnosed_and_a_long_question_is_refused_with_the_servers_reason(page, url, llm):
    open_shop(page, url)
    long_sql = "SELECT name, " + ", ".join(f"{i} AS c{i}" for i in range(600)) + " FROM city"
    assert len(long_sql) > MAX_QUESTION_CHARS
    llm.replies = [json.dumps({"summary": "It reads every city once.", "rewrites": []})]
    turn = ask(page, long_sql)
    assert turn.locator(".badge.skill").text_content() == "Diagnosis"
    assert turn.locator("pre.sql.diagnosed").inner_text() == long_sql
    refused = ask(page, "Which cities have stores? " * 100)
    assert "at most 2,000" in refused.locator(".error").inner_text()


def test_no_progress_line_stays_above_an_error(page, url, llm):
    open_shop(page, url)
    llm.available = False
    turn = ask(page, "city names")
    assert "no worker" in turn.locator(".error").inner_text()
    assert turn.locator(".stages:visible").count() == 0


def test_a_refused_request_leaves_no_progress_line(page, url, app, shop):
    databases = app.state.services.databases
    databases.registry.add("brief", f"sqlite:///{shop}")
    page.goto(url)
    page.wait_for_selector("#database option[value=brief]", state="attached")
    page.select_option("#database", "brief")
    databases.registry.remove("brief")  # gone before the question: a 404, not a stream
    databases.forget("brief")
    turn = ask(page, "city names")
    assert "unknown database 'brief'" in turn.locator(".error").inner_text()
    assert turn.locator(".stages").count() == 0 and "Reading the schema" not in turn.inner_text()


def test_stop_ends_the_answer_on_the_server_too(page, url, llm):
    open_shop(page, url)
    llm.reply = json.dumps({"sql": "SELECT name FROM city ORDER BY id"})
    llm.delay = 30
    page.fill("#input", "city names")
    page.keyboard.press("Enter")
    page.wait_for_function("() => /link/.test(document.querySelector('article.turn .stages')?.textContent || '')")
    page.click("#stop")
    turn = page.locator("article.turn").last
    turn.locator("text=Stopped.").wait_for()
    assert turn.locator(".stages").count() == 0
    deadline = time.monotonic() + 5
    while llm.cut_short == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert llm.cut_short == 1, "the model went on answering a question the user stopped"

    llm.delay = 0
    assert table_rows(ask(page, "city names")) == [["Paris"], ["Lyon"]]


def test_a_csv_download_has_the_numbers_the_table_shows_and_no_formulas(page, url, llm, tmp_path):
    open_shop(page, url)
    # 3.3000000000000003 and 0.30000000000000004 as the database sends them
    llm.reply = json.dumps({"sql": "SELECT '=1+2' AS note, 1.1 * 3 AS total, 0.1 + 0.2 AS share"})
    turn = ask(page, "store totals")
    assert table_rows(turn) == [["=1+2", "3.3", "0.3"]]
    with page.expect_download() as download:
        turn.locator("button", has_text="CSV").click()
    path = tmp_path / "result.csv"
    download.value.save_as(path)
    assert path.read_bytes().decode() == "note,total,share\r\n'=1+2,3.3,0.3\r\n"


def test_the_empty_page_offers_questions_from_the_schema_and_one_click_asks(page, url, llm):
    open_shop(page, url)
    starters = page.locator("#starters[data-db=shop] button")
    starters.first.wait_for()
    questions = starters.all_inner_texts()
    assert 3 <= len(questions) <= 5 and questions[0] == "How many stores are there?"
    llm.reply = json.dumps({"sql": "SELECT COUNT(*) AS stores FROM store"})
    starters.first.click()
    page.wait_for_selector("#send:not([disabled])")
    assert page.locator(".you p").last.inner_text() == "How many stores are there?"
    assert table_rows(page.locator("article.turn").last) == [["3"]]
    assert page.locator("#starters").count() == 0


EXAMPLES = "/api/v1/knowledge/examples"


def test_verified_examples_are_listed_searched_and_deleted_after_a_confirmation(page, url):
    for question, sql in [("How many stores?", "SELECT COUNT(*) FROM store"),
                          ("Stores in Paris", "SELECT s.name FROM store s JOIN city c ON c.id = s.city_id "
                                              "WHERE c.name = 'Paris'")]:
        added = page.request.post(url + EXAMPLES, data={"db": "shop", "question": question, "sql": sql})
        assert added.status == 201, added.text()
    open_shop(page, url)
    page.click("#examples")
    dialog = page.locator("#examples-dialog")
    rows = dialog.locator("#examples-list tr")
    rows.first.wait_for()
    assert "shop" in dialog.locator("h2").inner_text() and rows.count() == 2
    first = rows.first.inner_text()
    assert "How many stores?" in first and "SELECT COUNT(*) FROM store" in first and "admin" in first
    assert str(page.evaluate("new Date().getFullYear()")) in first  # when it was added

    page.fill("#examples-search", "paris")
    page.wait_for_function("() => document.querySelectorAll('#examples-list tr').length === 1")
    assert "Stores in Paris" in rows.first.inner_text()

    page.once("dialog", lambda confirm: confirm.dismiss())
    rows.first.locator("button", has_text="Delete").click()
    page.wait_for_timeout(300)
    assert rows.count() == 1, "deleted without the user's confirmation"
    asked = []
    page.once("dialog", lambda confirm: asked.append(confirm.message) or confirm.accept())
    rows.first.locator("button", has_text="Delete").click()
    page.wait_for_function("() => document.querySelectorAll('#examples-list tr').length === 0")
    assert "Stores in Paris" in asked[0]
    assert "No example" in page.locator("#examples-status").inner_text()
    left = page.request.get(url + EXAMPLES + "?db=shop").json()
    assert [e["question"] for e in left] == ["How many stores?"]


def test_a_confirmed_answer_with_no_rows_is_not_saved_and_the_page_says_why(page, url, llm):
    open_shop(page, url)
    llm.reply = json.dumps({"sql": "SELECT name FROM city WHERE name = 'Rome'"})
    turn = ask(page, "Cities called Rome")
    turn.locator("button", has_text="Correct").click()
    note = turn.locator(".feedback .muted")
    page.wait_for_function("(n) => n.textContent.length > 0", arg=note.element_handle())
    assert "Not saved" in note.inner_text() and "no rows" in note.inner_text()
