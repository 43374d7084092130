"""`dbgpt user`, `dbgpt key` and `dbgpt login-url` on a real data dir, checked
against the real API: what the CLI makes is what lets a caller in."""

import sqlite3

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from server.app import create_app
from server.cli.main import app
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.auth import bearer

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path / "data"


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def api(data_dir) -> TestClient:
    return TestClient(create_app(Settings(data_dir=data_dir), llm=ScriptedLLM()), base_url="http://127.0.0.1")


def test_a_key_is_printed_once_alone_on_the_last_line_and_lets_its_user_in(data_dir):
    assert invoke("user", "add", "ana", "--role", "analyst").exit_code == 0
    made = invoke("key", "create", "--user", "ana", "--label", "laptop")
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("dbgpt_") and " " not in key
    listed = invoke("key", "list")
    assert "laptop" in listed.output and key not in listed.output  # the key itself is never shown again
    with api(data_dir) as client:
        me = client.get("/api/v1/auth/me", headers=bearer(key))
        assert me.status_code == 200 and me.json()["role"] == "analyst"
        key_id = key.split("_")[1]
        assert invoke("key", "revoke", key_id).exit_code == 0
        assert client.get("/api/v1/auth/me", headers=bearer(key)).status_code == 401


def test_grants_decide_which_databases_an_analyst_reaches(data_dir, tmp_path):
    invoke("user", "add", "ana", "--role", "analyst")
    key = invoke("key", "create", "--user", "ana").stdout.strip().splitlines()[-1]
    (data_dir / "databases").mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(data_dir / "databases" / "sales.sqlite") as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    assert invoke("db", "add", "sales", f"sqlite:///{data_dir / 'databases' / 'sales.sqlite'}").exit_code == 0
    run = {"db": "sales", "sql": "SELECT count(*) FROM t"}
    with api(data_dir) as client:
        assert client.post("/api/v1/sql/run", json=run, headers=bearer(key)).status_code == 403
        assert invoke("user", "grant", "ana", "--db", "sales").exit_code == 0
        assert client.post("/api/v1/sql/run", json=run, headers=bearer(key)).json()["rows"] == [[0]]
        assert "sales" in invoke("user", "list").output
        assert invoke("user", "revoke", "ana", "--db", "sales").exit_code == 0
        assert client.post("/api/v1/sql/run", json=run, headers=bearer(key)).status_code == 403


def test_a_removed_database_takes_its_grants_with_it(data_dir):
    invoke("user", "add", "ana", "--role", "analyst")
    key = invoke("key", "create", "--user", "ana").stdout.strip().splitlines()[-1]
    (data_dir / "databases").mkdir(parents=True, exist_ok=True)
    first, second = data_dir / "databases" / "old.sqlite", data_dir / "databases" / "new.sqlite"
    for path in (first, second):
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE t (x INTEGER)")
    assert invoke("db", "add", "sales", f"sqlite:///{first}").exit_code == 0
    assert invoke("user", "grant", "ana", "--db", "sales").exit_code == 0
    assert invoke("db", "remove", "sales").exit_code == 0
    # another database under the same name must not inherit the old grant
    assert invoke("db", "add", "sales", f"sqlite:///{second}").exit_code == 0
    run = {"db": "sales", "sql": "SELECT count(*) FROM t"}
    with api(data_dir) as client:
        assert client.post("/api/v1/sql/run", json=run, headers=bearer(key)).status_code == 403


def test_a_password_from_stdin_signs_in_on_the_page_and_removal_locks_out(data_dir):
    assert invoke("user", "add", "bo", "--role", "admin", "--password-stdin", input="correct horse\n").exit_code == 0
    with api(data_dir) as client:
        assert client.post("/api/v1/auth/login", json={"name": "bo", "password": "wrong one"}).status_code == 401
        signed = client.post("/api/v1/auth/login", json={"name": "bo", "password": "correct horse"})
        assert signed.status_code == 200
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/api/v1/users").status_code == 200  # the cookie now carries the session
        assert invoke("user", "remove", "bo").exit_code == 0
        assert client.get("/api/v1/users").status_code == 401


def test_login_url_makes_an_admin_when_there_is_none_and_signs_in_once(data_dir):
    printed = invoke("login-url")
    assert printed.exit_code == 0, printed.output
    url = printed.stdout.strip().splitlines()[-1]
    assert url.startswith("http://127.0.0.1:5670/?token=")
    assert "admin" in invoke("user", "list").output
    with api(data_dir) as client:
        path = url.split("5670", 1)[1]
        first = client.get(path, follow_redirects=False)
        assert first.status_code == 303 and "dbgpt_session" in first.headers["set-cookie"]
        again = TestClient(client.app, base_url="http://127.0.0.1").get(path, follow_redirects=False)
        assert again.headers["location"] == "/?login=expired"


def test_mistakes_are_said_plainly(data_dir):
    assert invoke("user", "add", "x y").exit_code == 2
    assert invoke("user", "add", "ana", "--role", "owner").exit_code == 2
    assert invoke("key", "create", "--user", "nobody").exit_code == 2
    assert invoke("user", "grant", "nobody", "--db", "demo").exit_code == 2
    assert invoke("user", "grant", "nobody").exit_code == 2
