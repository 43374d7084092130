"""What a new user met in a first hour with the CLI and `make serve`, each fixed: no
traceback for a missing file or an offline machine, reports on stdout, a healthy server
of their own is not a failure, no database saved that cannot be reached, no pip noise."""

import hashlib
import time
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llm import model_files
from llm.model_files import spec_for

from server.app import create_app
from server.cli.main import app
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.helpers import city_db, free_port, serve_app

runner = CliRunner()


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


REPO = Path(__file__).resolve().parents[3]
PIP_NOISE = ("WARNING: Location 'https://example.invalid/simple/x/' is ignored: it is either a non-existing path "
             "or lacks a specific scheme.\n"
             "WARNING: huggingface-hub 2.4.0 does not provide the extra 'inference'\n")


def make_n(*args: str) -> list[str]:
    # Run from `make test`, make is a sub-make and would print "Entering/Leaving directory" lines.
    made = subprocess.run(["make", "--no-print-directory", "-n", "-B", *args], cwd=REPO, capture_output=True,
                          text=True, check=True)
    return made.stdout.splitlines()


def test_make_serve_passes_args_to_dbgpt_serve_and_the_readme_says_how_to_set_the_port():
    assert make_n("serve", "ARGS=--port 8080")[-1] == ".venv/bin/dbgpt serve --port 8080"
    assert make_n("serve")[-1].rstrip() == ".venv/bin/dbgpt serve"
    readme = (REPO / "README.md").read_text()
    assert "DBGPT_PORT=8080 make serve" in readme and "make serve ARGS=" in readme


def test_make_serve_hides_the_warnings_pip_prints_about_nothing_to_fix(tmp_path):
    fake_pip = tmp_path / "fake-pip"
    fake_pip.write_text(f"#!/bin/sh\nprintf %s \"{PIP_NOISE}WARNING: keep me\nERROR: and me\n\" >&2\nexit 3\n")
    fake_pip.chmod(0o755)
    install = next(line for line in make_n("serve", f"PIP={fake_pip}") if "install -e" in line)
    ran = subprocess.run(["bash", "-c", install], cwd=REPO, capture_output=True, text=True)
    assert ran.returncode == 3, "pip's failure must still fail the install"
    assert ran.stderr.splitlines() == ["WARNING: keep me", "ERROR: and me"]


def test_model_pull_offline_says_the_hub_is_unreachable_in_one_line_not_a_traceback(env, monkeypatch):
    data = b"model bytes" * 1000
    spec = replace(spec_for("qwen2.5-coder-1.5b-instruct"), name="tiny", filename="tiny.gguf", size=len(data),
                   sha256=hashlib.sha256(data).hexdigest())
    monkeypatch.setitem(model_files.CATALOG, "tiny", spec)
    monkeypatch.setattr(model_files, "_hf_url", lambda _s: "http://127.0.0.1:9/offline")  # nothing listens there
    monkeypatch.setattr(model_files, "_pypi_chunks", lambda _s, _w: iter([data]))  # the installed parts
    monkeypatch.delenv("DBGPT_MODEL_PATH")
    monkeypatch.setenv("DBGPT_MODEL_DIR", str(env / "models"))
    pulled = runner.invoke(app, ["model", "pull", "--model", "tiny"])
    assert pulled.exit_code == 0, pulled.output
    assert "Traceback" not in pulled.output and "fine offline" in pulled.output
    assert (env / "models" / "tiny.gguf").read_bytes() == data


def test_the_ready_lines_never_break_a_url_however_narrow_the_terminal(env, monkeypatch):
    from io import StringIO

    from rich.console import Console

    from server.cli import serve

    out = StringIO()
    monkeypatch.setattr(serve, "console", Console(file=out, width=30, force_terminal=False))
    settings = Settings(data_dir=env / "served")
    with serve_app(create_app(settings, llm=ScriptedLLM())) as url:
        serve._announce_when_healthy(settings.model_copy(update={"port": int(url.rsplit(":", 1)[1])}))
        deadline = time.monotonic() + 20
        while "API keys" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = out.getvalue().splitlines()
    login = next(line for line in lines if "?token=" in line)
    assert login.startswith(url + "/?token=") and len(login) > 30
    assert any(f"{url}/docs;" in line for line in lines), lines


def test_sql_says_how_far_to_trust_the_answer(env, monkeypatch):
    from server.cli import sql as sql_cli

    llm = ScriptedLLM()
    llm.reply = "```sql\nSELECT name FROM city WHERE name = 'Rome'\n```\nRome."
    monkeypatch.setattr(sql_cli, "open_llm", lambda settings, controller: llm)
    result = runner.invoke(app, ["sql", "Which city is Rome?", "--db", f"sqlite:///{city_db(env)}"])
    assert result.exit_code == 0, result.output
    # no row holds 'Rome' and the result is empty: evidence of a wrong answer, said in words
    lines = [x for x in result.stdout.splitlines() if x.startswith("confidence ")]
    assert lines, result.output
    line = lines[0]
    assert line.endswith("likely wrong: check the SQL") or line.endswith("check the rows"), line
    assert not line.endswith("confident")
