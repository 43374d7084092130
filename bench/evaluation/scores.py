"""Scores across the parts of a run: how well a pipeline's confidence tells its
right answers from its wrong ones."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Sequence

from assistant.evaluation.models import QuestionOutcome
from assistant.sqlgen.confidence import CONFIDENT, Evidence, score

# Confidence buckets: [low, high), the last one closed.
BUCKETS = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0))


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The area under the ROC curve of `scores` for telling True labels from False
    ones: the chance that a random right answer scores above a random wrong one, ties
    counting one half. None when either kind is missing."""
    right = [s for s, label in zip(scores, labels) if label]
    wrong = [s for s, label in zip(scores, labels) if not label]
    if not right or not wrong:
        return None
    above = sum(1.0 if r > w else 0.5 if r == w else 0.0 for r in right for w in wrong)
    return above / (len(right) * len(wrong))


def _scored(outcomes: Sequence[QuestionOutcome]) -> list[QuestionOutcome]:
    return [o for o in outcomes if o.correct is not None and o.confidence is not None]


def confidence_buckets(outcomes: Sequence[QuestionOutcome]) -> list[dict[str, Any]]:
    """Accuracy per confidence bucket, over the scored answers that carry a confidence."""
    rows = []
    scored = _scored(outcomes)
    for index, (low, high) in enumerate(BUCKETS):
        last = index == len(BUCKETS) - 1
        inside = [o for o in scored if low <= o.confidence < high or (last and o.confidence == high)]
        correct = sum(1 for o in inside if o.correct)
        rows.append({"from": low, "to": high, "n": len(inside), "correct": correct,
                     "ex": round(correct / len(inside), 4) if inside else None})
    return rows


def confidence_report(outcomes: Sequence[QuestionOutcome]) -> dict[str, Any] | None:
    """Buckets and AUROC; None when no answer carries a confidence (the plain pipeline)."""
    scored = _scored(outcomes)
    if not scored:
        return None
    labels = [bool(o.correct) for o in scored]
    area = auroc([o.confidence for o in scored], labels)
    # The same answers scored without the model's own likelihood, side by side: what that sign adds.
    without = [without_likelihood(o) for o in scored]
    area_without = auroc(without, labels)
    return {"n": len(scored), "buckets": confidence_buckets(scored),
            "auroc": round(area, 4) if area is not None else None,
            "auroc_without_likelihood": round(area_without, 4) if area_without is not None else None,
            "confident": shown_confident(scored),
            "confident_without_likelihood": shown_confident(scored, without)}


def without_likelihood(outcome: QuestionOutcome) -> float:
    """The outcome's confidence recomputed from its evidence with the likelihood unknown."""
    known = {f.name for f in fields(Evidence)}
    evidence = {k: v for k, v in outcome.evidence.items() if k in known}
    if not outcome.confidence or not evidence:  # no answer, or no evidence recorded: nothing to recompute
        return outcome.confidence or 0.0
    return score(replace(Evidence(**evidence), likelihood=None, least_likely=None))


def shown_confident(outcomes: Sequence[QuestionOutcome],
                    scores: Sequence[float] | None = None) -> dict[str, Any]:
    """The answers the product labels confident (at or above its own threshold): how many, how many right.
    `scores`: other confidences of the same outcomes, in their order."""
    scores = [o.confidence for o in outcomes] if scores is None else scores
    shown = [o for o, value in zip(outcomes, scores) if value >= CONFIDENT]
    correct = sum(1 for o in shown if o.correct)
    return {"threshold": CONFIDENT, "n": len(shown), "share": round(len(shown) / len(outcomes), 4) if outcomes else None,
            "correct": correct, "ex": round(correct / len(shown), 4) if shown else None}
