"""Asking the documents from the page: the answer streams in, then its
citations, over a real knowledge space of SQLite's own documentation; the model
is scripted at the LLM interface."""

from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.ui.documents import documents_page

llm, settings, signed_in, url = documents_page(
    "sqlite", "SQLite documentation", lambda: [sqlite_docs() / name for name in ("lang_vacuum.html", "autoinc.html")])


def ask(page, text):
    page.fill("#input", text)
    page.click("#send")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    return page.locator("article.turn").last


def test_an_answer_streams_in_with_its_citation(page, url, llm):
    page.goto(url)
    page.wait_for_selector("#space option[value=sqlite]", state="attached")
    page.select_option("#space", "sqlite")
    page.click("[data-mode=qa]")
    llm.cite_title = "SQLite Autoincrement"
    llm.answer = "With AUTOINCREMENT, rows get ROWIDs that have never been used before by the same table."

    turn = ask(page, "Can ROWIDs of deleted rows be reused with AUTOINCREMENT?")

    assert turn.locator(".answer").inner_text() == llm.answer
    citation = turn.locator(".citations li").first
    assert "SQLite Autoincrement" in citation.inner_text() and "autoinc.html" in citation.inner_text()


def test_a_question_the_documents_do_not_answer_says_so(page, url, llm):
    page.goto(url)
    page.click("[data-mode=qa]")
    turn = ask(page, "Who won the 1998 football world cup?")
    assert turn.locator(".answer.unanswerable").count() == 1
    assert turn.locator(".citations li").count() == 0
