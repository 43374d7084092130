"""A model worker process: load an engine, register with the controller, serve.

FastChat's BaseModelWorker brings the heartbeat thread; registration and the
heartbeats themselves are ours, to carry the cluster secret. The routes come
from llm.worker_app. Registration retries while the controller does not
answer, so a worker may start before its controller or outlive a controller
restart; a worker the controller refuses (a wrong secret), or that finds no
controller within a minute, stops with an error instead of serving unseen.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid

import requests
import uvicorn
from fastchat.serve.base_model_worker import BaseModelWorker

from llm.cluster_auth import auth_headers
from llm.worker_app import Slots, create_worker_app

log = logging.getLogger("dbgpt.worker")


class RegistrationFailed(RuntimeError):
    """The controller refused this worker or could not be reached."""


class ModelWorker(BaseModelWorker):
    def __init__(self, *, engine, controller_addr: str, worker_addr: str, model_names: list[str],
                 model_path: str, conv_template: str, queue_size: int, secret: str):
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
        self.secret = secret
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
                response = requests.post(url, json=payload, headers=auth_headers(self.secret), timeout=5)
                if response.status_code == 403:
                    raise RegistrationFailed(
                        f"the controller at {self.controller_addr} refused this worker: its cluster secret "
                        "differs (DBGPT_CLUSTER_SECRET, DBGPT_CLUSTER_SECRET_FILE or the data dir's cluster.secret)")
                response.raise_for_status()
                log.info("registered %s with %s", self.worker_addr, self.controller_addr)
                return
            except requests.RequestException as exc:
                if attempt == attempts - 1:
                    raise RegistrationFailed(f"the controller at {self.controller_addr} did not answer: {exc}") from exc
                time.sleep(delay_s)

    def send_heart_beat(self) -> None:
        url = self.controller_addr + "/receive_heart_beat"
        payload = {"worker_name": self.worker_addr, "queue_length": self.get_queue_length()}
        while True:
            try:
                response = requests.post(url, json=payload, headers=auth_headers(self.secret), timeout=5)
                response.raise_for_status()
                known = response.json()["exist"]
                break
            except (requests.RequestException, KeyError, ValueError) as exc:
                log.error("heartbeat to %s failed: %s", self.controller_addr, exc)
            time.sleep(5)
        if not known:  # the controller restarted, or dropped us: register again
            self.register_to_controller()


def wait_for_port(host: str, port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


def serve_worker(worker: ModelWorker, host: str, port: int) -> None:
    failed: list[RegistrationFailed] = []

    def register_once_listening() -> None:
        wait_for_port(host, port)
        try:
            worker.init_heart_beat()
        except RegistrationFailed as exc:
            log.error("%s", exc)
            failed.append(exc)
            server.should_exit = True

    app = create_worker_app(worker, secret=worker.secret, on_startup=register_once_listening)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run()
    if failed:
        raise SystemExit(f"the worker stopped: {failed[0]}")
