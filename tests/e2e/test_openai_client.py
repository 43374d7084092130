"""The official `openai` Python client against our /v1 API, served by `dbgpt
serve` with the real default model (controller, llama.cpp worker, API), with
the outbound network cut off."""

from __future__ import annotations

import json

import openai
import pytest

from tests.support.helpers import running_stack

pytestmark = pytest.mark.model

MODEL = "qwen2.5-coder-1.5b-instruct"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("openai-data")) as (url, proc):
        key = proc.headers["Authorization"].split()[1]  # made with `dbgpt key create`
        yield openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=300)


SYSTEM = {"role": "system", "content": "You write SQLite SQL for: CREATE TABLE users(id int, name text, age int);"}


def test_models_and_a_plain_chat_completion(client):
    assert MODEL in [m.id for m in client.models.list()]
    chat = client.chat.completions.create(
        model=MODEL, temperature=0, max_tokens=24,
        messages=[SYSTEM, {"role": "user", "content": "Write a query that counts the users."}])
    answer = chat.choices[0].message.content
    assert "count" in answer.lower()
    assert chat.choices[0].finish_reason in ("stop", "length")
    assert chat.usage.prompt_tokens > 10 and 1 <= chat.usage.completion_tokens <= 24


def test_a_streamed_chat_completion(client):
    stream = client.chat.completions.create(
        model=MODEL, temperature=0, max_tokens=24, stream=True, stream_options={"include_usage": True},
        messages=[SYSTEM, {"role": "user", "content": "Write a query that lists the names."}])
    pieces, finish, usage = [], None, None
    for event in stream:
        if event.usage is not None:
            usage = event.usage
        for choice in event.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    text = "".join(pieces)
    assert len([p for p in pieces if p]) > 3  # arrived token by token, not in one piece
    assert "select" in text.lower() and "name" in text.lower()
    assert finish in ("stop", "length") and usage.completion_tokens >= 4


def test_log_probabilities_of_the_answer(client):
    chat = client.chat.completions.create(
        model=MODEL, temperature=0, max_tokens=24, logprobs=True,
        messages=[SYSTEM, {"role": "user", "content": "Write a query that counts the users."}])
    choice = chat.choices[0]
    tokens = choice.logprobs.content
    assert len(tokens) >= 4 and all(t.logprob <= 0 for t in tokens)
    assert choice.message.content.startswith("".join(t.token for t in tokens[:4]))


@pytest.mark.parametrize("question", ["Which users are older than 30?", "What is the average age?"])
def test_a_json_schema_answer_always_parses(client, question):
    schema = {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"],
              "additionalProperties": False}
    chat = client.chat.completions.create(
        model=MODEL, temperature=0, max_tokens=80,
        messages=[SYSTEM, {"role": "user", "content": question + " Answer as JSON with the SQL in `sql`."}],
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}})
    answer = json.loads(chat.choices[0].message.content)
    assert set(answer) == {"sql"} and "select" in answer["sql"].lower()


def test_errors_reach_the_client_as_openai_errors(client):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="context"):
        client.completions.create(model=MODEL, prompt="word " * 5000, max_tokens=4)
    wrong = openai.OpenAI(base_url=str(client.base_url), api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
