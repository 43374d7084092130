"""POST /api/v1/qa and its SSE stream over real knowledge; the model is scripted."""

import json

import pytest

from assistant.qa.answer import NOT_IN_CONTEXT
from knowledge.service import Knowledge
from server.app import create_app
from server.settings import Settings
from tests.support.auth import signed_in
from tests.assistant.qa.scripted import ScriptedLLM
from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401


@pytest.fixture
def llm():
    return ScriptedLLM()


@pytest.fixture
def client(tmp_path, embedder, llm):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", allow_urls=True,
                        file_roots=[tmp_path])
    knowledge = Knowledge(settings, embedder=embedder)
    knowledge.documents.create("sqlite")
    for page in ("lang_vacuum.html", "autoinc.html"):
        knowledge.documents.add_file("sqlite", sqlite_docs() / page)
    with signed_in(create_app(settings, llm=llm, knowledge=knowledge), settings) as test_client:
        yield test_client


def test_an_answer_with_citations(client, llm):
    llm.cite_title = "SQLite Autoincrement"
    llm.answer = "With AUTOINCREMENT, rows get ROWIDs that have never been used before by the same table."
    response = client.post("/api/v1/qa", json={"question": "Can ROWIDs of deleted rows be reused with AUTOINCREMENT?",
                                                "space": "sqlite"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answerable"] and body["answer"] == llm.answer and body["rejected"] is None
    assert body["citations"][0]["document"].endswith("autoinc.html") and body["citations"][0]["score"] > 0.3
    # The source sentence the answer rests on, and the start of every source, for the reader to check.
    assert body["evidence"]["n"] in [c["n"] for c in body["citations"]] and body["evidence"]["text"]
    assert all(s["excerpt"] for s in body["sources"])


def test_a_refusal_says_why_and_keeps_the_closest_sources(client, llm):
    llm.cite_title = None
    body = client.post("/api/v1/qa", json={"question": "Which SQLite version added AUTOINCREMENT?",
                                           "space": "sqlite"}).json()
    assert not body["answerable"] and body["citations"] == []
    assert body["rejected"] == "the model found no statement of the answer in the sources"
    assert body["sources"] and body["sources"][0]["document"].endswith("autoinc.html")


def test_not_in_context_and_unknown_space(client, llm):
    body = client.post("/api/v1/qa", json={"question": "Who won the 1998 football world cup?"}).json()
    assert body["answer"] == NOT_IN_CONTEXT and body["citations"] == [] and llm.requests == []
    assert client.post("/api/v1/qa", json={"question": "x", "space": "nope"}).status_code == 404
    assert client.post("/api/v1/qa", json={"question": "   "}).status_code == 422


def test_the_stream_is_server_sent_events(client, llm):
    llm.cite_title = "VACUUM"
    with client.stream("POST", "/api/v1/qa/stream", json={"question": "How do I shrink the database file?"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    events = [(block.split("\n")[0][len("event: "):], json.loads(block.split("\n")[1][len("data: "):]))
              for block in raw.strip().split("\n\n")]
    names = [name for name, _ in events]
    assert names[0] == "token" and names[-2:] == ["citation", "done"]
    assert events[-1][1]["answer"] == llm.answer and events[-2][1]["document"].endswith("lang_vacuum.html")
