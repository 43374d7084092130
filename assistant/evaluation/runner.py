"""Run a predictor over questions and score each answer by execution."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, TextIO

from connectors import Connector, ConnectorError

from .compare import match_any
from .databases import ROW_LIMIT, TIMEOUT_S, EvalDatabases
from .models import EvalQuestion, Prediction, Predictor, QuestionOutcome
from .ordering import ORDER_RULES, OrderRule, order_for
from .report import EvalReport


def run_eval(
    questions: Sequence[EvalQuestion],
    predictor: Predictor,
    *,
    dialect: str,
    db_dir: str | Path | None = None,
    databases: EvalDatabases | None = None,
    out: str | Path | None = None,
    pipeline: str = "",
    order_rule: OrderRule = "question",
    row_limit: int = ROW_LIMIT,
    timeout_s: float = TIMEOUT_S,
    decimals: int = 4,
    progress: TextIO | bool = True,
    blind: bool = False,
) -> EvalReport:
    """Score `predictor` on `questions`; write one JSON line per question to `out`.

    Pass `databases` to share open connectors between runs (e.g. two
    pipelines side by side); it is then left open. Otherwise `db_dir`, a
    folder of SQLite files, is opened for this run and closed at the end.
    `progress`: a stream for one line per question, True for stderr, False
    for silence. `blind`: the lines say how far the run is, never which
    question failed (for a held-out set).
    """
    if order_rule not in ORDER_RULES:
        raise ValueError(f"order_rule must be one of {ORDER_RULES}, not {order_rule!r}")
    stream = sys.stderr if progress is True else (None if progress is False else progress)
    owned = databases is None
    if databases is None:
        if db_dir is None:
            raise ValueError("pass db_dir or databases")
        databases = EvalDatabases(db_dir, row_limit=row_limit, timeout_s=timeout_s)
    if databases.dialect != dialect:
        raise ValueError(f"databases are {databases.dialect}, the run is {dialect}")
    sink = open(out, "w", encoding="utf-8") if out else None
    outcomes: list[QuestionOutcome] = []
    started = time.perf_counter()
    try:
        for number, question in enumerate(questions, 1):
            conn = databases.get(question.db_name)
            outcome = score_question(question, predictor, conn, order_rule=order_rule, decimals=decimals)
            outcomes.append(outcome)
            if sink:
                sink.write(json.dumps(outcome.to_json(), default=str) + "\n")
                sink.flush()
            if stream:
                _progress(stream, number, len(questions), outcome, blind)
    finally:
        if sink:
            sink.close()
        if owned:
            databases.close()
    return EvalReport(
        outcomes=outcomes,
        dialect=dialect,
        pipeline=pipeline,
        order_rule=order_rule,
        wall_s=time.perf_counter() - started,
    )


def score_question(
    question: EvalQuestion,
    predictor: Predictor,
    conn: Connector,
    *,
    order_rule: OrderRule = "question",
    decimals: int = 4,
) -> QuestionOutcome:
    prediction, latency = _predict(question, predictor, conn)
    outcome = QuestionOutcome(
        id=question.id,
        db=question.db_name,
        category=question.category,
        question=question.question,
        gold=list(question.gold_sql),
        predicted_sql=prediction.sql,
        correct=None,
        latency_s=latency,
        prompt_tokens=prediction.prompt_tokens,
        completion_tokens=prediction.completion_tokens,
        confidence=prediction.confidence,
        evidence=prediction.evidence,
    )
    # Every gold runs, so a broken alternative shows up even when another matches.
    golds: list[_Gold] = []
    for index, gold_sql in enumerate(question.gold_sql):
        rows, error = _execute(conn, gold_sql)
        if error is not None:
            outcome.gold_errors.append(f"gold {index}: {error}")
            continue
        ordered, keys = order_for(gold_sql, question.dialect, question.question, question.category, order_rule)
        golds.append(_Gold(index, rows, ordered, keys))
    if not golds:
        outcome.error = "no gold query ran; question not scored"
        return outcome
    outcome.ordered = golds[0].ordered
    if prediction.sql is None or not prediction.sql.strip():
        outcome.correct = False
        outcome.error = prediction.error or "no SQL predicted"
        return outcome
    started = time.perf_counter()
    rows, error = _execute(conn, prediction.sql)
    outcome.execution_s = time.perf_counter() - started
    if error is not None:
        outcome.correct = False
        outcome.error = error
        return outcome
    matched = match_any([(g.rows, g.ordered, g.keys) for g in golds], rows, decimals=decimals)
    outcome.correct = matched is not None
    if matched is not None:
        outcome.matched_gold = golds[matched].index
        outcome.ordered = golds[matched].ordered
    return outcome


@dataclass
class _Gold:
    index: int  # position in question.gold_sql
    rows: list[list[Any]]
    ordered: bool
    keys: tuple[int, ...] | None


def _predict(question: EvalQuestion, predictor: Predictor, conn: Connector) -> tuple[Prediction, float]:
    """The prediction and its latency; a predictor that raises answers nothing."""
    started = time.perf_counter()
    try:
        prediction = predictor(question, conn)
    except Exception as exc:  # one broken question must not end the run
        prediction = Prediction(sql=None, error=f"predictor raised {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    # The pipeline's own figure excludes harness overhead; fall back to wall time.
    return prediction, prediction.latency_s or elapsed


def _execute(conn: Connector, sql: str) -> tuple[list[list[Any]], str | None]:
    try:
        result = conn.run(sql)
    except ConnectorError as exc:
        return [], f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # outside the connector's contract, but still one question's failure
        return [], f"unexpected {type(exc).__name__}: {exc}"
    if result.truncated:
        return [], "result truncated at the row limit"
    return result.rows, None


def _progress(stream: TextIO, number: int, total: int, outcome: QuestionOutcome, blind: bool) -> None:
    if blind:
        stream.write(f"[{number}/{total}] {outcome.db}\n")
        stream.flush()
        return
    status = {True: "ok", False: "wrong", None: "unscored"}[outcome.correct]
    detail = f"  {outcome.error}" if outcome.error and outcome.correct is not True else ""
    stream.write(f"[{number}/{total}] {outcome.db} #{outcome.id} {status} {outcome.latency_s:.2f}s{detail[:160]}\n")
    stream.flush()
