"""FastChat's controller and tiny-LLaMA transformers workers as real processes (`dbgpt controller`,
`dbgpt worker --backend transformers`), for the tests that need a model cluster but not a real model."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from llm.cluster_auth import auth_headers
from tests.support.helpers import free_port, offline_env
from tests.support.processes import Processes
from tests.support.tiny_llama import make_tiny_llama

MODEL = "tiny-llama"


def worker_status(worker_url: str, secret: str) -> dict:
    """A worker's own status: its calls so far and its queue."""
    return httpx.post(worker_url + "/worker_get_status", headers=auth_headers(secret), timeout=5).json()


class Cluster:
    def __init__(self, tmp_path: Path, secret: str, *, expiry_s: int = 6, env: dict[str, str] | None = None):
        self.tmp, self.secret = tmp_path, secret
        self.auth = auth_headers(secret)
        self.model_dir = make_tiny_llama(tmp_path / "model", never_eos=True)
        self.env = offline_env({
            "DBGPT_DATA_DIR": str(tmp_path / "data"), "DBGPT_N_THREADS": "1", "OMP_NUM_THREADS": "1",
            "DBGPT_WORKER_HEARTBEAT_S": "1", "DBGPT_WORKER_EXPIRY_S": str(expiry_s),
            "DBGPT_CLUSTER_SECRET": secret, **(env or {}),
        })
        self.controller_url = f"http://127.0.0.1:{free_port()}"
        self.processes = Processes(tmp_path, self.env)
        self.controller = self.processes.spawn("controller", "--port", self.controller_url.rsplit(":", 1)[1])

    def worker(self, port: int | None = None) -> tuple[subprocess.Popen, str]:
        port = port or free_port()
        proc = self.processes.spawn("worker", "--backend", "transformers", "--model", MODEL, "--model-path",
                                    str(self.model_dir), "--port", str(port), "--controller-url",
                                    self.controller_url)
        return proc, f"http://127.0.0.1:{port}"

    def registered(self) -> int:
        """How many workers the controller counts (FastChat sums their speeds)."""
        try:
            return int(httpx.post(self.controller_url + "/worker_get_status", headers=self.auth,
                                  timeout=10).json()["speed"])
        except (httpx.HTTPError, ValueError, KeyError):
            return 0

    def wait_registered(self, count: int, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while self.registered() != count:
            self.processes.assert_alive()
            assert time.monotonic() < deadline, f"{count} workers did not register\n{self.logs()}"
            time.sleep(0.2)

    def logs(self) -> str:
        return self.processes.logs()

    def stop(self) -> None:
        self.processes.stop()
