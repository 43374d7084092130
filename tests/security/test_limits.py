"""Limits a caller cannot talk the server out of: the body cap, errors that never echo what was sent, requests in
flight per user, the server's own query time limit, and a 500 that shows no traceback."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.metadata import open_registry
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.auth import api_key, bearer, signed_in
from tests.support.helpers import serve_app

MARKER = "zq-echo-marker-7731"
PASSWORD = "hunter2-Secret!"


def test_a_30_mb_body_is_refused_unread_and_the_server_stays_up(app, settings):
    headers = bearer(api_key(settings))
    sql = MARKER * (30_000_000 // len(MARKER))
    body = f'{{"db": "demo", "sql": "{sql}"}}'.encode()
    with serve_app(app) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        declared = http.post("/api/v1/sql/run", content=body, headers={"Content-Type": "application/json"})
        assert declared.status_code == 413 and MARKER not in declared.text
        assert declared.json()["detail"] == f"the request body is larger than {settings.max_body_bytes} bytes"

        def chunks():  # no Content-Length: counted as it arrives
            for start in range(0, len(body), 1 << 20):
                yield body[start:start + (1 << 20)]

        streamed = http.post("/api/v1/sql/run", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413 and MARKER not in streamed.text
        assert http.get("/healthz").status_code == 200
        assert http.post("/api/v1/sql/run", json={"db": "demo", "sql": "SELECT 1"}).status_code == 200


BAD_BODIES = [
    ("/api/v1/users", {"name": MARKER * 10, "role": MARKER, "password": PASSWORD[:7]}),
    ("/api/v1/auth/login", {"name": MARKER * 10, "password": [PASSWORD]}),
    ("/api/v1/connections", {"name": MARKER, "url": 7, "password": {"value": PASSWORD}, "test": MARKER}),
    ("/api/v1/sql/run", {"db": MARKER, "sql": PASSWORD, "row_limit": MARKER}),
    ("/api/v1/sql/diagnose", {"sql": PASSWORD, "dialect": MARKER, "timeout_s": MARKER}),
    ("/api/v1/qa", {"question": {"text": PASSWORD}, "space": MARKER * 10}),
    ("/v1/chat/completions", {"model": "scripted", "messages": [{"role": MARKER, "content": PASSWORD}]}),
    ("/v1/completions", {"model": "scripted", "prompt": [PASSWORD, MARKER]}),
    ("/v1/embeddings", {"model": "scripted", "input": [PASSWORD, ""], "encoding_format": MARKER}),
]


def test_a_refused_body_is_never_echoed(admin):
    for path, body in BAD_BODIES:
        response = admin.post(path, json=body)
        assert response.status_code in (400, 422), (path, response.status_code)
        assert MARKER not in response.text and PASSWORD not in response.text, path
    broken = admin.post("/api/v1/auth/login", content=f'{{"name": "admin", "password": "{PASSWORD}"'.encode(),
                        headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and PASSWORD not in broken.text
    query = admin.get("/api/v1/audit", params={"limit": PASSWORD, "user": MARKER * 10})
    assert query.status_code == 422 and PASSWORD not in query.text and MARKER not in query.text


class HeldLLM(ScriptedLLM):
    """Holds every answer until `release` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()
        self.held = 0

    async def generate(self, request):
        self.held += 1
        await asyncio.to_thread(self.release.wait, 60)
        return await super().generate(request)


def test_requests_in_flight_are_bounded_per_user(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", max_in_flight_per_user=2)
    llm = HeldLLM()
    admin_key, other_key = api_key(settings), api_key(settings, "ana", "analyst")
    question = {"question": "how many customers?", "pipeline": "plain"}
    with serve_app(create_app(settings, llm=llm)) as base, httpx.Client(base_url=base, timeout=60) as http, \
            ThreadPoolExecutor(2) as pool:
        held = [pool.submit(http.post, "/api/v1/sql/generate", json=question, headers=bearer(admin_key))
                for _ in range(2)]
        deadline = time.monotonic() + 30
        while llm.held < 2:
            assert time.monotonic() < deadline, "the two requests never reached the model"
            time.sleep(0.05)
        over = http.post("/api/v1/sql/generate", json=question, headers=bearer(admin_key))
        assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
        assert "2 requests running" in over.json()["detail"]
        openai = http.post("/v1/chat/completions", headers=bearer(admin_key),
                           json={"model": "scripted", "messages": [{"role": "user", "content": "hi"}]})
        assert openai.status_code == 429 and openai.headers["retry-after"]
        assert openai.json()["error"]["code"] == "rate_limit_exceeded"
        # Another user is not held up by the first one's requests.
        other = http.post("/api/v1/sql/run", json={"db": "demo", "sql": "SELECT 1"}, headers=bearer(other_key))
        assert other.status_code == 200
        llm.release.set()
        assert [f.result().status_code for f in held] == [200, 200]
        assert http.post("/api/v1/sql/generate", json=question, headers=bearer(admin_key)).status_code == 200


@pytest.fixture
def slow_db(tmp_path):
    """Settings with a 2 s query limit and a registered database on which one query runs ~20 s (a quadratic join)."""
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", query_timeout_s=2)
    settings.ensure_dirs()
    path = settings.user_databases_path / "readings.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor INTEGER, value INTEGER)")
        con.executemany("INSERT INTO reading (sensor, value) VALUES (?, ?)",
                        ((i % 50, i % 997) for i in range(100_000)))
    open_registry(settings).add("readings", f"sqlite:///{path}")
    return settings


def test_diagnosis_runs_under_the_server_time_limit_whatever_the_request_asks(slow_db):
    """The index trial runs the query in a copy of the database: with timeout_s=600 it still stops at the
    server's 2 s (uncapped it would run ~20 s), and a shorter request limit is honoured."""
    sql = "SELECT count(*) FROM reading a JOIN reading b ON b.value > a.value WHERE a.sensor = 7"
    with signed_in(create_app(slow_db, llm=ScriptedLLM()), slow_db) as admin:
        def trial(timeout_s: float) -> tuple[float, dict]:
            report = admin.post("/api/v1/sql/diagnose", json={"db": "readings", "sql": sql, "timeout_s": timeout_s,
                                                              "use_model": False}).json()
            suggestion = next(f for f in report["findings"] if f["kind"] == "index_suggestion")
            return report["timings"]["advise_indexes"], suggestion

        seconds, suggestion = trial(600)
        assert 1.5 <= seconds < 10, seconds
        assert "ran past the connector's timeout" in suggestion["verification"]
        shorter, _ = trial(0.5)
        assert shorter < 1.5, shorter


class FailingLLM(ScriptedLLM):
    """Fails as a bug would, with text a traceback would show."""

    error = RuntimeError(f"{MARKER} in /srv/dbgpt/secret_module.py")

    async def ready(self):
        raise self.error

    async def list_models(self):
        raise self.error

    async def generate(self, request):
        raise self.error


def test_an_unexpected_error_is_a_500_without_a_traceback(settings):
    app = create_app(settings, llm=FailingLLM())
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        client.headers.update(bearer(api_key(settings)))
        answers = {
            "/healthz": client.get("/healthz"),
            "/v1/models": client.get("/v1/models"),
            "/api/v1/sql/generate": client.post("/api/v1/sql/generate",
                                                json={"question": "how many?", "pipeline": "plain"}),
        }
        for path, response in answers.items():
            assert response.status_code == 500, (path, response.status_code)
            for leak in (MARKER, "Traceback", "secret_module", 'File "'):
                assert leak not in response.text, (path, leak)
        assert answers["/healthz"].json()["detail"] == "internal error (RuntimeError); the server log has the details"
        assert client.get("/api/v1/auth/me").status_code == 200  # and the server goes on


def test_password_guessing_is_slowed_to_the_windows_pace_and_audited(app, settings, users, admin):
    users.add("pat", "analyst", PASSWORD)
    with TestClient(app, base_url="http://127.0.0.1") as stranger:
        for _ in range(settings.login_max_failures):
            wrong = stranger.post("/api/v1/auth/login", json={"name": "pat", "password": "guess-123456"})
            assert wrong.status_code == 401
        # The right password now waits too: a refusal that checked it would tell the guesser.
        refused = stranger.post("/api/v1/auth/login", json={"name": "pat", "password": PASSWORD})
        assert refused.status_code == 429 and "too many failed sign-ins" in refused.json()["detail"]
        assert 0 < int(refused.headers["Retry-After"]) <= settings.login_window_s
        assert stranger.post("/api/v1/auth/login", json={"name": "nobody", "password": "x"}).status_code == 401
    log = admin.get("/api/v1/audit", params={"user": "pat"}).json()
    assert [e["outcome"] for e in log] == ["denied"] * (settings.login_max_failures + 1)
    assert log[0]["detail"].startswith("too many failed sign-ins") and PASSWORD not in str(log)
