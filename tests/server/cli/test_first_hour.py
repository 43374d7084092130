"""What a new user met in a first hour with the CLI, each fixed: no traceback for a
missing file, reports on stdout, a healthy server of their own is not a failure."""

import pytest
from typer.testing import CliRunner

from server.app import create_app
from server.cli.main import app
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.helpers import city_db, free_port, model_file, serve_app

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DBGPT_MODEL_PATH", str(model_file()))
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def test_sql_on_a_missing_sqlite_file_is_one_line_not_a_traceback(env):
    result = runner.invoke(app, ["sql", "How many?", "--db", f"sqlite:///{env / 'nope.sqlite'}"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "nope.sqlite" in result.output and len(result.output.strip().splitlines()) <= 3


def test_doctor_and_model_list_report_on_stdout(env):
    doctor = runner.invoke(app, ["doctor"])
    assert "model" in doctor.stdout and "ports" in doctor.stdout
    listed = runner.invoke(app, ["model", "list"])
    assert listed.exit_code == 0 and "qwen2.5-coder-1.5b-instruct" in listed.stdout


def test_doctor_takes_the_users_own_running_server_for_fine(env, monkeypatch):
    settings = Settings(data_dir=env / "served")
    with serve_app(create_app(settings, llm=ScriptedLLM())) as url:
        monkeypatch.setenv("DBGPT_PORT", url.rsplit(":", 1)[1])
        monkeypatch.setenv("DBGPT_CONTROLLER_PORT", str(free_port()))
        monkeypatch.setenv("DBGPT_WORKER_PORT", str(free_port()))
        doctor = runner.invoke(app, ["doctor"])
    ports = next(line for line in doctor.stdout.splitlines() if line.strip("│ ").startswith("ports"))
    assert "running DB-GPT" in ports and "yes" in ports, doctor.stdout


def test_db_add_tests_the_connection_and_saves_none_that_cannot_connect(env):
    missing = f"sqlite:///{env / 'nope.sqlite'}"
    refused = runner.invoke(app, ["db", "add", "nope", missing])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert "cannot connect" in refused.output and "--no-check" in refused.output
    assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert "nope" not in runner.invoke(app, ["db", "list"]).stdout

    saved = runner.invoke(app, ["db", "add", "nope", missing, "--no-check"])
    assert saved.exit_code == 0 and "nope" in runner.invoke(app, ["db", "list"]).stdout


def test_db_add_saves_a_database_that_answers(env):
    shop = city_db(env)
    added = runner.invoke(app, ["db", "add", "shop", f"sqlite:///{shop}"])
    assert added.exit_code == 0, added.output
    assert "connected" in added.output and "shop" in runner.invoke(app, ["db", "list"]).stdout
