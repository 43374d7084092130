"""The data the evaluation harness passes around.

The SQL-generation pipelines import `EvalQuestion` and `Prediction` from here
and hand the harness a `Predictor`, so the harness itself never depends on a
model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from connectors import Connector


@dataclass(frozen=True)
class EvalQuestion:
    id: int  # position in the questions file (0-based), stable across runs
    db_name: str
    question: str
    gold_sql: tuple[str, ...]  # every acceptable gold query, already split and expanded
    category: str = ""
    instructions: str = ""
    dialect: str = "sqlite"  # sqlglot dialect the gold SQL is written in


@dataclass
class Prediction:
    sql: str | None  # None when the pipeline declined to answer, or failed
    error: str | None = None
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    confidence: float | None = None  # the pipeline's own confidence in its answer, when it gives one
    evidence: dict[str, Any] = field(default_factory=dict)  # what that confidence was computed from


# A predictor answers one question given the open (guarded, read-only)
# connector of its database: the same one the harness scores with.
Predictor = Callable[[EvalQuestion, Connector], Prediction]


@dataclass
class QuestionOutcome:
    """One scored question; one JSON line of `--out`."""

    id: int
    db: str
    category: str
    question: str
    gold: list[str]
    predicted_sql: str | None
    # True/False once scored; None when no gold query could be executed, so the
    # question says nothing about the prediction and is left out of accuracy.
    correct: bool | None
    error: str | None = None  # why the prediction is wrong (no SQL, failed to run, ...)
    gold_errors: list[str] = field(default_factory=list)
    matched_gold: int | None = None  # index into `gold` of the first match
    ordered: bool = False  # whether row order was compared (for the matched or first gold)
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    execution_s: float = 0.0  # time the predicted SQL took in the database
    confidence: float | None = None  # the pipeline's, when it gives one
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
