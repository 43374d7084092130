"""The OpenAI-compatible API (/v1) with a scripted model at the llm.client interface.

Requests go through the real app (routing, validation, auth, SSE framing,
error shapes), and the official `openai` client parses the answers. The real
model behind the same routes is exercised in tests/e2e/test_openai_client.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
import time

import httpx
import uvicorn

import openai
import pytest

from llm.client import Completion, Embeddings, LLMBusy, LLMError, LLMUnavailable
from llm.protocol import CONTEXT_OVERFLOW, Chunk
from server.app import create_app
from server.settings import Settings
from tests.support.auth import api_key, bearer, signed_in
from tests.support.helpers import free_port


class ScriptedModels:
    """Serves `served` models; answers `reply` word by word."""

    model = "m"

    def __init__(self):
        self.served = ["emb", "m"]
        self.reply = "SELECT name FROM users"
        self.requests = []
        self.fail: Exception | None = None
        self.fail_after_words: int | None = None
        self.closed = 0
        self.delay = 0.0
        self.words_sent = 0
        # As engines record it, a token's log-probability comes with the next chunk: the last one's
        # arrives with the finishing chunk, after the last text.
        self.logprob_lag = 0

    async def list_models(self):
        return list(self.served)

    def for_model(self, name):
        self.asked_for = name
        return self

    async def ready(self):
        return bool(self.served)

    async def stream(self, request):
        self.requests.append(request)
        try:
            if self.fail is not None:
                raise self.fail
            words = self.reply.split(" ")
            text = ""
            for i, word in enumerate(words):
                if self.fail_after_words == i:
                    raise LLMUnavailable("the model worker at http://w stopped mid-answer")
                text = f"{text} {word}" if text else word
                await asyncio.sleep(self.delay)
                self.words_sent += 1
                yield Chunk(text=text, usage=self._usage(i + 1),
                            **self._logprobs(request, words[:i + 1 - self.logprob_lag]))
            yield Chunk(text=text, finish_reason="length", usage=self._usage(len(words)),
                        **self._logprobs(request, words))
        finally:
            self.closed += 1

    @staticmethod
    def _logprobs(request, words):
        """Each word a token, the n-th with log-probability -n/10, when asked for."""
        if not request.logprobs:
            return {}
        return {"tokens": [w if i == 0 else " " + w for i, w in enumerate(words)],
                "token_logprobs": [-(i + 1) / 10 for i in range(len(words))]}

    @staticmethod
    def _usage(n):
        return {"prompt_tokens": 7, "completion_tokens": n, "total_tokens": 7 + n}

    async def generate(self, request):
        last = None
        async for chunk in self.stream(request):
            last = chunk
        return Completion(text=last.text, finish_reason=last.finish_reason, usage=last.usage,
                          tokens=last.tokens, token_logprobs=last.token_logprobs)

    async def embed(self, texts):
        if self.fail is not None:
            raise self.fail
        vectors = [[float(len(t)), 0.5, -1.0] for t in texts]
        return Embeddings(vectors=vectors, tokens=sum(len(t.split()) for t in texts))


@pytest.fixture
def models():
    return ScriptedModels()


def make_client(tmp_path, models, **overrides):
    """Signed in with an API key, as every OpenAI client is."""
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", model_name="m",
                        embedding_model_name="emb", **overrides)
    return signed_in(create_app(settings, llm=models), settings)


@pytest.fixture
def api(tmp_path, models):
    with make_client(tmp_path, models) as client:
        yield client


def sse_events(response):
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line.strip()]
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


def assert_openai_error(response, status, code=None, param=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    if param is not None:
        assert error["param"] == param
    return error


def test_models_lists_what_the_workers_serve(api):
    body = api.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["emb", "m"]


def test_chat_completion_passes_the_request_down_and_answers_openai_shape(api, models):
    schema = {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]}
    response = api.post("/v1/chat/completions", json={
        "model": "m", "max_tokens": 20, "temperature": 0, "stop": "\n\n", "seed": 3,
        "messages": [{"role": "developer", "content": "Be terse."},
                     {"role": "user", "content": [{"type": "text", "text": "List names."}]}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}},
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "SELECT name FROM users"}
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 4, "total_tokens": 11}
    sent = models.requests[-1]
    assert sent.messages == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "List names."}]
    assert (sent.max_tokens, sent.temperature, sent.stop, sent.seed) == (20, 0, ["\n\n"], 3)
    assert sent.response_format == {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


def test_chat_stream_sends_deltas_a_finish_reason_usage_and_done(api, models):
    response = api.post("/v1/chat/completions", json={
        "model": "m", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "hi"}]})
    events = sse_events(response)
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
    assert text == models.reply
    finals = [e for e in events if e["choices"] and e["choices"][0]["finish_reason"]]
    assert [e["choices"][0]["finish_reason"] for e in finals] == ["length"]
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] == 4
    assert all(e["object"] == "chat.completion.chunk" for e in events)


def test_chat_logprobs_give_each_chosen_token_once(api, models):
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": True}
    body = api.post("/v1/chat/completions", json=ask).json()
    content = body["choices"][0]["logprobs"]["content"]
    assert [t["token"] for t in content] == ["SELECT", " name", " FROM", " users"]
    assert [t["logprob"] for t in content] == [-0.1, -0.2, -0.3, -0.4]
    assert content[1]["bytes"] == list(b" name") and content[1]["top_logprobs"] == []
    assert models.requests[-1].logprobs is True
    events = sse_events(api.post("/v1/chat/completions", json={**ask, "stream": True}))
    streamed = [t for e in events if e["choices"] and e["choices"][0]["logprobs"]
                for t in e["choices"][0]["logprobs"]["content"]]
    assert [t["token"] for t in streamed] == ["SELECT", " name", " FROM", " users"]  # each once, in order
    plain = api.post("/v1/chat/completions", json={**ask, "logprobs": False}).json()
    assert plain["choices"][0]["logprobs"] is None and models.requests[-1].logprobs is False


def test_a_streamed_answers_last_token_log_probability_comes_with_the_finish(api, models):
    models.logprob_lag = 1
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "stream": True}
    events = sse_events(api.post("/v1/chat/completions", json=ask))
    streamed = [t["token"] for e in events if e["choices"] and e["choices"][0]["logprobs"]
                for t in e["choices"][0]["logprobs"]["content"]]
    assert streamed == ["SELECT", " name", " FROM", " users"]
    finish = next(e for e in events if e["choices"] and e["choices"][0]["finish_reason"])
    assert [t["token"] for t in finish["choices"][0]["logprobs"]["content"]] == [" users"]


def test_alternatives_and_completion_logprobs_are_refused_in_words(api):
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "top_logprobs": 3}
    error = assert_openai_error(api.post("/v1/chat/completions", json=ask), 400, param="top_logprobs")
    assert "top_logprobs are not supported" in error["message"]
    error = assert_openai_error(api.post("/v1/completions", json={"model": "m", "prompt": "x", "logprobs": 2}), 400)
    assert "/v1/chat/completions gives them" in error["message"]


def test_completions_plain_stream_and_echo(api, models):
    body = api.post("/v1/completions", json={"model": "m", "prompt": "SELECT", "echo": True}).json()
    assert body["object"] == "text_completion"
    assert body["choices"][0]["text"] == "SELECT" + models.reply
    assert models.requests[-1].max_tokens == 16  # OpenAI's default for completions
    events = sse_events(api.post("/v1/completions", json={"model": "m", "prompt": ["SELECT"], "stream": True}))
    assert "".join(e["choices"][0]["text"] for e in events) == models.reply


def test_embeddings_as_floats_and_base64(api):
    body = api.post("/v1/embeddings", json={"model": "emb", "input": ["ab", "abcd"]}).json()
    assert [d["embedding"] for d in body["data"]] == [[2.0, 0.5, -1.0], [4.0, 0.5, -1.0]]
    assert body["usage"] == {"prompt_tokens": 2, "completion_tokens": 0, "total_tokens": 2}
    packed = api.post("/v1/embeddings", json={"model": "emb", "input": "abc", "encoding_format": "base64"}).json()
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert list(struct.unpack("<3f", raw)) == [3.0, 0.5, -1.0]


@pytest.mark.parametrize("payload, param", [
    ({"model": "m"}, "messages"),
    ({"model": "m", "messages": [], "temperature": 0}, "messages"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 5}, "temperature"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema"}},
     "response_format"),
])
def test_invalid_requests_are_400_in_openai_shape(api, payload, param):
    error = assert_openai_error(api.post("/v1/chat/completions", json=payload), 400)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param or error["param"].startswith(param)


def test_a_body_that_is_not_json_is_400(api):
    response = api.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    error = assert_openai_error(response, 400)
    assert "not valid JSON" in error["message"] and error["param"] is None


def test_unknown_model_is_404_and_unknown_path_too(api):
    error = assert_openai_error(api.post("/v1/chat/completions", json={
        "model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}), 404, code="model_not_found", param="model")
    assert "m" in error["message"]
    assert_openai_error(api.get("/v1/nothing-here"), 404)


def test_no_worker_is_503_with_a_message(api, models):
    models.served = []
    error = assert_openai_error(api.post("/v1/chat/completions", json={
        "model": "m", "messages": [{"role": "user", "content": "x"}]}), 503, code="model_unavailable")
    assert "dbgpt worker" in error["message"]
    models.served = ["m"]
    models.fail = LLMUnavailable("no worker is serving model 'm'")
    assert_openai_error(api.post("/v1/chat/completions", json={
        "model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}), 503)


def test_worker_errors_map_to_openai_statuses(api, models):
    chat = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    models.fail = LLMError("This model's maximum context length is 4096 tokens", CONTEXT_OVERFLOW)
    assert_openai_error(api.post("/v1/chat/completions", json=chat), 400, code="context_length_exceeded")
    models.fail = LLMBusy("the model worker is busy")
    assert_openai_error(api.post("/v1/chat/completions", json=chat), 429, code="worker_busy")


def test_a_failure_mid_stream_is_an_error_event(api, models):
    models.fail_after_words = 2
    response = api.post("/v1/chat/completions", json={
        "model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert response.status_code == 200
    events = sse_events(response)
    assert "stopped mid-answer" in events[-1]["error"]["message"]
    assert models.closed == 1


def test_v1_takes_the_products_api_keys_and_nothing_else(tmp_path, models):
    with make_client(tmp_path, models) as client:
        key = client.headers.pop("Authorization").split()[1]
        assert_openai_error(client.get("/v1/models"), 401, code="invalid_api_key")
        assert_openai_error(client.get("/v1/models", headers={"Authorization": "Bearer nope"}), 401)
        forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
        assert_openai_error(client.get("/v1/models", headers={"Authorization": f"Bearer {forged}"}), 401)
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.get("/healthz").status_code == 200  # liveness is the one open route


def test_the_official_openai_client_parses_our_answers(tmp_path, models):
    with make_client(tmp_path, models) as http:
        key = http.headers.pop("Authorization").split()[1]
        client = openai.OpenAI(base_url="http://127.0.0.1/v1", api_key=key, http_client=http, max_retries=0)
        assert [m.id for m in client.models.list()] == ["emb", "m"]
        chat = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert chat.choices[0].message.content == models.reply
        pieces = [c.choices[0].delta.content or "" for c in
                  client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
                  if c.choices]
        assert "".join(pieces) == models.reply
        vectors = client.embeddings.create(model="emb", input=["abc"])  # the client asks for base64
        assert vectors.data[0].embedding == [3.0, 0.5, -1.0]
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])
        models.fail_after_words = 1
        with pytest.raises(openai.APIError, match="mid-answer"):
            list(client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True))
        bad = openai.OpenAI(base_url="http://127.0.0.1/v1", api_key="wrong", http_client=http, max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()


def test_a_caller_that_hangs_up_stops_the_answer_streamed_or_not(tmp_path, models):
    models.reply = " ".join(f"w{i}" for i in range(400))
    models.delay = 0.02
    settings = Settings(data_dir=tmp_path / "data", model_name="m")
    app = create_app(settings, llm=models)
    headers = bearer(api_key(settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    chat = {"model": "m", "messages": [{"role": "user", "content": "x"}]}

    def wait_closed(count):
        deadline = time.monotonic() + 5
        while models.closed < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return models.closed == count

    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(url, json=chat, headers=headers, timeout=httpx.Timeout(5, read=0.5))
        assert wait_closed(1), "a non-streamed answer went on after its caller left"
        assert models.words_sent < 200
        with httpx.stream("POST", url, json={**chat, "stream": True}, headers=headers, timeout=10) as response:
            next(response.iter_lines())
        sent = models.words_sent
        assert wait_closed(2), "a streamed answer went on after its caller left"
        assert models.words_sent - sent < 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
