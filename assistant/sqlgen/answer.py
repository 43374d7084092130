"""What a text-to-SQL request returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class AnswerError:
    kind: str  # "no_sql", "refused", "execution", "timeout"
    message: str
    rule: str | None = None


@dataclass
class SqlAnswer:
    question: str
    sql: str | None = None
    explanation: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    error: AnswerError | None = None
    # The full pipeline also reports how it got there.
    confidence: float | None = None
    # What the confidence was computed from (confidence.Evidence as a dict), for calibration.
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence_label: str | None = None  # high, medium or low (confidence.label)
    confidence_advice: str | None = None  # what the label asks of the user, in words (confidence.ADVICE)
    chart: dict[str, Any] | None = None
    tables: list[str] = field(default_factory=list)  # the tables the final SQL reads
    linked_tables: list[str] = field(default_factory=list)  # the tables the model was shown
    repairs: int = 0
    candidates: int = 1
    # Doubts about the chosen SQL that the model was shown and kept its query
    # through (a join that pairs every row, a ratio of the wrong groups): the
    # user should check these before trusting the rows.
    warnings: list[str] = field(default_factory=list)

    def add_usage(self, usage: dict[str, int]) -> None:
        for key, value in usage.items():
            self.usage[key] = self.usage.get(key, 0) + value

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
