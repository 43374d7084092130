"""Aggregate scored questions: accuracy, latency and tokens, as a table and JSON."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

from .models import QuestionOutcome


def percentile(values: Iterable[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0.0 when empty."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _accuracy(outcomes: list[QuestionOutcome]) -> dict[str, Any]:
    scored = [o for o in outcomes if o.correct is not None]
    correct = sum(1 for o in scored if o.correct)
    return {
        "n": len(outcomes),
        "n_scored": len(scored),
        "correct": correct,
        "ex": round(correct / len(scored), 4) if scored else 0.0,
    }


def _grouped(outcomes: list[QuestionOutcome], key) -> dict[str, dict[str, Any]]:
    groups: OrderedDict[str, list[QuestionOutcome]] = OrderedDict()
    for outcome in outcomes:
        groups.setdefault(key(outcome) or "-", []).append(outcome)
    return {name: _accuracy(group) for name, group in sorted(groups.items())}


@dataclass
class EvalReport:
    outcomes: list[QuestionOutcome]
    dialect: str
    pipeline: str = ""
    order_rule: str = "question"
    wall_s: float = 0.0

    @property
    def ex(self) -> float:
        return self.summary()["ex"]

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints last: accuracy, latency, tokens, breakdowns."""
        outcomes = self.outcomes
        n = len(outcomes)
        latencies = [o.latency_s for o in outcomes]
        prompt = sum(o.prompt_tokens for o in outcomes)
        completion = sum(o.completion_tokens for o in outcomes)
        return {
            "pipeline": self.pipeline,
            "dialect": self.dialect,
            "order_rule": self.order_rule,
            **_accuracy(outcomes),
            "p50_s": round(percentile(latencies, 0.50), 4),
            "p95_s": round(percentile(latencies, 0.95), 4),
            "mean_s": round(sum(latencies) / n, 4) if n else 0.0,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "prompt_tokens_per_q": round(prompt / n, 1) if n else 0.0,
            "completion_tokens_per_q": round(completion / n, 1) if n else 0.0,
            "no_sql": sum(1 for o in outcomes if o.correct is False and not o.predicted_sql),
            "failed_sql": sum(1 for o in outcomes if o.correct is False and o.predicted_sql and o.error),
            "gold_errors": sum(1 for o in outcomes if o.gold_errors),
            "wall_s": round(self.wall_s, 2),
            "by_db": _grouped(outcomes, lambda o: o.db),
            "by_category": _grouped(outcomes, lambda o: o.category),
        }

    def render(self, console: Console) -> None:
        """Readable tables: per database, per category, then the totals."""
        summary = self.summary()
        for title, groups in (("database", summary["by_db"]), ("category", summary["by_category"])):
            table = Table(title=f"Execution accuracy by {title}")
            table.add_column(title)
            table.add_column("n", justify="right")
            table.add_column("correct", justify="right")
            table.add_column("EX", justify="right")
            for name, stats in groups.items():
                table.add_row(name, str(stats["n_scored"]), str(stats["correct"]), f"{stats['ex']:.1%}")
            console.print(table)
        totals = Table(title=f"Overall ({summary['pipeline'] or 'predictor'}, {summary['dialect']})")
        totals.add_column("metric")
        totals.add_column("value", justify="right")
        totals.add_row("execution accuracy", f"{summary['ex']:.1%} ({summary['correct']}/{summary['n_scored']})")
        totals.add_row("questions / unscored (gold failed)", f"{summary['n']} / {summary['n'] - summary['n_scored']}")
        totals.add_row("no SQL / SQL failed to run", f"{summary['no_sql']} / {summary['failed_sql']}")
        totals.add_row("questions with a failing gold", str(summary["gold_errors"]))
        latency = f"{summary['p50_s']:.2f}s / {summary['p95_s']:.2f}s / {summary['mean_s']:.2f}s"
        totals.add_row("latency p50 / p95 / mean", latency)
        totals.add_row(
            "tokens prompt / completion (total)", f"{summary['prompt_tokens']} / {summary['completion_tokens']}"
        )
        totals.add_row(
            "tokens prompt / completion (per question)",
            f"{summary['prompt_tokens_per_q']} / {summary['completion_tokens_per_q']}",
        )
        totals.add_row("order rule", summary["order_rule"])
        totals.add_row("wall time", f"{summary['wall_s']:.1f}s")
        console.print(totals)
