"""search_documents and ask_documents over /mcp, on real knowledge (SQLite's manual pages);
the model is scripted as in the REST QA tests."""

from __future__ import annotations

import asyncio

import pytest

from knowledge.service import Knowledge
from tests.assistant.qa.scripted import ScriptedLLM
from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.server.mcp.conftest import error_text, http_client, structured
from tests.support.api_server import served
from tests.support.auth import api_key

QUESTION = "Can ROWIDs of deleted rows be reused with AUTOINCREMENT?"


@pytest.fixture
def qa_llm():
    return ScriptedLLM()


@pytest.fixture
def api(settings, embedder, qa_llm):
    knowledge = Knowledge(settings, embedder=embedder)
    knowledge.documents.create("sqlite")
    for page in ("lang_vacuum.html", "autoinc.html"):
        knowledge.documents.add_file("sqlite", sqlite_docs() / page)
    with served(settings, llm=qa_llm, knowledge=knowledge) as api:
        yield api


def test_search_and_an_answer_with_citations(api, qa_llm):
    qa_llm.cite_title = "SQLite Autoincrement"
    qa_llm.answer = "With AUTOINCREMENT, rows get ROWIDs that have never been used before by the same table."

    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return (structured(await client.call_tool("search_documents", {"query": "shrink the database file",
                                                                           "k": 3})),
                    structured(await client.call_tool("ask_documents", {"question": QUESTION, "space": "sqlite"})))
    search, answer = asyncio.run(scenario())
    rest = api.admin.post("/api/v1/knowledge/spaces/sqlite/search",
                          json={"query": "shrink the database file", "k": 3}).json()
    assert [h["id"] for h in search["hits"]] == [h["id"] for h in rest] and len(rest) == 3
    assert all(h["space"] == "sqlite" for h in search["hits"])
    assert answer["answerable"] and answer["answer"] == qa_llm.answer
    assert answer["citations"][0]["document"].endswith("autoinc.html")
    assert answer["evidence"]["n"] in [c["n"] for c in answer["citations"]]
    log = api.admin.get("/api/v1/audit").json()
    assert [(e["route"], e["question"]) for e in log if e["route"].startswith("MCP")] == [("MCP ask_documents",
                                                                                          QUESTION)]


def test_an_analyst_reads_only_granted_spaces(api, qa_llm):
    qa_llm.cite_title = "VACUUM"
    key = api_key(api.settings, "eve", "analyst")

    async def scenario(key):
        async with http_client(api.url, key) as client:
            return (await client.call_tool("search_documents", {"query": "vacuum"}),
                    await client.call_tool("search_documents", {"query": "vacuum", "space": "sqlite"}),
                    await client.call_tool("ask_documents", {"question": "How do I shrink the database file?",
                                                             "space": "sqlite"}))
    everywhere, named, asked = asyncio.run(scenario(key))
    assert structured(everywhere) == {"hits": []}
    assert error_text(named) == "'eve' has no grant for knowledge space 'sqlite'" == error_text(asked)
    granted = api_key(api.settings, "eve", "analyst", grants={"space": ["sqlite"]})
    everywhere, named, asked = asyncio.run(scenario(granted))
    assert structured(everywhere)["hits"] and structured(named)["hits"]
    assert structured(asked)["citations"][0]["document"].endswith("lang_vacuum.html")
