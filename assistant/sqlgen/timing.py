"""Per-stage wall-clock timings, reported with every answer."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable


Listener = Callable[[str, float], None]


class StageTimer:
    """Adds up the seconds spent in each stage; `listener` hears each stage end."""

    def __init__(self, listener: Listener | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()
        self._listener = listener

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self.timings[name] = round(self.timings.get(name, 0.0) + spent, 4)
            if self._listener is not None:
                self._listener(name, round(spent, 4))

    def finish(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self._start, 4)
        return self.timings
