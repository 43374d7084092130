"""A model worker process: load an engine, register with the controller, serve.

FastChat's BaseModelWorker brings registration and heartbeats; the routes
come from llm.worker_app. Registration retries until the controller answers,
so a worker may start before its controller or outlive a controller restart.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid

import requests
import uvicorn
from fastchat.serve.base_model_worker import BaseModelWorker

from llm.worker_app import Slots, create_worker_app

log = logging.getLogger("dbgpt.worker")


class ModelWorker(BaseModelWorker):
    def __init__(self, *, engine, controller_addr: str, worker_addr: str, model_names: list[str],
                 model_path: str, conv_template: str, queue_size: int):
        super().__init__(
            controller_addr=controller_addr,
            worker_addr=worker_addr,
            worker_id=uuid.uuid4().hex[:8],
            model_path=model_path,
            model_names=model_names,
            limit_worker_concurrency=getattr(engine, "concurrency", 1),
            conv_template=conv_template,
        )
        self.engine = engine
        self.context_len = engine.n_ctx
        self.slots = Slots(queue_size, concurrency=getattr(engine, "concurrency", 1))

    def make_conv_template(self, conv_template=None, model_path=None):
        # FastChat's default looks the template up through its model adapters,
        # which import torch; we always know our template by name.
        from fastchat.conversation import get_conv_template

        return get_conv_template(conv_template or "vicuna_v1.1")

    def get_queue_length(self) -> int:
        return self.slots.length

    def get_status(self) -> dict:
        # `calls` lets an operator (and the failover test) see how load spreads;
        # the controller reads only the first three keys.
        return {**super().get_status(), "calls": self.call_ct}

    def register_to_controller(self, attempts: int = 120, delay_s: float = 0.5) -> None:
        url = self.controller_addr + "/register_worker"
        payload = {"worker_name": self.worker_addr, "check_heart_beat": True,
                   "worker_status": self.get_status(), "multimodal": False}
        for attempt in range(attempts):
            try:
                requests.post(url, json=payload, timeout=5).raise_for_status()
                log.info("registered %s with %s", self.worker_addr, self.controller_addr)
                return
            except requests.RequestException as exc:
                if attempt == attempts - 1:
                    raise RuntimeError(f"controller at {self.controller_addr} did not answer: {exc}") from exc
                time.sleep(delay_s)


def wait_for_port(host: str, port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


def serve_worker(worker: ModelWorker, host: str, port: int) -> None:
    def register_once_listening() -> None:
        wait_for_port(host, port)
        worker.init_heart_beat()

    app = create_worker_app(worker, on_startup=register_once_listening)
    uvicorn.run(app, host=host, port=port, log_level="warning")
