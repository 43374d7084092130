"""A Chroma server as its own process (`chroma run`, as the docker-compose service runs it)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from knowledge.store import ChromaStore, StoreError
from tests.support.helpers import free_port, offline_env


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """`chroma run --path PATH` on a free port; yields its URL once a client reaches it."""
    port = free_port()
    chroma = str(Path(sys.executable).with_name("chroma"))
    server = subprocess.Popen([chroma, "run", "--path", str(path), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=offline_env())
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                ChromaStore(url=url)
                break
            except StoreError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("chroma run did not start")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
