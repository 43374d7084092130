"""Failed sign-ins counted per account name and per client address, so that a stranger cannot
guess passwords at the speed of the server.

A name with `max_per_name` failures inside `window_s`, or an address with `max_per_client`, is
refused without its password being checked until the oldest of those failures leaves the window
(a right password too: otherwise the refusal would tell a guesser when they are right). A
success clears the name's failures. Memory is bounded: at most `max_keys` names and addresses
are followed, the least recently failed dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(self, *, max_per_name: int = 5, max_per_client: int = 20, window_s: float = 900.0,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.max_per_name, self.max_per_client = max_per_name, max_per_client
        self.window_s, self.max_keys, self.clock = window_s, max_keys, clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, name: str, client: str) -> float | None:
        """Seconds until `name` from `client` may try again, or None when it may now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key, limit in ((("name", name.casefold()), self.max_per_name), (("client", client), self.max_per_client)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[len(times) - limit] + self.window_s - now)
        return max(max(waits), 1.0) if waits else None

    def failed(self, name: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("name", name.casefold()), ("client", client)):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("name", name.casefold()), None)
