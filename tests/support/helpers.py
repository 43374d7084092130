"""Helpers shared by tests: free ports, the model file, the network guard."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NO_NETWORK_DIR = REPO / "tests" / "support" / "no_network"
SHARED = REPO.parent / "shared"
DEFOG = SHARED / "eval" / "defog"


def missing(reason: str) -> None:
    """Skip for something this machine lacks (a service, a system package),
    except under DBGPT_REQUIRE_SERVICES=1 (CI), where its absence fails the run."""
    if os.environ.get("DBGPT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and DBGPT_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


def city_db(folder: Path) -> Path:
    """A two-row SQLite database: city(id, name) holding Paris and Lyon."""
    path = folder / "city.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT);"
                          "INSERT INTO city VALUES (1, 'Paris'), (2, 'Lyon');")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_app(app):
    """Serve an ASGI app with uvicorn on a free port in a thread; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def model_file() -> Path:
    """The verified default model, pulled by `make test` before pytest runs."""
    from llm.model_files import cached_path, is_verified, spec_for
    from server.settings import Settings

    settings = Settings()
    spec = spec_for(settings.model_name)
    path = cached_path(spec, Path(os.environ.get("DBGPT_MODEL_DIR", REPO / "data" / "models")))
    if not is_verified(path, spec):
        pytest.fail(f"the default model is not present at {path}; run `make model` (make test does it)")
    return path


def offline_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a child process whose outbound network is cut off."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NO_NETWORK_DIR), env.get("PYTHONPATH", "")]))
    env["HF_HUB_OFFLINE"] = "1"
    env.update(extra or {})
    return env


@contextmanager
def running_stack(data_dir: Path, extra_env: dict[str, str] | None = None, timeout_s: float = 300):
    """`dbgpt serve` as a user runs it, offline, on free ports; yields (url, process)
    once /healthz answers 200 and the one-time sign-in link is printed, and stops it
    with Ctrl-C (SIGINT) afterwards. The process carries `login_url` (the link it
    printed) and `headers` (an admin's API key, made with `dbgpt key create`)."""
    import httpx

    port = free_port()
    env = offline_env({
        "DBGPT_DATA_DIR": str(data_dir),
        "DBGPT_MODEL_PATH": str(model_file()),
        "DBGPT_PORT": str(port),
        "DBGPT_CONTROLLER_PORT": str(free_port()),
        "DBGPT_WORKER_PORT": str(free_port()),
        **(extra_env or {}),
    })
    proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", "serve"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: list[str] = []
    # Drained all along, so the child never blocks on a full pipe.
    threading.Thread(target=lambda: lines.extend(iter(lambda: proc.stderr.readline().decode(), "")),
                     daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            assert proc.poll() is None, "dbgpt serve exited: " + "".join(lines)[-3000:]
            assert time.monotonic() < deadline, "the stack did not become healthy: " + "".join(lines)[-3000:]
            try:
                links = [ln.strip() for ln in lines if ln.strip().startswith(url + "/?token=")]
                if links and httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        proc.login_url = links[0]
        made = subprocess.run([sys.executable, "-m", "server.cli.main", "key", "create", "--user", "admin"],
                              cwd=REPO, env=env, capture_output=True, text=True)
        assert made.returncode == 0, made.stdout + made.stderr
        key = made.stdout.split()[-1]
        proc.headers = {"Authorization": f"Bearer {key}"}
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)


def wait_for_job(client, job_id: str, timeout_s: float = 120) -> dict:
    """An ingestion job, once it is done or failed, read through the API as a client follows it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/knowledge/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")
