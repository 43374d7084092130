"""Drafts of the semantic layer: the request's shape with a double, the real model end to end."""

import asyncio
import json

import pytest

from assistant.sqlgen.describe import draft_table
from connectors import connect
from llm.client import Completion
from tests.support.helpers import city_db, model_file


class OneReply:
    def __init__(self, text):
        self.text, self.requests = text, []

    async def generate(self, request):
        self.requests.append(request)
        return Completion(text=self.text, finish_reason="stop", usage={})


@pytest.fixture
def city(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    yield connector.introspect().table("city")
    connector.close()


def test_the_answer_is_constrained_to_the_table_s_own_columns(city):
    llm = OneReply(json.dumps({"table": "One city per row", "columns": {"id": "row number", "name": "city name",
                                                                        "mayor": "invented"}}))
    drafted = asyncio.run(draft_table(city, "sqlite", llm))
    assert drafted == {"description": "One city per row", "columns": {"id": "row number", "name": "city name"}}
    schema = llm.requests[0].response_format["json_schema"]["schema"]
    assert schema["properties"]["columns"]["required"] == ["id", "name"]
    assert "'Paris'" in llm.requests[0].messages[-1]["content"] or "Paris" in llm.requests[0].messages[-1]["content"]


@pytest.mark.model
def test_the_real_model_drafts_every_column(city):
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine

    llm = LocalClient(LlamaCppEngine(model_file(), n_ctx=2048, n_threads=2), "qwen2.5-coder-1.5b-instruct")
    drafted = asyncio.run(draft_table(city, "sqlite", llm))
    assert drafted["description"] and set(drafted["columns"]) == {"id", "name"}
    assert all(len(text) <= 100 for text in drafted["columns"].values())
