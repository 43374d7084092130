"""The fixtures of a documents page test: a scripted model at the LLM
interface, a real knowledge space of the given files, the app served on a
real port, and a browser signed in to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.service import Knowledge
from server.app import create_app
from server.settings import Settings
from tests.assistant.qa.scripted import ScriptedLLM
from tests.support.auth import sign_in
from tests.support.helpers import serve_app


def documents_page(space: str, description: str, files: Callable[[], list[Path]]):
    """(llm, settings, signed_in, url): assign them to names of the same
    spelling in a test module. `files` is called once the space exists."""

    @pytest.fixture(scope="module")
    def llm():
        return ScriptedLLM()

    @pytest.fixture(scope="module")
    def settings(tmp_path_factory):
        return Settings(data_dir=tmp_path_factory.mktemp(f"ui-{space}"), model_dir=tmp_path_factory.mktemp("models"))

    @pytest.fixture(autouse=True)
    def signed_in(page, url, settings):
        sign_in(page, url, settings)

    @pytest.fixture(scope="module")
    def url(settings, embedder, llm):
        knowledge = Knowledge(settings, embedder=embedder)
        knowledge.documents.create(space, description)
        for path in files():
            assert knowledge.documents.add_file(space, path).state == "added"
        with serve_app(create_app(settings, llm=llm, knowledge=knowledge)) as base:
            yield base

    return llm, settings, signed_in, url
