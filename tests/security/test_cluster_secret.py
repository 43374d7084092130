"""The cluster secret, against the real controller and real workers
(`dbgpt controller`, `dbgpt worker` as child processes).

Without the secret nothing reaches the controller: no registration (a
stranger's worker would be sent every prompt), no heartbeat, no listing;
a worker started with another secret never joins; a worker answers nobody
without it. With it, everything works as before.
"""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import threading
import time

import httpx
import pytest

from llm.client import ControllerClient, GenerateRequest, LLMUnavailable
from llm.cluster_auth import auth_headers
from server.settings import Settings
from tests.support.helpers import REPO, free_port, offline_env
from tests.support.processes import Processes

SECRET = "security-test-secret-0123456789"
AUTH = auth_headers(SECRET)
STATUS = {"model_names": ["m-sec"], "speed": 1, "queue_length": 0}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    processes = Processes(tmp, offline_env({"DBGPT_DATA_DIR": str(tmp / "data"), "DBGPT_CLUSTER_SECRET": SECRET,
                                            "DBGPT_WORKER_HEARTBEAT_S": "1", "DBGPT_N_THREADS": "1"}))
    url = f"http://127.0.0.1:{free_port()}"
    try:
        processes.spawn("controller", "--port", url.rsplit(":", 1)[1])
        processes.wait_for(lambda: httpx.post(url + "/list_models", headers=AUTH, timeout=2).status_code == 200,
                           "the controller's start", timeout_s=60)
        yield url, processes
    finally:
        processes.stop()


def models(controller: str) -> list[str]:
    return httpx.post(controller + "/list_models", headers=AUTH, timeout=5).json()["models"]


def register(controller: str, name: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(controller + "/register_worker", headers=headers, timeout=5, json={
        "worker_name": f"http://127.0.0.1:{free_port()}", "check_heart_beat": False,
        "worker_status": {**STATUS, "model_names": [name]}})


@pytest.mark.parametrize("headers", [
    {},
    auth_headers("another-secret-0123456789"),
    auth_headers(SECRET + "x"),
    {"Authorization": SECRET},  # no scheme
    {"Authorization": f"Basic {SECRET}"},
    {"X-Cluster-Secret": SECRET},
])
def test_a_registration_without_the_secret_is_refused_and_not_listed(cluster, headers):
    controller, _ = cluster
    refused = register(controller, "m-stranger", headers)
    assert refused.status_code == 403
    assert "cluster secret" in refused.json()["detail"]
    assert "m-stranger" not in models(controller)


def test_a_registration_with_the_secret_is_listed(cluster):
    controller, _ = cluster
    assert register(controller, "m-friend", AUTH).status_code == 200
    assert "m-friend" in models(controller)
    # The bearer scheme's name is case-insensitive; the secret is not.
    assert register(controller, "m-friend-2", {"Authorization": f"bearer {SECRET}"}).status_code == 200
    assert register(controller, "m-friend-3", {"Authorization": f"Bearer {SECRET.upper()}"}).status_code == 403


def test_every_controller_route_refuses_a_request_without_the_secret(cluster):
    controller, _ = cluster
    schema = httpx.get(controller + "/openapi.json", headers=AUTH, timeout=5).json()
    routes = [(method.upper(), path) for path, methods in schema["paths"].items() for method in methods]
    assert ("POST", "/register_worker") in routes and ("POST", "/receive_heart_beat") in routes
    for method, path in [*routes, ("GET", "/openapi.json"), ("GET", "/docs")]:
        response = httpx.request(method, controller + path, timeout=5,
                                 json={"worker_name": "http://x", "queue_length": 0, "model": "m-friend"})
        assert response.status_code == 403, (method, path, response.text)


def test_a_heartbeat_without_the_secret_is_refused(cluster):
    controller, _ = cluster
    register(controller, "m-beat", AUTH)
    beat = httpx.post(controller + "/receive_heart_beat", json={"worker_name": "http://nobody", "queue_length": 0})
    assert beat.status_code == 403


def test_the_models_client_with_another_secret_is_told_so(cluster):
    controller, _ = cluster
    client = ControllerClient(controller, "m-friend", secret="not-the-cluster-secret-0123")
    with pytest.raises(LLMUnavailable, match="cluster secret"):
        asyncio.run(client.list_models())
    assert asyncio.run(ControllerClient(controller, "m-friend", secret=SECRET).list_models())


@pytest.fixture(scope="module")
def worker(cluster):
    """A real worker process (the embedding backend: the quickest model to load) with the secret."""
    controller, processes = cluster
    port = free_port()
    proc = processes.spawn("worker", "--backend", "embedding", "--model", "emb-sec", "--port", str(port),
                           "--controller-url", controller)
    processes.wait_for(lambda: "emb-sec" in models(controller), "the worker's registration", timeout_s=180)
    return f"http://127.0.0.1:{port}"


def test_a_worker_with_another_secret_never_joins_and_says_why(cluster, worker, tmp_path):
    controller, shared = cluster
    processes = Processes(tmp_path, shared.env)  # its own: this one is meant to stop
    proc = processes.spawn("worker", "--backend", "embedding", "--model", "emb-intruder", "--port", str(free_port()),
                           "--controller-url", controller, env={"DBGPT_CLUSTER_SECRET": "an-intruder-secret-0123456"})
    try:
        proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a worker the controller refused kept running\n{processes.logs()}")
    assert proc.returncode != 0
    assert "emb-intruder" not in models(controller)
    assert "cluster secret differs" in processes.logs()


def test_the_worker_answers_only_with_the_secret(worker):
    for path in ("/worker_generate_stream", "/worker_generate", "/worker_get_embeddings", "/worker_get_status",
                 "/count_token", "/model_details", "/worker_get_conv_template"):
        refused = httpx.post(worker + path, json={"prompt": "x", "input": ["x"]}, timeout=10)
        assert refused.status_code == 403, path
    wrong = httpx.post(worker + "/worker_get_embeddings", json={"input": ["x"]}, timeout=30,
                       headers=auth_headers("not-the-cluster-secret-0123"))
    assert wrong.status_code == 403
    answer = httpx.post(worker + "/worker_get_embeddings", json={"input": ["x"]}, headers=AUTH, timeout=30)
    assert answer.status_code == 200 and len(answer.json()["embedding"][0]) == 384


def test_the_controller_checks_workers_with_the_secret(cluster, worker):
    # Refreshing makes the controller ask each worker for its status: a worker
    # that refused the controller's own request would be dropped here.
    controller, _ = cluster
    httpx.post(controller + "/refresh_all_workers", headers=AUTH, timeout=30).raise_for_status()
    assert "emb-sec" in models(controller)
    status = httpx.post(controller + "/worker_get_status", headers=AUTH, timeout=30).json()
    assert "emb-sec" in status["model_names"]


def test_the_models_client_reaches_the_worker_through_the_controller(cluster, worker):
    controller, _ = cluster
    client = ControllerClient(controller, "emb-sec", secret=SECRET)
    assert asyncio.run(client.ready())
    assert len(asyncio.run(client.embed(["one", "two"])).vectors) == 2
    with pytest.raises(Exception, match="embedding model"):
        asyncio.run(client.generate(GenerateRequest(prompt="x")))


def test_the_controller_makes_its_own_secret_file_when_none_is_given(tmp_path):
    data_dir = tmp_path / "data"
    env = offline_env({"DBGPT_DATA_DIR": str(data_dir)})
    env.pop("DBGPT_CLUSTER_SECRET", None)
    env.pop("DBGPT_CLUSTER_SECRET_FILE", None)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", "controller", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        path = Settings(data_dir=data_dir).cluster_secret_path
        deadline = time.monotonic() + 60
        while not path.is_file() or not path.read_text():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "no secret file"
            time.sleep(0.1)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secret = path.read_text().strip()
        assert len(secret) == 43  # 32 random bytes, URL-safe base64
        url = f"http://127.0.0.1:{port}/list_models"
        while True:
            try:
                assert httpx.post(url, headers=auth_headers(secret), timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the controller did not start"
                time.sleep(0.1)
        assert httpx.post(url, timeout=2).status_code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_secret_comes_from_the_setting_then_the_named_file_then_the_data_dir(tmp_path):
    given = tmp_path / "given"
    given.write_text("  from-a-compose-secret-file\n")
    assert Settings(data_dir=tmp_path, cluster_secret="from-the-setting-0123",
                    cluster_secret_file=given).resolve_cluster_secret() == "from-the-setting-0123"
    assert Settings(data_dir=tmp_path, cluster_secret_file=given).resolve_cluster_secret() == \
        "from-a-compose-secret-file"
    made = Settings(data_dir=tmp_path / "fresh").resolve_cluster_secret()
    assert made == Settings(data_dir=tmp_path / "fresh").resolve_cluster_secret()
    assert made != Settings(data_dir=tmp_path / "other").resolve_cluster_secret()


def test_an_unusable_secret_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read the cluster secret file"):
        Settings(data_dir=tmp_path, cluster_secret_file=tmp_path / "missing").resolve_cluster_secret()
    short = tmp_path / "short"
    short.write_text("abc\n")
    with pytest.raises(ValueError, match="shorter than 16"):
        Settings(data_dir=tmp_path, cluster_secret_file=short).resolve_cluster_secret()
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, cluster_secret="short")
    result = subprocess.run([sys.executable, "-m", "server.cli.main", "controller", "--port", str(free_port())],
                            cwd=REPO, capture_output=True, text=True, timeout=60,
                            env=offline_env({"DBGPT_DATA_DIR": str(tmp_path / "data"),
                                             "DBGPT_CLUSTER_SECRET_FILE": str(tmp_path / "missing")}))
    assert result.returncode == 1 and "DBGPT_CLUSTER_SECRET_FILE" in result.stderr


def test_processes_starting_together_share_one_new_secret(tmp_path):
    path = Settings(data_dir=tmp_path).cluster_secret_path
    seen: list[str] = []
    barrier = threading.Barrier(8)

    def resolve() -> None:
        barrier.wait()
        seen.append(Settings(data_dir=tmp_path).resolve_cluster_secret())

    threads = [threading.Thread(target=resolve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len(set(seen)) == 1 and seen[0] == path.read_text().strip()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # nothing left aside
