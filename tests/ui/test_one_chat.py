"""One chat on the page, in a real browser against the real API over a real SQLite file
and a real knowledge space: each message routed to a skill and shown with it, the
conversations in the sidebar and after a reload, the result table's order, pages and
downloads, the keyboard, a narrow window, and axe-core's accessibility checks. The
model is scripted at the LLM interface: the router's request is answered with `route`,
the others with `next` (or as a careful document model would, when it is None)."""

import json
from pathlib import Path

import openpyxl
import pytest

from knowledge.service import Knowledge
from server.app import create_app
from tests.assistant.qa.scripted import ScriptedLLM as DocsLLM
from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.support.helpers import serve_app
from tests.ui.test_chat_page import STORES_BY_CITY, ask, chart_marks, shop, table_rows  # noqa: F401
from tests.ui.test_first_hour import open_shop

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
PARIS_STORES = "SELECT s.name FROM store s JOIN city c ON c.id = s.city_id WHERE c.name = 'Paris' ORDER BY s.name"
SIXTY = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60) "
         "SELECT i AS n, 'item ' || i AS label FROM n")


class ChatLLM(DocsLLM):
    def __init__(self):
        super().__init__()
        self.route = "sql"
        self.next: str | None = None
        self.available = True

    def reply(self, request):
        if ((request.response_format or {}).get("json_schema") or {}).get("name") == "route":
            return json.dumps({"skill": self.route})
        return self.next if self.next is not None else super().reply(request)

    def answered(self) -> list:
        """The requests that were not the router's."""
        return [r for r in self.requests
                if ((r.response_format or {}).get("json_schema") or {}).get("name") != "route"]


@pytest.fixture(scope="module")
def llm():
    return ChatLLM()


@pytest.fixture(scope="module")
def url(settings, llm, shop, embedder):
    knowledge = Knowledge(settings, embedder=embedder)
    knowledge.documents.create("sqlite", "SQLite documentation")
    assert knowledge.documents.add_file("sqlite", sqlite_docs() / "lang_vacuum.html").state == "added"
    app = create_app(settings, llm=llm, knowledge=knowledge)
    app.state.services.databases.registry.add("shop", f"sqlite:///{shop}")
    with serve_app(app) as base:
        yield base


@pytest.fixture(autouse=True)
def fresh(llm, url, page, signed_in):
    llm.route, llm.next, llm.cite_title = "sql", None, None
    # Each test starts with no conversations.
    for conversation in page.request.get(url + "/api/v1/conversations").json():
        page.request.delete(f"{url}/api/v1/conversations/{conversation['id']}")
    yield


@pytest.fixture
def csp(page):
    """The Content-Security-Policy refusals the console reports while the test runs."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def skills(page):
    return [badge.text_content() for badge in page.locator("article.turn .badge.skill").all()]


def sidebar_titles(page):
    return page.locator("#conversation-list .open").all_inner_texts()


def test_data_question_follow_up_diagnosis_and_documents_in_one_conversation_that_a_reload_keeps(
        page, url, llm, csp):
    open_shop(page, url)
    llm.next = json.dumps({"sql": STORES_BY_CITY, "explanation": "Stores per city."})
    first = ask(page, "How many stores does each city have?")
    assert table_rows(first) == [["Paris", "2"], ["Lyon", "1"]]
    assert chart_marks(first).count() == 2
    assert first.locator(".reason").inner_text()  # why the router chose it

    llm.next = json.dumps({"sql": PARIS_STORES})
    follow_up = ask(page, "Which ones are in Paris?")
    assert table_rows(follow_up) == [["A"], ["B"]]
    # The follow-up was written knowing the first question.
    assert "How many stores does each city have?" in json.dumps(llm.answered()[-1].messages)

    llm.next = json.dumps({"summary": "The join reads every store once; fine at this size.", "rewrites": []})
    diagnosis = ask(page, "Why is this query so slow?")  # a rule: the previous answer's SQL, no model
    assert diagnosis.locator("pre.sql.diagnosed").inner_text() == PARIS_STORES
    assert "reads every store" in diagnosis.locator(".summary-text").inner_text()

    llm.route, llm.next, llm.cite_title = "docs", None, "VACUUM"
    docs = ask(page, "What does VACUUM do to the database file?")
    assert docs.locator(".answer").inner_text() == llm.answer
    assert "lang_vacuum.html" in docs.locator(".citations li").first.inner_text()

    assert skills(page) == ["Data", "Data", "Diagnosis", "Documents"]
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 1")
    assert sidebar_titles(page) == ["How many stores does each city have?"]

    page.reload()
    page.wait_for_function("() => document.querySelectorAll('article.turn').length === 4")
    assert skills(page) == ["Data", "Data", "Diagnosis", "Documents"]
    turns = page.locator("article.turn")
    assert turns.first.locator("textarea.sql").input_value() == STORES_BY_CITY
    assert table_rows(turns.first) == [["Paris", "2"], ["Lyon", "1"]]
    assert chart_marks(turns.first).count() == 2
    assert turns.nth(2).locator("pre.sql.diagnosed").inner_text() == PARIS_STORES
    assert turns.nth(3).locator(".answer").inner_text() == llm.answer
    assert page.locator("#conversation-list li.current .open").inner_text() == "How many stores does each city have?"
    assert [y.inner_text() for y in page.locator(".you p").all()][-1] == "What does VACUUM do to the database file?"

    # The route was wrong: one click asks the same message of another skill, in the same conversation.
    llm.next = json.dumps({"sql": "SELECT COUNT(*) AS stores FROM store"})
    turns.last.locator(".rerun button[data-skill=sql]").click()
    page.wait_for_function("() => document.querySelectorAll('article.turn').length === 5")
    page.wait_for_selector("#send:not([disabled])")
    rerun = turns.last
    assert rerun.locator(".badge.skill").text_content() == "Data"
    assert rerun.locator(".reason").inner_text() == "the caller chose it"
    assert table_rows(rerun) == [["3"]], rerun.inner_text()
    detail = page.request.get(url + "/api/v1/conversations").json()
    assert len(detail) == 1 and detail[0]["turns"] == 5
    assert csp == []


def chat_stream(page, url, message):
    """A conversation started through the API (a catalog answer: no model)."""
    answered = page.request.post(url + "/api/v1/chat", data={"message": message, "db": "shop"})
    assert answered.ok, answered.text()


def test_the_sidebar_opens_searches_renames_and_deletes_conversations(page, url):
    chat_stream(page, url, "/schema which tables are there")
    chat_stream(page, url, "/schema how do store and city join")
    open_shop(page, url)
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 2")
    assert sidebar_titles(page) == ["how do store and city join", "which tables are there"]  # newest first

    page.locator("#conversation-list .open", has_text="which tables").click()
    page.wait_for_selector("article.turn")
    assert skills(page) == ["Schema"]
    assert "store" in page.locator("article.turn .answer").inner_text()
    assert "#c=" in page.url

    page.fill("#conversation-search", "join")
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 1")
    page.once("dialog", lambda prompt: prompt.accept("Joins of the shop"))
    page.locator("#conversation-list .rename").click()
    page.wait_for_function("() => document.querySelector('#conversation-list .open')?.textContent"
                           " === 'Joins of the shop'")

    page.fill("#conversation-search", "")
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 2")
    current = page.locator("#conversation-list li.current")
    page.once("dialog", lambda confirm: confirm.dismiss())
    current.locator(".delete").click()
    page.wait_for_timeout(300)
    assert len(sidebar_titles(page)) == 2, "deleted without the user's confirmation"
    page.once("dialog", lambda confirm: confirm.accept())
    current.locator(".delete").click()
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 1")
    assert sidebar_titles(page) == ["Joins of the shop"]
    assert page.locator("article.turn").count() == 0 and "#c=" not in page.url  # the open one was deleted

    page.click("#new-conversation")
    assert page.locator("#input").evaluate("box => box === document.activeElement")


def test_enter_sends_shift_enter_breaks_the_line_and_up_brings_back_the_last_message(page, url):
    open_shop(page, url)
    box = page.locator("#input")
    box.click()
    page.keyboard.type("which tables are there?")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("and their columns")
    assert box.input_value() == "which tables are there?\nand their columns"
    assert page.locator("article.turn").count() == 0
    page.keyboard.press("Enter")
    page.wait_for_selector("#send:not([disabled])")
    assert page.locator(".you p").last.inner_text() == "which tables are there?\nand their columns"
    assert box.input_value() == ""
    page.keyboard.press("ArrowUp")
    assert box.input_value() == "which tables are there?\nand their columns"
    page.keyboard.type("!")
    assert box.input_value().endswith("columns!")


def saved(download, folder):
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def test_a_long_result_sorts_by_a_column_pages_and_downloads_as_csv_and_xlsx(page, url, llm, tmp_path):
    open_shop(page, url)
    llm.next = json.dumps({"sql": SIXTY})
    turn = ask(page, "/sql sixty items")  # nothing of the shop is named: the command picks the skill
    assert turn.locator(".row-count").inner_text() == "60 rows"
    assert turn.locator("tbody tr").count() == 25 and table_rows(turn)[0] == ["1", "item 1"]
    assert turn.locator(".page-of").inner_text() == "Page 1 of 3"
    turn.locator(".pager button", has_text="Next").click()
    assert table_rows(turn)[0] == ["26", "item 26"] and turn.locator(".page-of").inner_text() == "Page 2 of 3"

    header = turn.locator("th", has_text="n").first
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending" and table_rows(turn)[0] == ["1", "item 1"]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert table_rows(turn)[0] == ["60", "item 60"] and turn.locator(".page-of").inner_text() == "Page 1 of 3"
    label = turn.locator("th", has_text="label")
    label.locator("button").click()  # "item 2" before "item 10", as a reader counts
    assert [r[1] for r in table_rows(turn)[:3]] == ["item 1", "item 2", "item 3"]
    label.locator("button").click()

    with page.expect_download() as csv:
        turn.locator(".result-head button", has_text="CSV").click()
    lines = Path(csv.value.path()).read_bytes().decode().split("\r\n")
    assert csv.value.suggested_filename == "result.csv"
    assert lines[:3] == ["n,label", "60,item 60", "59,item 59"] and len(lines) == 62  # all rows, as sorted

    with page.expect_download() as xlsx:
        turn.locator(".result-head button", has_text="XLSX").click()
    assert xlsx.value.suggested_filename == "result.xlsx"
    sheet = openpyxl.load_workbook(saved(xlsx, tmp_path)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[:2] == [("n", "label"), (60, "item 60")] and len(rows) == 61


def test_a_formula_in_a_cell_stays_text_in_the_xlsx(page, url, llm, tmp_path):
    open_shop(page, url)
    llm.next = json.dumps({"sql": "SELECT '=1+2' AS note, 1.1 * 3 AS total"})
    turn = ask(page, "store totals")
    with page.expect_download() as xlsx:
        turn.locator(".result-head button", has_text="XLSX").click()
    cell, total = list(openpyxl.load_workbook(saved(xlsx, tmp_path)).active.iter_rows(min_row=2))[0]
    assert cell.value == "=1+2" and cell.data_type == "s"  # text, not a formula
    assert total.value == 3.3


def test_the_chart_switches_mark_and_downloads_png_and_svg(page, url, llm, csp):
    open_shop(page, url)
    llm.next = json.dumps({"sql": STORES_BY_CITY})
    turn = ask(page, "How many stores does each city have?")
    assert chart_marks(turn).count() == 2
    picker = turn.locator("select.chart-type")
    assert picker.locator("option").all_inner_texts() == ["Bar", "Points"]
    picker.select_option("point")
    turn.locator("figure.chart[data-drawn=point]").wait_for()
    assert turn.locator("figure.chart svg .mark-symbol path").count() == 2
    with page.expect_download() as svg:
        turn.locator(".chart-actions button", has_text="SVG").click()
    assert Path(svg.value.path()).read_text().startswith("<svg")
    with page.expect_download() as png:
        turn.locator(".chart-actions button", has_text="PNG").click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csp == []


def test_a_narrow_window_keeps_the_page_in_its_width_and_the_sidebar_over_the_chat(page, url, llm):
    page.set_viewport_size({"width": 400, "height": 800})
    open_shop(page, url)
    assert page.locator("#sidebar").is_hidden()
    llm.next = json.dumps({"sql": STORES_BY_CITY})
    ask(page, "How many stores does each city have?")
    chart_marks(page.locator("article.turn").last)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.click("#toggle-sidebar")
    assert page.locator("#sidebar").is_visible()
    assert page.locator("#toggle-sidebar").get_attribute("aria-expanded") == "true"
    page.locator("#conversation-list .open").first.click()
    page.wait_for_selector("#sidebar", state="hidden")  # opening one shows the chat


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text())  # run by the browser's debugger: the page's own CSP is untouched
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .filter((v) => ["serious", "critical"].includes(v.impact))
        .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)""")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_empty_with_an_answer_and_with_the_sidebar(page, url, llm, scheme):
    page.emulate_media(color_scheme=scheme)
    open_shop(page, url)
    page.locator("#starters button").first.wait_for()
    assert axe_violations(page) == []

    llm.next = json.dumps({"sql": STORES_BY_CITY, "explanation": "Stores per city."})
    chart_marks(ask(page, "How many stores does each city have?"))
    page.wait_for_function("() => document.querySelectorAll('#conversation-list li').length === 1")
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 400, "height": 800})
    page.click("#toggle-sidebar")
    page.wait_for_selector("#sidebar", state="visible")
    assert axe_violations(page) == []
