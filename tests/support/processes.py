"""`dbgpt` subcommands as real child processes, each logging to its own file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import httpx

from tests.support.helpers import REPO


class Processes:
    def __init__(self, log_dir: Path, env: dict[str, str]):
        self.log_dir, self.env = log_dir, env
        self.procs: list[subprocess.Popen] = []

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """`dbgpt ARGS...`; `env` adds to (or overrides) the shared environment."""
        log = (self.log_dir / f"{args[0]}-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", *args], cwd=REPO,
                                env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def assert_alive(self) -> None:
        for proc in self.procs:
            assert proc.poll() is None or proc.returncode < 0, self.logs()

    def wait_for(self, check: Callable[[], bool], what: str, timeout_s: float = 300) -> None:
        """Until `check()` holds (an HTTP error counts as not yet), while every process lives."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.assert_alive()
            try:
                if check():
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{what} did not happen\n{self.logs()}"
            time.sleep(0.25)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(self.log_dir.glob("*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
