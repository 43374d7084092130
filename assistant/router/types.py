"""What the router reads and what it answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

SKILLS = ("sql", "diagnose", "docs", "schema", "chat")


@dataclass
class LastTurn:
    """The conversation's previous turn, as far as routing needs it."""

    message: str
    skill: str
    sql: str | None = None


@dataclass
class RouteContext:
    last: LastTurn | None = None
    dbs: list[str] = field(default_factory=list)  # the databases the user may use
    spaces: list[str] = field(default_factory=list)  # the knowledge spaces the user may read
    # Evidence (assistant/router/evidence.py): message -> CatalogEvidence over the database asked,
    # message -> DocumentEvidence over the spaces; None where there is nothing to measure on.
    catalog: Callable[[str], Any] | None = None
    documents: Callable[[str], Any] | None = None


@dataclass
class Route:
    skill: str
    reason: str
    confidence: float
    source: str  # forced | rules | evidence | model | fallback
    message: str  # what the skill is given: the message without a command prefix
    sql: str | None = None  # the statement the skill is about: to diagnose, to draw again, to name the tables of
    seconds: float = 0.0
    evidence: dict | None = None  # the measures the choice rested on, when they were taken
    chart: str | None = None  # for sql: the mark the previous answer is drawn again with (no new query)

    def event(self) -> dict:
        """The `route` event's data."""
        data = asdict(self)
        data.pop("message")
        if data["chart"] is None:
            data.pop("chart")
        return data
