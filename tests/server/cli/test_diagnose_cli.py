"""`dbgpt diagnose` prints the findings as the checks find them and the summary last, over a real
SQLite file; the model is scripted at the LLM interface (the real one is in tests/assistant/diagnosis)."""

import json
import sys

import pytest
from typer.testing import CliRunner

from server.cli import diagnose as diagnose_cli
from server.cli.main import app
from tests.assistant.diagnosis.shop import build_sqlite
from tests.server.conftest import ScriptedLLM

# No condition links events to products, and events is read in full to find one customer.
PAIRED = "SELECT e.id, p.name FROM events e, products p WHERE e.customer_id = 77 AND p.id < 3"
SUMMARY = "No condition links events to products."


class WatchingLLM(ScriptedLLM):
    """Notes what the command had printed by the time the model was asked."""

    printed_when_asked = None

    async def generate(self, request):
        sys.stdout.flush()
        self.printed_when_asked = sys.stdout.buffer.getvalue().decode()
        return await super().generate(request)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return build_sqlite(tmp_path_factory.mktemp("diagnose_cli") / "shop.sqlite")


@pytest.fixture
def llm(tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    model = WatchingLLM()
    model.reply = json.dumps({"summary": SUMMARY, "rewrites": []})
    monkeypatch.setattr(diagnose_cli, "open_llm", lambda settings, controller: model)
    return model


def test_findings_are_printed_before_the_model_is_asked_and_the_summary_last(llm, shop):
    result = CliRunner().invoke(app, ["diagnose", "--db", f"sqlite:///{shop}", PAIRED])
    assert result.exit_code == 0, result.output
    before = llm.printed_when_asked
    assert "1. WARNING cartesian_join" in before and "full_scan" in before and "index_suggestion" in before
    assert "Summary" not in before
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == f"Summary (model): {SUMMARY}"
    kinds = [line.split()[2] for line in lines if line[:1].isdigit() and line.split()[1] != "now"]
    assert kinds.index("cartesian_join") < kinds.index("full_scan") < kinds.index("index_suggestion")


def test_json_is_the_whole_report_once_complete(llm, shop):
    result = CliRunner().invoke(app, ["diagnose", "--db", f"sqlite:///{shop}", "--json", PAIRED])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"] == SUMMARY and report["findings"][0]["kind"] == "cartesian_join"
