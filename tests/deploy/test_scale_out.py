"""Scaled out as docker-compose.yml runs it, with real processes: two `dbgpt api`
processes, each with its own data dir, sharing one PostgreSQL database as their
metadata database (DBGPT_METADATA_URL) and one Chroma server (`chroma run`,
DBGPT_CHROMA_URL), in front of one controller and two model workers (tiny
LLaMA, transformers). What is written through either process (connections,
users, keys, grants, a verified example, a space and a document, concurrent
writes) is read back through both; requests through both reach both workers.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.support.auth import bearer, cli_key
from tests.support.chroma import chroma_server
from tests.support.cluster import MODEL, Cluster, worker_status
from tests.support.helpers import city_db, free_port, wait_for_job
from tests.support.postgres import fresh_database

SECRET = "scale-out-cluster-secret-0123456789"
pytestmark = pytest.mark.services  # PostgreSQL
RUNBOOK = b"# Backups\n\nThe nightly backup of the orders database runs pg_dump at 02:00 and keeps 14 copies.\n"


class Deployment:
    def __init__(self, cluster: Cluster, apis: list[str], workers: list[str], env: dict[str, str], shared):
        self.cluster, self.apis, self.workers, self.env, self.shared = cluster, apis, workers, env, shared
        self.admin: dict[str, str] = {}

    def client(self, index: int, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.apis[index], headers=headers or self.admin, timeout=120)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_url):
    tmp = tmp_path_factory.mktemp("scale-out")
    shared = tmp / "shared"
    shared.mkdir()
    city_db(shared)
    with fresh_database(postgres_url, "dbgpt_scale") as metadata_url, chroma_server(tmp / "chroma") as chroma_url:
        cluster = Cluster(tmp, SECRET)
        try:
            workers = [cluster.worker()[1], cluster.worker()[1]]
            common = {"DBGPT_METADATA_URL": metadata_url, "DBGPT_CHROMA_URL": chroma_url,
                      "DBGPT_CONTROLLER_URL": cluster.controller_url, "DBGPT_MODEL_NAME": MODEL,
                      "DBGPT_SECRET_KEY": Fernet.generate_key().decode(),
                      "DBGPT_FILE_ROOTS": json.dumps([str(shared)]), "DBGPT_MAX_IN_FLIGHT_PER_USER": "16"}
            apis = []
            for name in ("api-a", "api-b"):  # started together: they migrate the fresh database in turn
                port = free_port()
                cluster.processes.spawn("api", "--port", str(port),
                                        env={**common, "DBGPT_DATA_DIR": str(tmp / name)})
                apis.append(f"http://127.0.0.1:{port}")
            cluster.wait_registered(2)
            for url in apis:
                cluster.processes.wait_for(lambda url=url: httpx.get(url + "/healthz", timeout=5).status_code == 200,
                                           f"{url} healthy", timeout_s=300)
            deployment = Deployment(cluster, apis, workers, {**cluster.env, **common,
                                                             "DBGPT_DATA_DIR": str(tmp / "cli")}, shared)
            # An admin's key made with the CLI in a third data dir: it lands in the shared database too.
            deployment.admin = cli_key(deployment.env)
            yield deployment
        finally:
            cluster.stop()


def test_writes_through_either_api_process_are_read_through_both(deployment):
    a, b = deployment.client(0), deployment.client(1)
    city = deployment.shared / "city.sqlite"

    assert a.post("/api/v1/connections", json={"name": "cities", "url": f"sqlite:///{city}"}).status_code == 201
    assert b.post("/api/v1/connections", json={"name": "towns", "url": f"sqlite:///{city}",
                                               "description": "the same file"}).status_code == 201
    assert a.post("/api/v1/users", json={"name": "bob"}).status_code == 201
    assert b.post("/api/v1/users/bob/grants", json={"kind": "db", "target": "cities"}).status_code == 200
    made = b.post("/api/v1/keys", json={"user": "bob", "label": "laptop"})
    assert made.status_code == 201, made.text
    bob = bearer(made.json()["key"])
    example = a.post("/api/v1/knowledge/examples", json={"db": "cities", "question": "How many cities are there?",
                                                         "sql": "SELECT COUNT(*) FROM city"})
    assert example.status_code == 201, example.text
    assert example.json()["state"] == "ok"
    assert b.post("/api/v1/knowledge/spaces", json={"name": "runbooks"}).status_code == 201
    upload = a.post("/api/v1/knowledge/spaces/runbooks/upload", files=[("files", ("backups.md", RUNBOOK))])
    assert upload.status_code == 202, upload.text
    job = wait_for_job(a, upload.json()["id"], timeout_s=300)  # jobs are the process's own
    assert job["state"] == "done", job

    # Many writes at once, half through each process: none is lost.
    names = [f"user{i}" for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda i: deployment.client(i % 2).post("/api/v1/users", json={"name": names[i]}),
                                range(len(names))))
    assert [r.status_code for r in created] == [201] * len(names)

    for index in (0, 1):
        api = deployment.client(index)
        assert {c["name"] for c in api.get("/api/v1/connections").json()} >= {"cities", "towns"}
        users = {u["name"]: u for u in api.get("/api/v1/users").json()}
        assert {"admin", "bob", *names} <= set(users)
        assert users["bob"]["databases"] == ["cities"]
        mine = deployment.client(index, bob).get("/api/v1/connections")
        assert [c["name"] for c in mine.json() if not c["builtin"]] == ["cities"], mine.text
        [stored] = api.get("/api/v1/knowledge/examples", params={"db": "cities"}).json()
        assert stored["question"] == "How many cities are there?" and stored["state"] == "ok"
        [space] = api.get("/api/v1/knowledge/spaces").json()
        assert (space["name"], space["documents"]) == ("runbooks", 1)
        [document] = api.get("/api/v1/knowledge/spaces/runbooks/documents").json()
        assert document["state"] == "indexed" and document["chunks"] >= 1
        hits = api.post("/api/v1/knowledge/spaces/runbooks/search", json={"query": "when does the backup run?"})
        assert "02:00" in hits.json()[0]["text"], hits.text
        assert any(entry["db"] == "cities" for entry in api.get("/api/v1/audit").json())


def test_requests_through_both_api_processes_reach_both_workers(deployment):
    def complete(index: int) -> httpx.Response:
        return deployment.client(index).post("/v1/completions", json={
            "model": MODEL, "prompt": "SELECT name FROM", "max_tokens": 4, "temperature": 0})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(complete, [0, 1, 0, 1, 0, 1, 0, 1]))
    assert [r.status_code for r in answers] == [200] * 8, answers[0].text
    assert all(worker_status(url, SECRET)["calls"] >= 1 for url in deployment.workers)
