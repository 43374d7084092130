"""The audit log over the API and the CLI: every request that reaches a database or the model is recorded,
never a password or a key, readable by admins only, and no route edits or deletes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from server.auth.users import KEY_RE
from tests.support.auth import api_key, bearer
from tests.support.helpers import REPO, free_port
from tests.support.routes import every_route

PASSWORD = "Pa55-marker-0d1e"
AUDIT = "/api/v1/audit"


@pytest.fixture
def activity(admin, analyst, users, llm, cities):
    """A registered connection with a password, then requests of every kind, from an admin and an analyst."""
    llm.reply = '{"thoughts": "", "sql": "SELECT count(*) FROM customers"}'
    closed = free_port()
    created = admin.post("/api/v1/connections", json={
        "name": "warehouse", "url": f"postgresql+psycopg://reader@127.0.0.1:{closed}/sales", "password": PASSWORD,
        "test": False})
    assert created.status_code == 201 and PASSWORD not in created.text
    # Tested before it is saved: the driver's error is recorded, the password in the URL is not.
    inline = admin.post("/api/v1/connections", json={
        "name": "inline", "url": f"postgresql+psycopg://reader:{PASSWORD}@127.0.0.1:{closed}/sales"})
    assert inline.status_code == 400 and PASSWORD not in inline.text
    unreachable = admin.post("/api/v1/connections/warehouse/test")
    assert unreachable.status_code == 400 and PASSWORD not in unreachable.text
    first_three = "SELECT customer_id FROM customers LIMIT 3"
    assert admin.post("/api/v1/sql/run", json={"db": "demo", "sql": first_three}).is_success
    assert admin.post("/api/v1/sql/run", json={"db": "demo", "sql": "DELETE FROM customers"}).status_code == 400
    assert admin.post("/api/v1/sql/generate", json={"question": "how many customers?",
                                                       "pipeline": "plain"}).status_code == 200
    assert admin.post("/api/v1/sql/diagnose", json={"sql": "SELECT * FROM customers", "use_model": False}).is_success
    chat = {"model": "scripted", "messages": [{"role": "user", "content": "what is an index?"}]}
    assert admin.post("/v1/chat/completions", json=chat).status_code == 200
    users.grant("ana", "db", cities)
    assert analyst.post("/api/v1/sql/run", json={"db": cities, "sql": "SELECT name FROM city"}).status_code == 200
    # Neither reaches a database: not recorded.
    assert admin.get("/api/v1/connections").status_code == 200
    assert analyst.get("/api/v1/auth/me").status_code == 200


def test_every_request_that_reaches_a_database_or_the_model_is_recorded(admin, activity):
    entries = admin.get(AUDIT).json()
    assert [(e["user"], e["route"], e["db"], e["outcome"]) for e in reversed(entries)] == [
        ("admin", "POST /api/v1/connections", "warehouse", "ok"),
        ("admin", "POST /api/v1/connections", "inline", "error"),
        ("admin", "POST /api/v1/connections/warehouse/test", "warehouse", "error"),
        ("admin", "POST /api/v1/sql/run", "demo", "ok"),
        ("admin", "POST /api/v1/sql/run", "demo", "refused"),
        ("admin", "POST /api/v1/sql/generate", "demo", "ok"),
        ("admin", "POST /api/v1/sql/diagnose", "demo", "ok"),
        ("admin", "POST /v1/chat/completions", None, "ok"),
        ("ana", "POST /api/v1/sql/run", "cities", "ok"),
    ]
    by_route = {(e["route"], e["outcome"]): e for e in reversed(entries)}  # the newest of each
    run = by_route["POST /api/v1/sql/run", "ok"]
    assert run["user"] == "ana" and run["sql"] == "SELECT name FROM city" and run["row_count"] == 2
    refused = by_route["POST /api/v1/sql/run", "refused"]
    assert refused["sql"] == "DELETE FROM customers" and refused["rule"] and refused["row_count"] is None
    generated = by_route["POST /api/v1/sql/generate", "ok"]
    assert generated["question"] == "how many customers?"
    assert generated["sql"] == "SELECT count(*) FROM customers" and generated["row_count"] == 1
    assert by_route["POST /v1/chat/completions", "ok"]["question"] == "what is an index?"
    assert "cannot connect" in by_route["POST /api/v1/connections", "error"]["detail"]
    for entry in entries:
        assert entry["at"] and entry["duration_ms"] >= 0


def test_a_request_refused_for_a_missing_grant_is_recorded(admin, analyst, cities):
    refused = analyst.post("/api/v1/sql/run", json={"db": cities, "sql": "SELECT name FROM city"})
    assert refused.status_code == 403
    no_space = analyst.post("/api/v1/qa", json={"question": "what is an index?", "space": "manuals"})
    assert no_space.status_code == 403
    entries = admin.get(AUDIT, params={"user": "ana"}).json()
    assert [(e["route"], e["db"], e["outcome"]) for e in reversed(entries)] == [
        ("POST /api/v1/sql/run", "cities", "denied"), ("POST /api/v1/qa", None, "denied")]
    assert "no grant" in entries[0]["detail"] and "manuals" in entries[0]["detail"]


def test_no_password_or_key_is_ever_stored_or_shown(admin, activity, settings):
    key = admin.headers["authorization"].removeprefix("Bearer ")
    secret = KEY_RE.match(key).group(2)
    log = admin.get(AUDIT, params={"limit": 10_000}).text
    stored = settings.metadata_db_path.read_bytes()
    for leak in (PASSWORD, key, secret):
        assert leak not in log
        assert leak.encode() not in stored


def test_admins_filter_the_log_and_analysts_may_not_read_it(admin, analyst, activity):
    assert {e["user"] for e in admin.get(AUDIT, params={"user": "ana"}).json()} == {"ana"}
    assert {e["db"] for e in admin.get(AUDIT, params={"db": "demo"}).json()} == {"demo"}
    assert len(admin.get(AUDIT, params={"limit": 2}).json()) == 2
    assert admin.get(AUDIT, params={"user": "nobody"}).json() == []
    for params in ({}, {"user": "ana"}, {"db": "cities", "limit": 5}):
        assert analyst.get(AUDIT, params=params).status_code == 403


def test_the_cli_prints_the_log_as_json(activity, settings):
    env = {**os.environ, "DBGPT_DATA_DIR": str(settings.data_dir)}
    run = subprocess.run([sys.executable, "-m", "server.cli.main", "audit", "--json", "--user", "ana"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    [entry] = json.loads(run.stdout)
    assert (entry["user"], entry["db"], entry["sql"], entry["row_count"]) == ("ana", "cities",
                                                                              "SELECT name FROM city", 2)
    assert PASSWORD not in run.stdout


def test_no_route_edits_or_deletes_the_log(app, admin):
    audit_routes = {str(r) for r in every_route(app) if "audit" in r.path}
    assert audit_routes == {f"GET {AUDIT}"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert admin.request(method, AUDIT).status_code == 405
        assert admin.request(method, f"{AUDIT}/1").status_code == 404


def test_the_key_a_request_came_with_is_not_logged(admin, settings):
    key = api_key(settings, "ana", "analyst")
    assert admin.post("/api/v1/sql/run", json={"db": "demo", "sql": "SELECT 1"}, headers=bearer(key)).is_success
    [entry] = admin.get(AUDIT).json()
    assert entry["user"] == "ana" and key not in json.dumps(entry)
    assert key.encode() not in settings.metadata_db_path.read_bytes()
