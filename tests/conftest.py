"""Shared fixtures.

Services (PostgreSQL, MariaDB, Redis) are skipped with a reason when absent,
except under DBGPT_REQUIRE_SERVICES=1 (CI), where their absence fails the run.
"""

from __future__ import annotations

import os
import socket

import pytest

from tests.support.helpers import missing

pytest_plugins = ["tests.support.browser"]  # the browser and page fixtures

# Apps made by tests do not sync the demo's knowledge in the background at start-up (each would
# load the embedding model); tests/server/test_knowledge_warmup.py turns it on.
os.environ.setdefault("DBGPT_WARM_KNOWLEDGE", "0")


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (or fail under DBGPT_REQUIRE_SERVICES=1) when a service is down."""
    if port_open(host, port):
        return
    missing(f"{name} is not reachable on {host}:{port}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    need_service("PostgreSQL", "127.0.0.1", 5432)
    return os.environ.get("DBGPT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    need_service("MariaDB", "127.0.0.1", 3306)
    return os.environ.get("DBGPT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
