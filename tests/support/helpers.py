"""Helpers shared by tests: free ports, the model file, the network guard."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NO_NETWORK_DIR = REPO / "tests" / "support" / "no_network"
SHARED = REPO.parent / "shared"
DEFOG = SHARED / "eval" / "defog"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
