"""The `dbgpt` command on real SQLite databases (no model needed here)."""

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from server.cli.main import app
from tests.support.helpers import city_db, model_file


@pytest.fixture
def shop(tmp_path):
    return city_db(tmp_path)


runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_db_add_list_test_run_remove(env, shop):
    assert invoke("db", "add", "shop", f"sqlite:///{shop}", "--description", "test shop").exit_code == 0
    listed = invoke("db", "list")
    assert "shop" in listed.output and "demo" in listed.output
    assert invoke("db", "test", "shop").exit_code == 0
    result = invoke("run", "--db", "shop", "--json", "SELECT name FROM city ORDER BY id")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["rows"] == [["Paris"], ["Lyon"]]
    assert invoke("db", "remove", "shop").exit_code == 0
    assert invoke("run", "--db", "shop", "SELECT 1").exit_code == 2


def test_password_from_stdin_is_never_printed(env):
    url = "postgresql+psycopg://analyst@db.example/sales"
    refused = invoke("db", "add", "pg", url, "--password-stdin", input="hunter2-secret\n")  # no such host
    result = invoke("db", "add", "pg", url, "--password-stdin", "--no-check", input="hunter2-secret\n")
    assert refused.exit_code == 1 and result.exit_code == 0
    assert "hunter2-secret" not in refused.output + result.output + invoke("db", "list").output


def test_run_refuses_writes_with_the_rule(env, shop):
    result = invoke("run", "--db", f"sqlite:///{shop}", "--json", "DELETE FROM city")
    assert result.exit_code == 3
    assert json.loads(result.stdout.strip().splitlines()[0])["error"] == "refused"
    with sqlite3.connect(shop) as con:
        assert con.execute("SELECT COUNT(*) FROM city").fetchone() == (2,)


def test_unknown_database_names_the_known_ones(env):
    result = invoke("run", "--db", "nowhere", "SELECT 1")
    assert result.exit_code == 2 and "demo" in result.output


def test_sql_refuses_an_empty_question(env):
    assert invoke("sql", "  ").exit_code == 2


def test_model_list_shows_the_default_model(env, monkeypatch):
    result = invoke("model", "list")
    assert result.exit_code == 0 and "qwen2.5-coder-1.5b-instruct" in result.output
    assert "local file" in result.output  # DBGPT_MODEL_PATH is what will be used
    monkeypatch.delenv("DBGPT_MODEL_PATH")
    monkeypatch.setenv("DBGPT_MODEL_DIR", str(model_file().parent))
    assert "verified" in invoke("model", "list").output


def test_doctor_reports_each_check(env, monkeypatch):
    from tests.support.helpers import free_port

    for name in ("DBGPT_PORT", "DBGPT_CONTROLLER_PORT", "DBGPT_WORKER_PORT"):
        monkeypatch.setenv(name, str(free_port()))
    result = invoke("doctor")
    assert "model" in result.output and "ports" in result.output and "database demo" in result.output
    assert result.exit_code == 0, result.output


def test_doctor_says_how_to_get_a_missing_model(env, monkeypatch, tmp_path):
    monkeypatch.delenv("DBGPT_MODEL_PATH")
    monkeypatch.setenv("DBGPT_MODEL_DIR", str(tmp_path / "empty"))
    result = invoke("doctor")
    assert result.exit_code == 1 and "dbgpt model pull" in result.output


def test_serve_refuses_a_port_in_use_with_a_clear_error(env, monkeypatch):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("DBGPT_PORT", str(busy.getsockname()[1]))
        result = invoke("serve")
    assert result.exit_code == 1
    assert "already in use" in result.output and "Traceback" not in result.output


def test_api_alone_refuses_a_port_in_use_with_a_clear_error(env, monkeypatch):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = invoke("api", "--port", str(busy.getsockname()[1]))
    assert result.exit_code == 1
    assert "already in use" in result.output and "Traceback" not in result.output


def test_a_worker_on_every_address_is_advertised_by_this_machines_name():
    import socket

    from server.cli.serve import _reachable_url

    assert _reachable_url("0.0.0.0", 21002) == f"http://{socket.gethostname()}:21002"
    assert _reachable_url("10.0.0.5", 21003) == "http://10.0.0.5:21003"


def test_sql_prints_the_warnings_the_answer_carries(capsys):
    from assistant.sqlgen.answer import SqlAnswer
    from server.cli.sql import _print_answer

    _print_answer(SqlAnswer(question="q", sql="SELECT 1", columns=["n"], rows=[[1]],
                            warnings=["[store] is joined ON a = b, which never mentions it"]))
    assert "check: [store] is joined ON a = b, which never mentions it" in capsys.readouterr().out
