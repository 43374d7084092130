"""A refused document answer on the page: "Not found in the documents", the
reason in words, and the closest sources with the start of their text, over a
real knowledge space (SQLite's own documentation and a runbook); the model is
scripted at the LLM interface."""

import json
from pathlib import Path

from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.ui.documents import documents_page

RUNBOOK = Path(__file__).parents[1] / "assistant" / "qa" / "runbooks" / "restore-nightly-backup.md"
llm, settings, signed_in, url = documents_page(
    "ops", "SQLite documentation and runbooks", lambda: [sqlite_docs() / "lang_vacuum.html", RUNBOOK])


def ask(page, url, text):
    page.goto(url)
    page.wait_for_selector("#space option[value=ops]", state="attached")
    page.select_option("#space", "ops")
    page.fill("#input", f"/docs {text}")  # the command names the skill: no routing by the model
    page.click("#send")
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    return page.locator("article.turn").last


def test_an_answer_its_sources_do_not_support_is_refused_with_the_reason_and_the_closest_sources(page, url, llm):
    llm.raw = None
    llm.cite_title = "Restoring from the nightly backup"
    llm.answer = "Backups are kept for 30 days in the bucket of Globex."

    turn = ask(page, url, "How long are the nightly backups kept?")

    assert turn.locator(".answer.unanswerable").inner_text() == "Not found in the documents"
    reason = turn.locator(".refusal .reason").inner_text()
    assert "names things the sources do not" in reason and "30" in reason and "Globex" in reason
    closest = turn.locator(".refusal .closest li")
    assert 1 <= closest.count() <= 3
    first = closest.first.inner_text()
    assert "Restoring from the nightly backup" in first and "restore-nightly-backup.md" in first
    # The start of the passage is there to read: the real answer (14 days) included.
    assert "14 days" in turn.locator(".refusal .closest").inner_text()
    assert turn.locator(".citations li").count() == 0  # nothing is cited for a refused answer


def test_a_yes_its_own_quote_denies_is_replaced_by_the_quoted_sentence(page, url, llm):
    llm.raw = json.dumps({"answerable": True, "evidence": "the original database file is unchanged",
                          "answer": "Yes, VACUUM INTO changes the original database file.", "sources": [1]})

    turn = ask(page, url, "Does VACUUM INTO change the original database file?")

    answer = turn.locator(".answer").inner_text()
    assert answer.startswith("VACUUM: \u201cIf the INTO clause is included, then the original database file is "
                             "unchanged") and turn.locator(".answer.unanswerable").count() == 0
    assert "says yes" in turn.locator(".replaced").inner_text()
    assert "lang_vacuum.html" in turn.locator(".citations li").first.inner_text()


def test_a_refusal_by_the_model_lists_the_sources_it_was_shown(page, url, llm):
    llm.raw, llm.cite_title = None, None  # the model says the sources do not hold the answer
    turn = ask(page, url, "Which SQLite version first shipped VACUUM INTO?")
    assert turn.locator(".answer.unanswerable").inner_text() == "Not found in the documents"
    assert "no statement of the answer" in turn.locator(".refusal .reason").inner_text()
    assert "VACUUM" in turn.locator(".refusal .closest li").first.inner_text()

