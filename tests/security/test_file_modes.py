"""What `dbgpt` writes is its owner's alone: the data dir is 0700 and every
file in it 0600 or stricter (the metadata database, the keys, the Chroma
store, the logs, the demo database), whatever the caller's umask.

Each command runs as a real child process under a 022 umask, the common
default that would leave files readable by every local user.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.helpers import REPO, city_db, free_port, offline_env


def dbgpt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))


def too_open(data_dir: Path) -> list[str]:
    """Everything under `data_dir` that its group or others may read, write or enter."""
    paths = [data_dir, *data_dir.rglob("*")]
    return [f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p}" for p in paths
            if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return offline_env({"DBGPT_DATA_DIR": str(tmp_path / "data"), "DBGPT_FILE_ROOTS": f'["{tmp_path}"]',
                        "DBGPT_CONTROLLER_URL": f"http://127.0.0.1:{free_port()}", "DBGPT_EMBED_THREADS": "1"})


def test_cli_commands_leave_only_private_files(tmp_path, env):
    data_dir = tmp_path / "data"
    added = dbgpt("db", "add", "city", f"sqlite:///{city_db(tmp_path)}", "--password-stdin", env=env)
    assert added.returncode == 0, added.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    notes = tmp_path / "notes.md"
    notes.write_text("# Backups\n\nThe shop database is copied every night at 02:00.\n")
    indexed = dbgpt("knowledge", "add", str(notes), "--space", "ops", env=env)
    assert indexed.returncode == 0, indexed.stderr
    assert (data_dir / "chroma").is_dir() and (data_dir / "metadata.sqlite").is_file()
    assert too_open(data_dir) == []


def test_the_api_leaves_only_private_files(tmp_path, env):
    data_dir = tmp_path / "data"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", "api", "--port", str(port)], cwd=REPO,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: os.umask(0o022))
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the API did not answer"
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)  # 503: no controller runs
                break
            except httpx.TransportError:
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (data_dir / "demo" / "shop.sqlite").is_file() and (data_dir / "cluster.secret").is_file()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert too_open(data_dir) == []


def test_the_app_factory_alone_keeps_the_metadata_private(tmp_path):
    # Without the CLI's umask (an embedding app, a test), the files that hold
    # secrets are still created owner-only.
    from server.app import create_app
    from server.settings import Settings

    previous = os.umask(0o022)
    try:
        settings = Settings(data_dir=tmp_path / "data", controller_url=f"http://127.0.0.1:{free_port()}")
        create_app(settings)
    finally:
        os.umask(previous)
    for path in (settings.metadata_db_path, settings.secret_key_path, settings.cluster_secret_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
