"""Aggregation: accuracy by database and category, latency percentiles, tokens."""

from __future__ import annotations

import io
import json

from rich.console import Console

from assistant.evaluation.models import QuestionOutcome
from assistant.evaluation.report import EvalReport, percentile


def outcome(i: int, db: str, category: str, correct: bool | None, latency: float) -> QuestionOutcome:
    return QuestionOutcome(
        id=i, db=db, category=category, question="q", gold=["SELECT 1"], predicted_sql="SELECT 1",
        correct=correct, latency_s=latency, prompt_tokens=100, completion_tokens=10,
    )


def test_percentile_interpolates_like_numpy():
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert abs(percentile(range(1, 101), 0.95) - 95.05) < 1e-9


def test_summary_breaks_down_and_leaves_unscored_out():
    report = EvalReport(
        outcomes=[
            outcome(0, "academic", "group_by", True, 1.0),
            outcome(1, "academic", "order_by", False, 2.0),
            outcome(2, "yelp", "group_by", True, 3.0),
            outcome(3, "yelp", "group_by", None, 4.0),  # every gold failed
        ],
        dialect="sqlite",
        pipeline="plain",
    )
    summary = report.summary()
    assert summary["n"] == 4 and summary["n_scored"] == 3 and summary["correct"] == 2
    assert summary["ex"] == round(2 / 3, 4) == report.ex
    assert summary["p50_s"] == 2.5 and summary["p95_s"] == 3.85
    assert summary["prompt_tokens"] == 400 and summary["completion_tokens_per_q"] == 10
    assert summary["by_db"]["academic"] == {"n": 2, "n_scored": 2, "correct": 1, "ex": 0.5}
    assert summary["by_db"]["yelp"] == {"n": 2, "n_scored": 1, "correct": 1, "ex": 1.0}
    assert summary["by_category"]["group_by"]["correct"] == 2
    json.dumps(summary)

    buffer = io.StringIO()
    report.render(Console(file=buffer, width=120))
    text = buffer.getvalue()
    assert "academic" in text and "66.7%" in text and "p50" in text
