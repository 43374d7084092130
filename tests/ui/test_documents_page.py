"""Asking the documents from the page: the answer streams in, then its
citations, over a real knowledge space of SQLite's own documentation; the model
is scripted at the LLM interface."""

from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.ui.documents import documents_page

llm, settings, signed_in, url = documents_page(
    "sqlite", "SQLite documentation", lambda: [sqlite_docs() / name for name in ("lang_vacuum.html", "autoinc.html")])


def ask(page, text):
    page.fill("#input", f"/docs {text}")  # the command names the skill: no routing by the model
    page.click("#send")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    return page.locator("article.turn").last


def test_an_answer_streams_in_with_its_citation(page, url, llm):
    page.goto(url)
    page.wait_for_selector("#space option[value=sqlite]", state="attached")
    page.select_option("#space", "sqlite")
    llm.cite_title = "SQLite Autoincrement"
    llm.answer = "With AUTOINCREMENT, rows get ROWIDs that have never been used before by the same table."

    turn = ask(page, "Can ROWIDs of deleted rows be reused with AUTOINCREMENT?")

    assert turn.locator(".answer").inner_text() == llm.answer
    citation = turn.locator(".citations li").first
    assert "SQLite Autoincrement" in citation.inner_text() and "autoinc.html" in citation.inner_text()


def test_a_question_the_documents_do_not_answer_says_so(page, url, llm):
    page.goto(url)
    turn = ask(page, "Who won the 1998 football world cup?")
    assert turn.locator(".answer.unanswerable").count() == 1
    assert turn.locator(".citations li").count() == 0


def add_documents(page, url, space, files):
    page.goto(url)
    page.click("#add-documents")
    page.fill("#documents-dialog input[name=space]", space)
    page.set_input_files("#documents-files", files=[
        {"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files])
    page.click("#documents-upload")


def test_documents_are_added_from_the_page_into_a_new_space(page, url):
    add_documents(page, url, "runbooks", [
        ("failover.md", b"# Failover\nPromote the replica with pg_ctl promote, then repoint the app.\n"),
        ("backups.txt", b"The nightly backup runs at 02:00 and is kept for 14 days.")])
    page.wait_for_selector("#documents-dialog", state="hidden", timeout=60_000)
    assert page.input_value("#space") == "runbooks"  # the new space is listed and chosen
    documents = page.request.get(url + "/api/v1/knowledge/spaces/runbooks/documents").json()
    assert sorted((d["path"].rsplit("/", 1)[-1], d["state"]) for d in documents) == [
        ("backups.txt", "indexed"), ("failover.md", "indexed")]


def test_an_archive_is_refused_in_the_dialog_and_nothing_is_added(page, url):
    add_documents(page, url, "archives", [("notes.md", b"# Notes\n"), ("docs.zip", b"PK\x03\x04" + b"\x00" * 100)])
    error = page.locator("#documents-error")
    error.wait_for(state="visible", timeout=30_000)
    assert "archive" in error.inner_text() and page.locator("#documents-dialog").is_visible()
    assert page.request.get(url + "/api/v1/knowledge/spaces/archives/documents").json() == []


def test_a_file_that_cannot_be_read_is_named_with_its_reason(page, url):
    add_documents(page, url, "broken", [("report.pdf", b"%PDF-1.4 not really"), ("ok.md", b"# Fine\nAll good.\n")])
    error = page.locator("#documents-error")
    error.wait_for(state="visible", timeout=60_000)
    assert "report.pdf: corrupt" in error.inner_text()
    assert page.locator("#documents-status").inner_text() == "1 added, 1 failed"
