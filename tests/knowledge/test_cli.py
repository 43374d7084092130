"""`dbgpt knowledge ...` and `dbgpt ask` in process, over a temporary data dir."""

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from server.cli.main import app
from tests.knowledge.files import sqlite_docs


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # no dbgpt.toml from the repo
    return tmp_path


def test_add_shows_progress_lists_failures_and_is_idempotent(env):
    docs = env / "docs"
    docs.mkdir()
    (docs / "vacuum.html").write_bytes((sqlite_docs() / "lang_vacuum.html").read_bytes())
    (docs / "notes.md").write_text("# Notes\nThe replica lags by 2 seconds.\n")
    (docs / "scan.png").write_bytes(b"\x89PNG")
    runner = CliRunner()
    first = runner.invoke(app, ["knowledge", "add", str(docs), "--space", "ops"])
    assert first.exit_code == 1, first.output  # one file failed
    assert "2 added, 1 failed" in first.output and "unsupported" in first.output
    again = runner.invoke(app, ["knowledge", "add", str(docs), "--space", "ops", "--json"])
    job = json.loads(again.stdout.strip().splitlines()[-1])
    assert job["counts"] == {"unchanged": 2, "failed": 1}
    listed = runner.invoke(app, ["knowledge", "spaces"])
    assert "ops" in listed.output
    hits = json.loads(runner.invoke(app, ["knowledge", "search", "replica lag", "--space", "ops", "-k", "1"]).stdout)
    assert hits[0]["metadata"]["location"] == "Notes"


def test_examples_and_sensitive_columns_from_the_shell(env):
    db = env / "hr.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript("CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, ssn TEXT);"
                          "INSERT INTO staff VALUES (1, 'Ann', '123-45-6789');")
    url = f"sqlite:///{db}"
    runner = CliRunner()
    ok = runner.invoke(app, ["knowledge", "example", "add", "How many staff?", "SELECT COUNT(*) FROM staff",
                             "--db", url])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["state"] == "ok"
    bad = runner.invoke(app, ["knowledge", "example", "add", "Salaries", "SELECT salary FROM staff", "--db", url])
    assert bad.exit_code == 2 and "salary" in bad.output and bad.stdout == ""  # refused, not stored
    empty = runner.invoke(app, ["knowledge", "example", "add", "Bob", "SELECT id FROM staff WHERE name = 'Bob'",
                                "--db", url])
    assert empty.exit_code == 2 and "no rows" in empty.output
    listed = runner.invoke(app, ["knowledge", "example", "list", "--db", url])
    assert "How many staff" in listed.output and "Salaries" not in listed.output and "Bob" not in listed.output
    marked = runner.invoke(app, ["knowledge", "sensitive", "staff.ssn", "--db", url])
    assert "staff.ssn" in marked.output
    synced = json.loads(runner.invoke(app, ["knowledge", "sync", "--db", url]).stdout)
    assert synced["schema"]["added"] == ["staff"]
    assert runner.invoke(app, ["knowledge", "sensitive", "ssn", "--db", url]).exit_code == 2


@pytest.mark.model
def test_ask_says_when_nothing_relevant_is_known(env, monkeypatch):
    from tests.support.helpers import model_file

    monkeypatch.setenv("DBGPT_MODEL_PATH", str(model_file()))
    runner = CliRunner()
    (env / "a.md").write_text("# Backups\nBackups run nightly at 02:00.\n")
    assert runner.invoke(app, ["knowledge", "add", str(env / "a.md"), "--space", "ops"]).exit_code == 0
    result = runner.invoke(app, ["ask", "What colour is the sky on Mars?", "--space", "ops", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert not body["answerable"] and body["citations"] == []
    assert runner.invoke(app, ["ask", "x", "--space", "nope"]).exit_code == 2


@pytest.mark.model
def test_the_readme_example_answers_from_the_runbooks(env, monkeypatch):
    """README: `dbgpt knowledge add ./runbooks --space dba`, then
    `dbgpt ask "How do we rotate the replication password?" --space dba`."""
    import shutil
    from pathlib import Path

    from tests.support.helpers import model_file

    monkeypatch.setenv("DBGPT_MODEL_PATH", str(model_file()))
    shutil.copytree(Path(__file__).parents[1] / "assistant" / "qa" / "runbooks", env / "runbooks")
    runner = CliRunner()
    added = runner.invoke(app, ["knowledge", "add", "./runbooks", "--space", "dba"])
    assert added.exit_code == 0 and "3 added" in added.output, added.output
    result = runner.invoke(app, ["ask", "How do we rotate the replication password?", "--space", "dba", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert body["answerable"], body
    assert any(c["document"].endswith("rotate-replication-password.md") for c in body["citations"]), body
