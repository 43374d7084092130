"""POST /api/v1/sql/diagnose and `dbgpt diagnose`, over a real SQLite file of tens of thousands of rows."""

import hashlib
import json

import pytest
from typer.testing import CliRunner

from server.cli.main import app as cli
from tests.assistant.diagnosis.shop import build_sqlite


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build_sqlite(tmp_path_factory.mktemp("diagnose_api") / "shop.sqlite")


@pytest.fixture
def settings(settings, shop):
    """The module's database lies outside the test's own folder: the server may open files in both."""
    return settings.model_copy(update={"file_roots": [*settings.file_roots, shop.parent]})


def url(path):
    return f"sqlite:///{path}"


def test_diagnose_returns_located_verified_findings_and_a_model_summary(client, llm, shop):
    llm.reply = json.dumps({"summary": "The query reads all 40,000 rows of events.", "rewrites": []})
    response = client.post("/api/v1/sql/diagnose", json={
        "sql": "SELECT *\nFROM events\nWHERE customer_id = 77", "db": url(shop)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] == "The query reads all 40,000 rows of events." and body["summary_source"] == "model"
    scan = next(f for f in body["findings"] if f["kind"] == "full_scan")
    assert scan["verified"] and scan["location"] == {"line": 2, "column": 6}
    assert scan["evidence"]["node"]["operation"] == "SCAN"
    index = next(f for f in body["findings"] if f["kind"] == "index_suggestion")
    assert index["verified"] and index["sql"].startswith("CREATE INDEX")
    assert body["executed"] is True and body["dialect"] == "sqlite"


def test_without_the_model_the_summary_comes_from_the_findings(client, llm, shop):
    body = client.post("/api/v1/sql/diagnose", json={
        "sql": "SELECT id FROM orders WHERE customer_id = 42", "db": url(shop), "use_model": False}).json()
    assert llm.requests == [] and body["summary_source"] == "rules"
    assert body["summary"].startswith("No problems found")


def test_a_write_is_diagnosed_and_never_executed(client, shop):
    before = hashlib.sha256(shop.read_bytes()).hexdigest()
    body = client.post("/api/v1/sql/diagnose", json={
        "sql": "DELETE FROM orders", "db": url(shop), "use_model": False}).json()
    assert {"write_statement", "write_without_where"} <= {f["kind"] for f in body["findings"]}
    assert body["executed"] is False
    assert hashlib.sha256(shop.read_bytes()).hexdigest() == before


def test_a_syntax_error_carries_line_and_column(client, shop):
    body = client.post("/api/v1/sql/diagnose", json={
        "sql": "SELECT id\nFROM orders\nWHERE total > AND id = 1", "db": url(shop), "use_model": False}).json()
    [finding] = body["findings"]
    assert finding["kind"] == "syntax_error" and finding["location"] == {"line": 3, "column": 15}


def test_an_unknown_database_is_404_and_blank_sql_is_422(client):
    assert client.post("/api/v1/sql/diagnose", json={"sql": "SELECT 1", "db": "nope"}).status_code == 404
    assert client.post("/api/v1/sql/diagnose", json={"sql": "   "}).status_code == 422


def test_the_cli_prints_json_and_fails_on_errors(shop, tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    ok = runner.invoke(cli, ["diagnose", "--db", url(shop), "--no-model", "--json",
                             "SELECT * FROM orders WHERE date(created_at) = '2023-05-01'"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    kinds = {f["kind"] for f in report["findings"]}
    assert {"function_on_indexed_column", "rewrite_suggestion", "index_suggestion"} <= kinds
    query = tmp_path / "q.sql"
    query.write_text("SELECT nmae FROM customers")
    bad = runner.invoke(cli, ["diagnose", "--db", url(shop), "--no-model", "-f", str(query)])
    assert bad.exit_code == 1 and "unknown_column" in bad.stdout and "name" in bad.stdout
    both = runner.invoke(cli, ["diagnose", "--db", url(shop), "--no-model", "-f", str(query), "SELECT 1"])
    assert both.exit_code == 2
