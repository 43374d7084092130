"""Diagnosis on the chat page in a real browser, read as it streams: the findings are on the
page while the model is still writing the summary; a reopened conversation draws the
diagnosis as the live answer did. The model is scripted at the LLM interface and held
until the test lets it answer."""

import json
import threading

import pytest

from server.app import create_app
from tests.assistant.diagnosis.shop import build_sqlite
from tests.support.helpers import serve_app

# Every event is paired with every product (no join condition), and events is scanned in full.
PAIRED = "SELECT e.id, p.name\nFROM events e, products p\nWHERE e.customer_id = 77 AND p.id < 3"
SUMMARY = "No condition links events to products, and events is read in full."


@pytest.fixture(scope="module")
def url(settings, llm, tmp_path_factory):
    app = create_app(settings, llm=llm)
    shop = build_sqlite(tmp_path_factory.mktemp("ui-stream") / "shop.sqlite")
    app.state.services.databases.registry.add("diag", f"sqlite:///{shop}")
    with serve_app(app) as base:
        yield base


def diagnose(page, url, sql):
    page.goto(url)
    page.wait_for_selector("#database option[value=diag]", state="attached")
    page.select_option("#database", "diag")
    page.fill("#input", sql)
    page.keyboard.press("Enter")
    return page.locator("article.turn").last


def test_the_findings_are_shown_while_the_summary_is_still_being_written(page, url, llm):
    llm.reply = json.dumps({"summary": SUMMARY, "rewrites": []})
    llm.gate = threading.Event()
    try:
        turn = diagnose(page, url, PAIRED)
        turn.locator(".finding", has_text="cartesian join").wait_for(timeout=20_000)
        turn.locator(".finding", has_text="index suggestion").wait_for(timeout=20_000)
        assert turn.locator(".summary-pending").inner_text() == "Summarising…"
        assert turn.locator(".summary-text").count() == 0
        assert page.locator("#send").is_disabled()  # the answer is still coming
    finally:
        llm.gate.set()
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    assert llm.gate_timeouts == 0
    assert SUMMARY in turn.locator(".summary-text").inner_text()
    assert turn.locator(".summary-pending").count() == 0
    kinds = [k.inner_text() for k in turn.locator(".finding .kind").all()]
    assert kinds.index("cartesian join") < kinds.index("full scan") < kinds.index("index suggestion")
    # Each finding once, as it finally stands: a later check's update replaced the first telling.
    assert len(kinds) == len(set(kinds))


def diagnosis_shown(turn) -> dict:
    """What a diagnosis card shows: statement, findings and advice (each as read), summary, notes, footer."""
    return {"sql": turn.locator("pre.sql.diagnosed").inner_text(),
            "findings": [f.inner_text() for f in turn.locator("ul.findings:not(.advice) > li").all()],
            "advice": [f.inner_text() for f in turn.locator("ul.findings.advice > li").all()],
            "summary": turn.locator(".summary-text").inner_text(),
            "notes": [n.inner_text() for n in turn.locator("ul.notes li").all()],
            "footer": turn.locator("div.muted.summary").inner_text()}


def test_a_reopened_diagnosis_shows_what_the_live_answer_showed(page, url, llm):
    llm.reply = json.dumps({"summary": SUMMARY, "rewrites": []})
    live = diagnose(page, url, PAIRED)
    page.wait_for_selector("#send:not([disabled])", timeout=60_000)
    shown = diagnosis_shown(live)
    assert shown["findings"] and shown["advice"], shown  # the cartesian join, and an index the plan confirmed
    assert SUMMARY in shown["summary"] and "sqlite" in shown["footer"]

    page.reload()
    page.wait_for_function("() => document.querySelectorAll('article.turn').length === 1")
    reopened = page.locator("article.turn").first
    assert reopened.locator(".badge.skill").text_content() == "Diagnosis"
    assert diagnosis_shown(reopened) == shown
