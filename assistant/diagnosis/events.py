"""What a streamed diagnosis says, in order: findings as the passes find them, advice as it is
checked, the summary, then the whole report (or an error).

Each event has a `name` (the SSE event name) and `data()` (its JSON body). A finding or an
advice item carries its number `n` in this diagnosis: a later pass may confirm, soften or
withdraw it, and then an event with the same `n` replaces it (or `withdrawn` removes it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

from assistant.diagnosis.findings import ADVICE_KINDS, Finding, Report, reading_order


@dataclass
class FindingEvent:
    n: int
    finding: Finding
    # The finding as it stood when told (later passes change the object itself).
    state: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return "advice" if self.finding.kind in ADVICE_KINDS else "finding"

    def data(self) -> dict[str, Any]:
        return {"n": self.n, **self.state}


@dataclass
class Withdrawn:
    name: ClassVar[str] = "withdrawn"
    n: int

    def data(self) -> dict[str, Any]:
        return {"n": self.n}


@dataclass
class SummaryEvent:
    name: ClassVar[str] = "summary"
    summary: str
    source: str  # "rules" or "model"

    def data(self) -> dict[str, Any]:
        return {"summary": self.summary, "summary_source": self.source}


@dataclass
class Done:
    name: ClassVar[str] = "done"
    report: Report

    def data(self) -> dict[str, Any]:
        return self.report.to_dict()


@dataclass
class ErrorEvent:
    name: ClassVar[str] = "error"
    kind: str
    message: str
    error: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, error: BaseException) -> ErrorEvent:
        return cls(type(error).__name__, str(error) or type(error).__name__, error)

    def data(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message}


Event = Union[FindingEvent, Withdrawn, SummaryEvent, Done, ErrorEvent]


class Shown:
    """The findings already told to the reader, to tell only what is new or has changed."""

    def __init__(self) -> None:
        # id(finding) -> (n, the finding, its state when told); the finding is held so its id stays its own.
        self._told: dict[int, tuple[int, Finding, dict[str, Any]]] = {}
        self._next = 1

    def changes(self, report: Report) -> list[Event]:
        present = {id(f) for f in report.findings}
        events: list[Event] = []
        for key, (n, _finding, _state) in list(self._told.items()):
            if key not in present:
                del self._told[key]
                events.append(Withdrawn(n))
        for finding in sorted(report.findings, key=reading_order):
            state = finding.to_dict()
            told = self._told.get(id(finding))
            if told is not None and told[2] == state:
                continue
            n = told[0] if told is not None else self._take()
            self._told[id(finding)] = (n, finding, state)
            events.append(FindingEvent(n, finding, state))
        return events

    def _take(self) -> int:
        self._next += 1
        return self._next - 1
