"""Run FastChat's own controller in this process, behind the cluster secret.

FastChat keeps the controller in a module global that its `__main__` sets;
we set the same global, so the routes and dispatch are FastChat's. Two
things are ours: every request must carry the cluster secret, and the
controller's own calls to workers (status checks, the streaming proxy)
carry it too, since the workers refuse requests without it.
"""

from __future__ import annotations

import json

import requests
import uvicorn

from llm.cluster_auth import ClusterSecretRequired, auth_headers


def controller_app(secret: str, dispatch_method: str = "shortest_queue"):
    """FastChat's controller app, wrapped, with its controller set up."""
    from fastchat.serve import controller as fastchat_controller

    class Controller(fastchat_controller.Controller):
        def get_worker_status(self, worker_name: str):
            try:
                r = requests.post(worker_name + "/worker_get_status", headers=auth_headers(secret), timeout=5)
            except requests.RequestException as exc:
                fastchat_controller.logger.error(f"Get status fails: {worker_name}, {exc}")
                return None
            if r.status_code != 200:
                fastchat_controller.logger.error(f"Get status fails: {worker_name}, {r}")
                return None
            return r.json()

        def worker_api_generate_stream(self, params):
            worker_addr = self.get_worker_address(params["model"])
            if not worker_addr:
                yield self.handle_no_worker(params)
                return
            try:
                response = requests.post(worker_addr + "/worker_generate_stream", json=params, stream=True,
                                         headers=auth_headers(secret), timeout=fastchat_controller.WORKER_API_TIMEOUT)
                if response.status_code != 200:
                    yield json.dumps({"text": f"worker answered HTTP {response.status_code}",
                                      "error_code": fastchat_controller.ErrorCode.INTERNAL_ERROR}).encode() + b"\0"
                    return
                for chunk in response.iter_lines(decode_unicode=False, delimiter=b"\0"):
                    if chunk:
                        yield chunk + b"\0"
            except requests.RequestException:
                yield self.handle_worker_timeout(worker_addr)

    fastchat_controller.controller = Controller(dispatch_method)
    return ClusterSecretRequired(fastchat_controller.app, secret)


def serve_controller(host: str, port: int, secret: str, dispatch_method: str = "shortest_queue") -> None:
    uvicorn.run(controller_app(secret, dispatch_method), host=host, port=port, log_level="warning")
