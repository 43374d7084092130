"""Per-stage wall-clock timings, reported with every answer."""

from __future__ import annotations

import time
from contextlib import contextmanager


class StageTimer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 4)

    def finish(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self._start, 4)
        return self.timings
