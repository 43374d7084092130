"""Child processes of `dbgpt serve`: start, watch, restart, stop them all.

Children die with their parent (PR_SET_PDEATHSIG on Linux), so neither
Ctrl-C nor a killed parent leaves a controller or worker behind. A child
started with `restart=True` that exits on its own (a crashed worker) is
started again, after a pause that doubles while it keeps dying young, so
the API's 503 lasts only as long as the model takes to load.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1


class PortInUse(Exception):
    def __init__(self, host: str, port: int, what: str):
        super().__init__(
            f"port {port} on {host} is already in use, so the {what} cannot start there. "
            f"Stop whatever holds it, or choose another port (see `dbgpt serve --help`)."
        )


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False


def require_free(host: str, port: int, what: str) -> None:
    if not port_free(host, port):
        raise PortInUse(host, port, what)


def port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the parent's finally-block still stops us


SERVER_CLI = (sys.executable, "-m", "server.cli.main")


@dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str]
    restart: bool
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    next_start: float | None = None  # when a dead child is started again


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    # A child that lived less than this died young: the pause before the next
    # start doubles (1 s, 2 s, 4 s ... up to MAX_PAUSE_S); after GIVE_UP_AFTER
    # young deaths in a row it is left down (a model that cannot load).
    YOUNG_S = 30.0
    MAX_PAUSE_S = 30.0
    GIVE_UP_AFTER = 5

    def __init__(self, logs_dir: Path, program: tuple[str, ...] = SERVER_CLI,
                 report: Callable[[str], None] = print):
        self.logs_dir = logs_dir
        self.program = program
        self.report = report
        self.children: list[Child] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None,
              restart: bool = False) -> subprocess.Popen:
        child = Child(name, list(args), dict(env or {}), restart)
        with self._lock:
            self._spawn(child)
            self.children.append(child)
        return child.proc

    def _spawn(self, child: Child) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with (self.logs_dir / f"{child.name}.log").open("ab") as log:
            child.proc = subprocess.Popen(
                [*self.program, *child.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "LOGDIR": str(self.logs_dir), "PYTHONUNBUFFERED": "1", **child.env},
                preexec_fn=_die_with_parent,
            )
        child.started_at = time.monotonic()
        child.next_start = None

    def watch(self, interval_s: float = 0.5) -> None:
        """Restart, in a background thread, each `restart=True` child that exits."""
        threading.Thread(target=self._watch, args=(interval_s,), daemon=True, name="supervisor").start()

    def _watch(self, interval_s: float) -> None:
        while not self._stopping.wait(interval_s):
            with self._lock:
                if self._stopping.is_set():
                    return
                for child in self.children:
                    self._tend(child, time.monotonic())

    def _tend(self, child: Child, now: float) -> None:
        code = child.proc.poll()  # also reaps a dead child, so no zombie stays
        if code is None or not child.restart:
            return
        log = self.logs_dir / f"{child.name}.log"
        if child.next_start is None:  # just found dead
            young = now - child.started_at < self.YOUNG_S
            child.quick_deaths = child.quick_deaths + 1 if young else 0
            if child.quick_deaths >= self.GIVE_UP_AFTER:
                child.restart = False
                self.report(f"the {child.name} {describe_exit(code)} {child.quick_deaths} times in a row "
                            f"soon after starting; not starting it again. See {log}")
                return
            pause = min(self.MAX_PAUSE_S, 2.0 ** max(0, child.quick_deaths - 1)) if young else 0.0
            child.next_start = now + pause
            self.report(f"the {child.name} {describe_exit(code)}; starting it again"
                        f"{f' in {pause:.0f} s' if pause else ''} (see {log})")
        if now >= child.next_start:
            self._spawn(child)

    def wait_for(self, check: Callable[[], bool], what: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if check():
                return
            for child in self.children:
                if child.proc.poll() is not None:
                    raise RuntimeError(
                        f"the {child.name} {describe_exit(child.proc.returncode)}; "
                        f"see {self.logs_dir / (child.name + '.log')}"
                    )
            time.sleep(0.1)
        raise TimeoutError(f"{what} did not become ready within {timeout_s:.0f} s")

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:  # no restart can begin once this holds
            procs = [child.proc for child in reversed(self.children)]
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.children.clear()
