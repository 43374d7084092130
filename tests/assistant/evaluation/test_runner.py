"""The harness end to end on the real SQLite databases, through real connectors."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from assistant.evaluation import (
    EvalDatabases,
    EvalQuestion,
    Prediction,
    gold_predictor,
    load_questions,
    run_eval,
)
from tests.support.helpers import DEFOG

SQLITE_DIR = DEFOG / "sqlite"
pytestmark = pytest.mark.skipif(not SQLITE_DIR.is_dir(), reason=f"defog data not found at {DEFOG}")


@pytest.fixture(scope="module")
def questions():
    return load_questions(DEFOG / "questions_sqlite.csv")


@pytest.fixture(scope="module")
def databases():
    with EvalDatabases(SQLITE_DIR) as dbs:
        yield dbs


def ask(sql: str | None, **fields):
    return lambda question, conn: Prediction(sql=sql, **fields)


def test_gold_self_check_scores_every_question(questions, databases, tmp_path):
    out = tmp_path / "pred.jsonl"
    report = run_eval(questions, gold_predictor, dialect="sqlite", databases=databases, out=out, progress=False)
    failed = [(o.id, o.db, o.error, o.gold_errors) for o in report.outcomes if o.correct is not True or o.gold_errors]
    assert report.ex >= 0.98, failed
    assert report.summary()["n"] == 174
    assert not failed  # it should be exactly 100%: any failure here is a harness or data bug

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 174
    first = lines[0]
    for key in ("db", "category", "question", "gold", "predicted_sql", "correct", "error", "latency_s",
                "prompt_tokens", "completion_tokens"):
        assert key in first
    assert first["predicted_sql"] == first["gold"][0] and first["correct"] is True


def test_a_constant_answer_scores_about_zero(questions, databases):
    report = run_eval(questions, ask("SELECT 1"), dialect="sqlite", databases=databases, progress=False)
    assert report.ex <= 0.05


def test_no_answer_counts_as_wrong(questions, databases):
    subset = questions[:5]
    report = run_eval(subset, ask(None, error="cannot answer"), dialect="sqlite", databases=databases, progress=False)
    assert report.ex == 0.0 and report.summary()["n_scored"] == 5
    assert {o.error for o in report.outcomes} == {"cannot answer"}


def test_a_predictor_that_raises_is_one_wrong_answer(questions, databases):
    def broken(question, conn):
        raise RuntimeError("model server down")

    report = run_eval(questions[:2], broken, dialect="sqlite", databases=databases, progress=False)
    assert [o.correct for o in report.outcomes] == [False, False]
    assert "model server down" in report.outcomes[0].error


def author_count() -> int:
    uri = (SQLITE_DIR / "academic.sqlite").as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        return conn.execute("SELECT COUNT(*) FROM author").fetchone()[0]


def test_predicted_writes_are_refused_and_change_nothing(questions, databases):
    before = author_count()
    question = next(q for q in questions if q.db_name == "academic")
    report = run_eval([question], ask("DELETE FROM author"), dialect="sqlite", databases=databases, progress=False)
    assert report.outcomes[0].correct is False
    assert "GuardRefusal" in report.outcomes[0].error
    assert author_count() == before > 0


def test_broken_gold_is_reported_not_held_against_the_prediction(databases):
    question = EvalQuestion(
        id=0, db_name="academic", question="Names of all authors?", category="table_join",
        gold_sql=("SELECT no_such_column FROM author", "SELECT name FROM author"),
    )
    report = run_eval([question], ask("SELECT aid, name FROM author"), dialect="sqlite", databases=databases,
                      progress=False)
    outcome = report.outcomes[0]
    assert outcome.correct is True and outcome.matched_gold == 1
    assert len(outcome.gold_errors) == 1 and "gold 0" in outcome.gold_errors[0]

    unscorable = EvalQuestion(id=1, db_name="academic", question="?", gold_sql=("SELECT nope FROM author",))
    report = run_eval([question, unscorable], ask("SELECT name FROM author"), dialect="sqlite",
                      databases=databases, progress=False)
    assert [o.correct for o in report.outcomes] == [True, None]
    assert report.summary()["n_scored"] == 1 and report.ex == 1.0


def test_order_counts_only_when_the_question_asks(databases):
    gold = ("SELECT name FROM author ORDER BY name",)
    reversed_sql = "SELECT name FROM author ORDER BY name DESC"
    asked = EvalQuestion(id=0, db_name="academic", question="Author names, sorted by name", gold_sql=gold)
    not_asked = EvalQuestion(id=1, db_name="academic", question="What are the author names?", gold_sql=gold)
    report = run_eval([asked, not_asked], ask(reversed_sql), dialect="sqlite", databases=databases, progress=False)
    assert [o.correct for o in report.outcomes] == [False, True]
    assert [o.ordered for o in report.outcomes] == [True, False]
    strict = run_eval([not_asked], ask(reversed_sql), dialect="sqlite", databases=databases, progress=False,
                      order_rule="gold")
    assert strict.outcomes[0].correct is False


def test_tokens_and_latency_come_from_the_prediction(questions, databases):
    report = run_eval(questions[:4], ask("SELECT 1", latency_s=0.5, prompt_tokens=300, completion_tokens=20),
                      dialect="sqlite", databases=databases, progress=False)
    summary = report.summary()
    assert summary["p50_s"] == 0.5 and summary["p95_s"] == 0.5
    assert summary["prompt_tokens"] == 1200 and summary["completion_tokens"] == 80
    assert summary["prompt_tokens_per_q"] == 300


def test_the_run_opens_and_closes_its_own_databases(questions, capsys):
    report = run_eval(questions[:3], gold_predictor, dialect="sqlite", db_dir=SQLITE_DIR)
    assert report.ex == 1.0
    assert "[3/3] academic" in capsys.readouterr().err
