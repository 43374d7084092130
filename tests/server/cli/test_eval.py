"""`dbgpt eval` as the CLI registers it: a CSV and a folder of SQLite databases in, a table for people
and a last line of JSON out."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from server.cli.eval import register
from tests.support.helpers import DEFOG

pytestmark = pytest.mark.skipif(not DEFOG.is_dir(), reason="defog data not found next to the repository")
DEFOG_ARGS = ["--questions", str(DEFOG / "questions_sqlite.csv"), "--db-dir", str(DEFOG / "sqlite")]


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
        make_app(calls), ["eval", *DEFOG_ARGS, "--pipeline", "gold", "--limit", "12", "--out", str(out)],
        catch_exceptions=False
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
    result = CliRunner().invoke(make_app(calls), ["eval", *DEFOG_ARGS, "--pipeline", "plain", "--limit", "1"])
    assert calls == [("plain", "sqlite")]
    assert isinstance(result.exception, AssertionError)


def test_bad_choices_are_usage_errors():
    result = CliRunner().invoke(make_app([]), ["eval", *DEFOG_ARGS, "--pipeline", "oracle"])
    assert result.exit_code == 2 and "--pipeline" in result.output


def test_the_questions_and_the_databases_must_be_given():
    for args in ([], DEFOG_ARGS[:2], DEFOG_ARGS[2:]):
        result = CliRunner().invoke(make_app([]), ["eval", *args, "--pipeline", "gold"])
        assert result.exit_code == 2 and "Missing option" in result.output, args
