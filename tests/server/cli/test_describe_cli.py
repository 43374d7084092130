"""`dbgpt knowledge describe` on a real SQLite database."""

import json

import pytest
from typer.testing import CliRunner

from llm.client import Completion
from server.cli import describe as describe_cli
from server.cli.main import app
from tests.support.helpers import city_db

runner = CliRunner()


@pytest.fixture
def shop(env):
    assert runner.invoke(app, ["db", "add", "shop", f"sqlite:///{city_db(env)}"]).exit_code == 0
    return "shop"


def layer(*extra):
    result = runner.invoke(app, ["knowledge", "describe", "--db", "shop", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])["tables"]


def test_set_show_and_remove(shop):
    tables = layer("--set", "city.name", "--text", "the city's name in French")
    name = tables[0]["columns"][1]
    assert name["description"] == "the city's name in French" and name["source"] == "user"
    shown = runner.invoke(app, ["knowledge", "describe", "--db", "shop"])
    assert "the city's name in French" in shown.stdout
    assert layer("--set", "city.name", "--text", "")[0]["columns"][1]["description"] is None


def test_mistakes_are_one_line_errors(shop):
    for args in (["--set", "town", "--text", "x"], ["--set", "city.size", "--text", "x"], ["--set", "city"]):
        result = runner.invoke(app, ["knowledge", "describe", "--db", "shop", *args])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert runner.invoke(app, ["knowledge", "describe", "--db", "nowhere"]).exit_code == 2


def test_a_draft_fills_only_what_is_missing(shop, monkeypatch):
    class Drafts:
        async def generate(self, request):
            return Completion(text=json.dumps({"table": "one city per row",
                                               "columns": {"id": "row number", "name": "drafted name"}}),
                              finish_reason="stop", usage={})

    monkeypatch.setattr(describe_cli, "open_llm", lambda settings, controller: Drafts())
    layer("--set", "city.name", "--text", "the name users type")
    tables = layer("--draft")
    assert tables[0]["description"] == "one city per row" and tables[0]["source"] == "model"
    assert [c["description"] for c in tables[0]["columns"]] == ["row number", "the name users type"]


def test_a_draft_shows_the_model_no_cell_of_a_sensitive_column(shop, monkeypatch):
    prompts = []

    class Drafts:
        async def generate(self, request):
            prompts.append("\n".join(m["content"] for m in request.messages))
            return Completion(text=json.dumps({"table": "cities", "columns": {"id": "row", "name": "name"}}),
                              finish_reason="stop", usage={})

    monkeypatch.setattr(describe_cli, "open_llm", lambda settings, controller: Drafts())
    marked = runner.invoke(app, ["knowledge", "sensitive", "city.name", "--db", "shop"])
    assert marked.exit_code == 0, marked.output
    layer("--draft")
    assert prompts and "name" in prompts[0]
    assert "Paris" not in prompts[0] and "Lyon" not in prompts[0]
