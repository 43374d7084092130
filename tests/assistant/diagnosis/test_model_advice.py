"""The model explains and proposes; the database decides. A scripted model at the LLM interface."""

import asyncio
import hashlib
import json
import re

import pytest
import sqlglot

from assistant.diagnosis import diagnose
from assistant.diagnosis.index_advice import Candidate
from assistant.diagnosis.prompts import names, render
from connectors.types import ColumnInfo, TableInfo
from tests.assistant.diagnosis.doubles import ScriptedLLM

SCAN = "SELECT * FROM events WHERE customer_id = 77"
MONTH = "SELECT id, total FROM orders WHERE substr(created_at, 1, 7) = '2023-05'"


def reply(summary="", rewrites=()):
    return json.dumps({"summary": summary, "rewrites": [{"sql": s, "reason": "faster"} for s in rewrites]})


def run(sql, conn, llm):
    return asyncio.run(diagnose(sql, conn, llm))


def test_every_prompt_renders():
    for name in names():
        text = render(name, dialect_name="SQLite", sql="SELECT 1", findings="- none", schema="CREATE TABLE t (a INT)")
        assert text and "$" not in text


def test_the_model_sees_findings_not_the_schema_and_a_grounded_summary_is_kept(sqlite_conn):
    summary = "The query reads all 40,000 rows of events to find customer_id 77; a verified index fixes it."
    llm = ScriptedLLM(reply(summary))
    report = run(SCAN, sqlite_conn, llm)
    assert report.summary == summary and report.summary_source == "model"
    prompt = "\n".join(m["content"] for m in llm.requests[0].messages)
    assert "full_scan" in prompt and "CREATE TABLE" not in prompt and len(prompt) < 3000
    assert llm.requests[0].response_format["type"] == "json_schema"


@pytest.mark.parametrize("invented", [
    "Join order_items to fix it.",  # a table no finding mentions
    "It scans 123,456 rows.",  # a number no finding gives
    "Filter on event_customer_ref instead.",  # a column that does not exist anywhere
])
def test_a_summary_that_adds_facts_is_replaced_by_the_rule_summary(sqlite_conn, invented):
    report = run(SCAN, sqlite_conn, ScriptedLLM(reply(f"The events table is scanned. {invented}")))
    assert report.summary_source == "rules" and report.summary.startswith("1 problem found")
    assert any("summary was not used" in note for note in report.notes)


def test_a_summary_may_name_finding_kinds_and_the_query_s_columns(sqlite_conn):
    summary = "full_scan: the filter on customer_id reads every row of events."
    report = run(SCAN, sqlite_conn, ScriptedLLM(reply(summary)))
    assert report.summary == summary and report.summary_source == "model"


def test_a_summary_may_not_claim_what_no_finding_says(sqlite_conn):
    # created_at is indexed; the finding says a function keeps the index from being used.
    report = run(MONTH, sqlite_conn, ScriptedLLM(reply("The query is slow because created_at is not indexed.")))
    assert report.summary_source == "rules"
    assert any("'not indexed'" in note for note in report.notes)


def test_a_model_rewrite_is_verified_on_the_data_like_any_other(sqlite_conn):
    good = "SELECT id, total FROM orders WHERE created_at >= '2023-05-01' AND created_at < '2023-06-01'"
    report = run(MONTH, sqlite_conn, ScriptedLLM(reply("A function hides the created_at index.", [good])))
    [rewrite] = [f for f in report.of_kind("rewrite_suggestion") if f.source == "model"]
    assert rewrite.verified and rewrite.evidence["only_in_original"] == rewrite.evidence["only_in_rewrite"] == 0
    assert rewrite.evidence["cost_rewrite"] < rewrite.evidence["cost_original"]


def test_a_model_rewrite_that_changes_results_is_never_offered(sqlite_conn):
    wrong = "SELECT id, total FROM orders WHERE created_at >= '2023-05-01' AND created_at < '2023-05-31'"
    report = run(MONTH, sqlite_conn, ScriptedLLM(reply("", [wrong])))
    assert not [f for f in report.of_kind("rewrite_suggestion") if f.source == "model"]
    assert any("returned different rows" in note for note in report.notes)


def test_a_model_rewrite_that_writes_is_refused_and_the_database_is_unchanged(sqlite_conn, shop_path):
    before = hashlib.sha256(shop_path.read_bytes()).hexdigest()
    report = run(MONTH, sqlite_conn, ScriptedLLM(reply("", ["DELETE FROM orders"])))
    assert not [f for f in report.of_kind("rewrite_suggestion") if f.source == "model"]
    assert any("refused by the guard" in note for note in report.notes)
    assert hashlib.sha256(shop_path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("llm", [ScriptedLLM(available=False), ScriptedLLM("this is not json")])
def test_findings_stand_without_a_working_model(sqlite_conn, llm):
    report = run(SCAN, sqlite_conn, llm)
    assert report.summary_source == "rules" and report.of_kind("full_scan") and report.notes


@pytest.mark.parametrize("said", ["null", "None", "  "])
def test_a_summary_that_says_nothing_is_no_summary(sqlite_conn, said):
    report = run(SCAN, sqlite_conn, ScriptedLLM(reply(said)))
    assert report.summary_source == "rules" and report.summary.startswith("1 problem found")
    assert any("summary was not used: it was empty" in note for note in report.notes)


# A month of orders over an hour's worth of customer pairs: the original runs past a short time limit.
SLOW_MONTH = "SELECT count(*) FROM orders o, customers c WHERE substr(o.created_at, 1, 7) = '2023-05'"


@pytest.mark.parametrize("sql, proposed, limit", [
    (MONTH, "SELECT id, total FROM orders WHERE DATE_FORMAT(created_at, '%Y-%m') = '2023-05'", None),
    (MONTH, "SELECT id, total FROM orders WHERE TIME_TO_STR(created_at, '%Y-%m') = '2023-05'", None),
    # The original is not compared at all here: only the engine stands between a MySQL rewrite and the page.
    (SLOW_MONTH, "SELECT count(*) FROM orders o, customers c WHERE DATE_FORMAT(o.created_at, '%Y-%m') = '2023-05'",
     0.3),
])
def test_a_model_rewrite_in_another_dialect_is_shown_in_sqlite_or_not_at_all(sqlite_conn, sql, proposed, limit):
    report = asyncio.run(diagnose(sql, sqlite_conn, ScriptedLLM(reply("", [proposed])), timeout_s=limit))
    for finding in report.findings:
        for text in (finding.sql, finding.suggestion, finding.message):
            assert not re.search(r"DATE_FORMAT|TIME_TO_STR", text or "", re.I), (finding.kind, text)
    for rewrite in report.of_kind("rewrite_suggestion"):
        assert rewrite.sql == sqlglot.parse_one(rewrite.sql, read="sqlite").sql(dialect="sqlite")
    if "DATE_FORMAT" in proposed:
        assert not [f for f in report.of_kind("rewrite_suggestion") if f.source == "model"]
        assert any("SQLite cannot plan it (no such function: DATE_FORMAT)" in note for note in report.notes)


def test_an_index_on_an_expression_is_named_as_sqlite_writes_it():
    # sqlglot reads SQLite's strftime as its own TimeToStr, which its generic dialect writes TIME_TO_STR.
    key = sqlglot.parse_one("SELECT 1 FROM orders o WHERE strftime('%Y', o.created_at) = '2023'",
                            read="sqlite").find(sqlglot.exp.TimeToStr)
    orders = TableInfo("orders", [ColumnInfo(name="created_at", type="TEXT", nullable=False, primary_key=False)])
    candidate = Candidate(orders, [key], "expression")
    assert candidate.shown("sqlite") == "STRFTIME('%Y', created_at)"
    assert candidate.ddl("sqlite") == 'CREATE INDEX "idx_orders_created_at" ON "orders"(STRFTIME(\'%Y\', "created_at"))'
    assert "DATE_FORMAT(created_at, '%Y')" == candidate.shown("mysql")
