"""The chat page in a real browser against the real API over real SQLite files;
the model is scripted at the LLM interface (the real model drives the same page
in tests/e2e/test_stack.py)."""

import json
import sqlite3

import pytest

from server.app import create_app
from tests.assistant.diagnosis.shop import build_sqlite
from tests.support.helpers import city_db, serve_app

STORES_BY_CITY = ("SELECT c.name AS city, COUNT(*) AS stores FROM store s JOIN city c ON c.id = s.city_id "
                  "GROUP BY c.name ORDER BY stores DESC")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui")
    path = city_db(folder)
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE store (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id), name TEXT);"
                          "INSERT INTO store VALUES (1, 1, 'A'), (2, 1, 'B'), (3, 2, 'C');")
    return path


@pytest.fixture(scope="module")
def big_shop(tmp_path_factory):
    return build_sqlite(tmp_path_factory.mktemp("ui-diagnose") / "shop.sqlite")


@pytest.fixture(scope="module")
def url(settings, llm, shop, big_shop):
    app = create_app(settings, llm=llm)
    # Registered directly; adding one through the page's dialog is tested below.
    app.state.services.databases.registry.add("shop", f"sqlite:///{shop}")
    app.state.services.databases.registry.add("diag", f"sqlite:///{big_shop}")
    with serve_app(app) as base:
        yield base


@pytest.fixture(autouse=True)
def model_up(llm):
    llm.available, llm.replies = True, []
    yield


def add_database(page, name, db_url):
    page.click("#add-database")
    page.fill("input[name=name]", name)
    page.fill("input[name=url]", db_url)
    page.click("#database-form button[type=submit]")


def ask(page, text):
    page.fill("#input", text)
    page.keyboard.press("Enter")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    return page.locator("article.turn").last


def chart_marks(turn):
    """The bars or points Vega drew of a turn's chart, once it is drawn."""
    turn.locator("figure.chart[data-drawn] svg").wait_for(timeout=20_000)
    return turn.locator("figure.chart svg .role-mark path")


def table_rows(turn):
    return [[td.inner_text() for td in tr.locator("td").all()] for tr in turn.locator("tbody tr").all()]


def test_the_page_adds_a_database_then_answers_with_sql_rows_and_a_chart(page, url, llm, shop):
    page.goto(url)
    add_database(page, "mine", f"sqlite:///{shop}")
    page.wait_for_selector("#database option[value=mine]", state="attached")
    assert page.locator("#database").input_value() == "mine"
    llm.reply = json.dumps({"explanation": "stores per city", "sql": STORES_BY_CITY})

    turn = ask(page, "How many stores does each city have?")

    assert turn.locator("textarea.sql").input_value() == STORES_BY_CITY
    with sqlite3.connect(shop) as con:
        expected = [[str(v) for v in row] for row in con.execute(STORES_BY_CITY)]
    assert table_rows(turn) == expected
    assert turn.locator(".badge.skill").text_content() == "Data"
    bars = chart_marks(turn)
    assert bars.count() == 2
    bars.first.hover()
    tooltip = page.locator("#vg-tooltip-element.visible")
    tooltip.wait_for()
    assert "Paris" in tooltip.inner_text() and "2" in tooltip.inner_text()
    summary = turn.locator(".summary").inner_text()
    assert "city" in summary and "store" in summary
    assert "(confident)" in summary  # the answer says in words how far to trust it


def test_a_doubt_the_model_kept_its_query_through_is_shown_beside_the_sql(page, url, llm):
    page.goto(url)
    page.wait_for_selector("#database option[value=shop]", state="attached")
    page.select_option("#database", "shop")
    # The join condition never reads store: every city pairs with every store.
    llm.reply = json.dumps({"sql": "SELECT COUNT(store.name) FROM city JOIN store ON city.id > 0"})
    turn = ask(page, "How many cities are there?")
    warning = turn.locator(".warnings li")
    assert warning.count() == 1 and "never mentions store" in warning.inner_text()
    assert table_rows(turn) == [["6"]]
    assert "(likely wrong: check the SQL)" in turn.locator(".summary").inner_text()  # a join that pairs every row


def test_edited_sql_runs_read_only_and_a_write_is_refused_with_its_rule(page, url, llm, shop):
    page.goto(url)
    page.wait_for_selector("#database option[value=shop]", state="attached")
    page.select_option("#database", "shop")
    llm.reply = json.dumps({"sql": "SELECT name FROM city ORDER BY id"})
    turn = ask(page, "city names")
    assert table_rows(turn) == [["Paris"], ["Lyon"]]

    turn.locator("textarea.sql").fill("DELETE FROM city")
    turn.locator("button.run").click()
    error = turn.locator(".error")
    error.wait_for()
    assert "rule:" in error.inner_text()
    with sqlite3.connect(shop) as con:
        assert con.execute("SELECT COUNT(*) FROM city").fetchone() == (2,)

    turn.locator("textarea.sql").fill("SELECT name FROM city ORDER BY name")
    turn.locator("button.run").click()
    turn.locator("tbody tr").first.wait_for()
    assert table_rows(turn) == [["Lyon"], ["Paris"]]


def test_a_bad_connection_is_explained_in_the_dialog_and_nothing_is_saved(page, url):
    page.goto(url)
    add_database(page, "broken", "sqlite:////no/such/folder/x.sqlite")
    message = page.locator("#database-error")
    message.wait_for()
    assert message.inner_text().strip()
    assert page.locator("#database-dialog").get_attribute("open") is not None
    assert page.locator("#database option[value=broken]").count() == 0


def test_diagnosis_shows_the_located_error_and_verified_advice(page, url, llm):
    page.goto(url)
    page.wait_for_selector("#database option[value=diag]", state="attached")
    page.select_option("#database", "diag")
    llm.reply = json.dumps({"summary": "One column name is wrong.", "rewrites": []})

    turn = ask(page, "SELECT id, nme\nFROM customers\nWHERE city = 'Paris'")

    error = turn.locator(".finding.error").first
    assert "nme" in error.inner_text() and "line 1" in error.inner_text()
    assert "One column name is wrong." in turn.locator(".summary-text").inner_text()


def test_a_stopped_worker_is_an_error_on_the_page_and_the_next_question_works(page, url, llm):
    page.goto(url)
    page.wait_for_selector("#database option[value=shop]", state="attached")
    page.select_option("#database", "shop")
    llm.available = False
    turn = ask(page, "city names")
    assert "no worker" in turn.locator(".error").inner_text()

    llm.available = True
    llm.reply = json.dumps({"sql": "SELECT name FROM city ORDER BY id"})
    turn = ask(page, "city names")
    assert table_rows(turn) == [["Paris"], ["Lyon"]]
