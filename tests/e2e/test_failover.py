"""Failover with real processes: FastChat's controller and two transformers
workers (`dbgpt controller`, `dbgpt worker --backend transformers`) serving a
tiny LLaMA, and our API in front of them over real HTTP.

Two workers share the load; one killed mid-request is retried on the other
and new requests go to the survivor; the survivor killed mid-stream ends the
stream with a clear error; with none left the API answers 503 at once, well
within the heartbeat expiry; a worker started again brings service back
without restarting anything else.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from llm.cluster_auth import auth_headers
from tests.support.auth import api_key, bearer
from tests.support.cluster import MODEL, Cluster, worker_status
from tests.support.helpers import free_port

EXPIRY_S = 6
SECRET = "failover-cluster-secret-0123456789"
AUTH = auth_headers(SECRET)  # the cluster secret, for the controller and workers
API_AUTH: dict[str, str] = {}  # an admin's API key for the API under test, made by the `api` fixture


def calls(worker_url: str) -> int:
    return worker_status(worker_url, SECRET)["calls"]


def busy(worker_url: str) -> bool:
    try:
        return worker_status(worker_url, SECRET)["queue_length"] > 0
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Cluster(tmp_path_factory.mktemp("failover"), SECRET, expiry_s=EXPIRY_S)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def api(stack):
    from server.app import create_app
    from server.settings import Settings

    # One key sends every request here, several at once: its in-flight limit is raised to match.
    settings = Settings(data_dir=stack.tmp / "api-data", controller_url=stack.controller_url, model_name=MODEL,
                        llm_timeout_s=60, cluster_secret=SECRET, max_in_flight_per_user=16)
    API_AUTH.update(bearer(api_key(settings)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def complete(api: str, max_tokens: int = 8, timeout: float = 120) -> httpx.Response:
    return httpx.post(api + "/v1/completions", json={"model": MODEL, "prompt": "SELECT name FROM",
                                                     "max_tokens": max_tokens, "temperature": 0},
                      headers=API_AUTH, timeout=timeout)


def test_failover_scenario(stack, api):
    (proc_a, url_a), (proc_b, url_b) = stack.worker(), stack.worker()
    stack.wait_registered(2)

    # Two workers for one model: concurrent requests spread over both.
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: complete(api), range(6)))
    assert [r.status_code for r in answers] == [200] * 6, answers[0].text
    assert calls(url_a) >= 1 and calls(url_b) >= 1

    # Kill one mid-request: the request is retried on the other and completes.
    with ThreadPoolExecutor(1) as pool:
        long = pool.submit(complete, api, 2500)
        deadline = time.monotonic() + 30
        while not (busy(url_a) or busy(url_b)):
            assert time.monotonic() < deadline and not long.done(), "the long request never started"
            time.sleep(0.02)
        victim, survivor, victim_url, survivor_url = (
            (proc_a, proc_b, url_a, url_b) if busy(url_a) else (proc_b, proc_a, url_b, url_a))
        victim.kill()
        victim.wait()
        response = long.result()
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["completion_tokens"] == 2500
    assert response.json()["choices"][0]["finish_reason"] == "length"

    # New requests go to the survivor at once (no wait for the heartbeat expiry).
    before = calls(survivor_url)
    assert [complete(api).status_code for _ in range(3)] == [200] * 3
    assert calls(survivor_url) == before + 3

    # Kill the survivor mid-stream: the stream ends with a clear error event.
    events = []
    with httpx.stream("POST", api + "/v1/completions", timeout=120, headers=API_AUTH, json={
            "model": MODEL, "prompt": "SELECT", "max_tokens": 3000, "stream": True}) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if not line.startswith("data: "):
                continue
            events.append(line.removeprefix("data: "))
            if len(events) == 5:
                survivor.kill()
                survivor.wait()
    assert events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert "stopped mid-answer" in error["message"]

    # None left: 503 with a message, right away rather than after the expiry.
    started = time.monotonic()
    response = complete(api)
    assert response.status_code == 503
    assert time.monotonic() - started < EXPIRY_S
    assert "dbgpt worker" in response.json()["error"]["message"]
    assert httpx.get(api + "/healthz", timeout=10).status_code == 503

    # Start a worker again (same address as before): service resumes, nothing else restarted.
    stack.worker(port=int(victim_url.rsplit(":", 1)[1]))
    stack.wait_registered(1)
    response = complete(api)
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["completion_tokens"] == 8
    assert stack.controller.poll() is None


def test_an_embedding_worker_process_serves_v1_embeddings(stack, api):
    import openai

    port = free_port()
    proc = stack.processes.spawn("worker", "--backend", "embedding", "--port", str(port),
                                 "--controller-url", stack.controller_url)
    deadline = time.monotonic() + 180
    while "all-minilm-l6-v2" not in httpx.post(stack.controller_url + "/list_models", headers=AUTH,
                                               timeout=10).json()["models"]:
        assert proc.poll() is None and time.monotonic() < deadline, stack.logs()
        time.sleep(0.2)
    client = openai.OpenAI(base_url=api + "/v1", api_key=API_AUTH["Authorization"].split()[1], max_retries=0)
    result = client.embeddings.create(model="all-minilm-l6-v2", input=["How many orders?", "count the orders",
                                                                        "a sunny beach"])
    vectors = [item.embedding for item in result.data]
    assert len(vectors) == 3 and len(vectors[0]) == 384
    dot = lambda u, v: sum(x * y for x, y in zip(u, v))  # noqa: E731
    assert dot(vectors[0], vectors[1]) > dot(vectors[0], vectors[2])
    assert result.usage.prompt_tokens > 6
