"""The product split over machines, as docker-compose.yml runs it: `dbgpt
controller` and a llama.cpp `dbgpt worker` listening on every address, and
`dbgpt api` alone against that controller, as real processes with the
outbound network cut off. The API's process has no model file of its own.
Each part has its own data dir and reads the cluster secret from one file
(DBGPT_CLUSTER_SECRET_FILE), as the compose secret gives it to them.
"""

from __future__ import annotations

import httpx
import pytest

from llm.cluster_auth import auth_headers
from tests.support.auth import cli_key
from tests.support.helpers import free_port, model_file, offline_env
from tests.support.processes import Processes

SECRET = "split-deployment-secret-0123456789"
AUTH = auth_headers(SECRET)

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("split")
    secret_file = tmp / "cluster_secret"
    secret_file.write_text(SECRET + "\n")
    processes = Processes(tmp, offline_env({"DBGPT_N_THREADS": "2", "DBGPT_WORKER_HEARTBEAT_S": "2",
                                            "DBGPT_CLUSTER_SECRET_FILE": str(secret_file)}))
    controller_port, worker_port, api_port = free_port(), free_port(), free_port()
    controller = f"http://127.0.0.1:{controller_port}"
    worker = f"http://127.0.0.1:{worker_port}"
    try:
        processes.spawn("controller", "--host", "0.0.0.0", "--port", str(controller_port),
                        env={"DBGPT_DATA_DIR": str(tmp / "controller")})
        processes.spawn("worker", "--backend", "llamacpp", "--model-path", str(model_file()),
                        "--host", "0.0.0.0", "--port", str(worker_port),
                        "--controller-url", controller, "--advertise-url", worker,
                        env={"DBGPT_DATA_DIR": str(tmp / "worker")})
        api_env = {"DBGPT_DATA_DIR": str(tmp / "api"), "DBGPT_CONTROLLER_URL": controller,
                   "DBGPT_MODEL_DIR": str(tmp / "no-models")}
        processes.spawn("api", "--port", str(api_port), env=api_env)
        yield {"controller": controller, "worker": worker, "api": f"http://127.0.0.1:{api_port}",
               "processes": processes, "headers": cli_key({**processes.env, **api_env})}
    finally:
        processes.stop()


def test_the_worker_registers_under_the_address_it_was_told_to_advertise(deployment):
    processes, controller = deployment["processes"], deployment["controller"]
    processes.wait_for(lambda: httpx.post(controller + "/list_models", headers=AUTH, timeout=5).json()["models"],
                       "registration")
    [model] = httpx.post(controller + "/list_models", headers=AUTH, timeout=5).json()["models"]
    address = httpx.post(controller + "/get_worker_address", headers=AUTH, json={"model": model},
                         timeout=5).json()["address"]
    assert address == deployment["worker"]
    # Neither the controller nor the worker answers without the secret.
    assert httpx.post(controller + "/list_models", timeout=5).status_code == 403
    assert httpx.post(address + "/worker_get_status", timeout=5).status_code == 403


def test_the_api_alone_answers_through_the_remote_controller(deployment):
    processes, api, headers = deployment["processes"], deployment["api"], deployment["headers"]
    processes.wait_for(lambda: httpx.get(api + "/healthz", timeout=5).status_code == 200, "the API's health")
    models = [m["id"] for m in httpx.get(api + "/v1/models", headers=headers, timeout=10).json()["data"]]
    assert models, "the API sees no model through the controller"
    reply = httpx.post(api + "/v1/chat/completions", timeout=120, headers=headers, json={
        "model": models[0], "max_tokens": 8, "temperature": 0,
        "messages": [{"role": "user", "content": "Say OK."}]})
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"].strip()
    page = httpx.get(api + "/", timeout=10)  # the login page, to a stranger
    assert page.status_code == 200 and "text/html" in page.headers["content-type"] and 'id="login"' in page.text
    # Nothing was fetched or copied into the API's own model folder: the model lives with the worker.
    assert not any((processes.log_dir / "no-models").glob("*"))
