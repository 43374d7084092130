"""`eval` as the lead's CLI registers it: table for people, last line JSON."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from server.cli.eval import default_db_dir, default_questions, register

pytestmark = pytest.mark.skipif(
    default_questions("sqlite") is None or default_db_dir("sqlite") is None,
    reason="defog data not found next to the repository",
)


def make_app(calls: list) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """dbgpt, as far as this test needs it."""

    def make_predictor(pipeline: str, dialect: str):
        calls.append((pipeline, dialect))
        raise AssertionError("the gold pipeline must not build a model predictor")

    register(app, make_predictor)
    return app


def test_gold_pipeline_prints_json_last(tmp_path):
    calls: list = []
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(
        make_app(calls), ["eval", "--pipeline", "gold", "--limit", "12", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    summary = json.loads(last)
    for key in ("n", "ex", "p50_s", "p95_s", "by_db", "by_category", "prompt_tokens", "completion_tokens"):
        assert key in summary
    assert summary["n"] == 12 and summary["ex"] == 1.0 and len(summary["by_db"]) == 10
    assert "Execution accuracy by database" in result.stdout
    assert "[12/12]" in result.stderr
    assert len(out.read_text().splitlines()) == 12
    assert calls == []


def test_model_pipelines_come_from_the_factory():
    calls: list = []
    result = CliRunner().invoke(make_app(calls), ["eval", "--pipeline", "plain", "--limit", "1"])
    assert calls == [("plain", "sqlite")]
    assert isinstance(result.exception, AssertionError)


def test_bad_choices_are_usage_errors():
    result = CliRunner().invoke(make_app([]), ["eval", "--dialect", "oracle"])
    assert result.exit_code == 2 and "--dialect" in result.output
