"""An API over a real SQLite database, with a scripted model at the LLM interface.

The real model behind the same routes is exercised in tests/e2e.
"""

import asyncio
import sqlite3
import threading

import pytest

from llm.client import Completion, Embeddings, LLMUnavailable
from llm.protocol import Chunk
from server.app import create_app
from server.settings import Settings
from tests.support.auth import signed_in


class ScriptedLLM:
    model = "scripted"

    def __init__(self):
        self.reply = '{"thoughts": "", "sql": "SELECT 1"}'
        self.replies: list[str] = []  # answered first, in order; then `reply` for ever
        self.available = True
        self.requests = []
        # When set, a request waits until the test opens the gate (at most gate_timeout_s) before it is
        # answered; `held` counts the requests that found it open only after waiting for it.
        self.gate: threading.Event | None = None
        self.gate_timeout_s = 30.0
        self.held = 0
        self.gate_timeouts = 0

    async def ready(self):
        return self.available

    async def generate(self, request):
        self.requests.append(request)
        if self.gate is not None and not self.gate.is_set():
            self.held += 1
            if not await asyncio.to_thread(self.gate.wait, self.gate_timeout_s):
                self.gate_timeouts += 1
        if not self.available:
            raise LLMUnavailable("no worker is serving model 'scripted'")
        text = self.replies.pop(0) if self.replies else self.reply
        return Completion(text=text, finish_reason="stop", usage={"prompt_tokens": 1, "completion_tokens": 1})

    async def stream(self, request):
        completion = await self.generate(request)
        yield Chunk(text=completion.text, finish_reason="stop", usage=completion.usage)

    # What the OpenAI-compatible routes (/v1) ask of the model layer besides.
    async def list_models(self):
        return [self.model] if self.available else []

    def for_model(self, _name):
        return self

    async def embed(self, texts):
        return Embeddings(vectors=[[float(len(t)), 1.0] for t in texts], tokens=sum(len(t.split()) for t in texts))


@pytest.fixture
def shop_db(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE store (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id), name TEXT);
            INSERT INTO city VALUES (1, 'Paris'), (2, 'Lyon');
            INSERT INTO store VALUES (1, 1, 'A'), (2, 1, 'B'), (3, 2, 'C');
            """
        )
    return path


@pytest.fixture
def llm():
    return ScriptedLLM()


@pytest.fixture
def settings(tmp_path):
    # Route tests name their throwaway databases by URL: an admin may, where the
    # server allows URLs and the files lie under its roots (tests/security checks the defaults).
    return Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", allow_urls=True,
                    file_roots=[tmp_path])


@pytest.fixture
def client(settings, llm):
    """Signed in as an admin with an API key."""
    with signed_in(create_app(settings, llm=llm), settings) as test_client:
        yield test_client
