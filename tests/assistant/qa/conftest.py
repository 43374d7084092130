"""QA over real knowledge (Chroma, embeddings, SQLite docs and databases);
the model is a scripted double at the LLM interface, except in the test
marked `model`."""

from __future__ import annotations

import shutil

import pytest

from knowledge.service import Knowledge
from server.settings import Settings
from tests.knowledge.files import sqlite_docs
from tests.assistant.qa.scripted import ScriptedLLM
from tests.knowledge.fixtures import embedder  # noqa: F401

PAGES = ["lang_vacuum.html", "autoinc.html", "lang_attach.html", "lang_savepoint.html", "lang_reindex.html"]


@pytest.fixture
def llm():
    return ScriptedLLM()


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("qa")
    docs = root / "docs"
    docs.mkdir()
    for page in PAGES:
        shutil.copy(sqlite_docs() / page, docs / page)
    k = Knowledge(Settings(data_dir=root / "data"), embedder=embedder)
    k.documents.create("sqlite")
    for path in sorted(docs.iterdir()):
        assert k.documents.add_file("sqlite", path).state == "added"
    yield k
    k.close()
