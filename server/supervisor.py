"""Child processes of `dbgpt serve`: start, watch, stop them all.

Children die with their parent (PR_SET_PDEATHSIG on Linux), so neither
Ctrl-C nor a killed parent leaves a controller or worker behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
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


class Supervisor:
    def __init__(self, logs_dir: Path):
        self.logs_dir = logs_dir
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        log = (self.logs_dir / f"{name}.log").open("ab")
        child_env = {**os.environ, "LOGDIR": str(self.logs_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli.main", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env,
            preexec_fn=_die_with_parent,
        )
        self.children.append((name, proc))
        return proc

    def wait_for(self, check: Callable[[], bool], what: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if check():
                return
            for name, proc in self.children:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"the {name} exited with code {proc.returncode}; see {self.logs_dir / (name + '.log')}"
                    )
            time.sleep(0.1)
        raise TimeoutError(f"{what} did not become ready within {timeout_s:.0f} s")

    def stop(self) -> None:
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        for _name, proc in reversed(self.children):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.children.clear()
