"""QA with the real default model (llama.cpp in process) over SQLite's docs
and three Markdown runbooks."""

import asyncio
from pathlib import Path

import pytest

from assistant.qa.answer import NOT_IN_CONTEXT, answer_question
from tests.support.helpers import model_file

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real_llm():
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine

    return LocalClient(LlamaCppEngine(model_file(), n_ctx=4096), "qwen2.5-coder-1.5b-instruct")


def test_the_real_model_answers_from_the_right_page_and_cites_it(knowledge, real_llm):
    answer = asyncio.run(answer_question(
        "What does the VACUUM command do to the database file?", knowledge, real_llm, space="sqlite"))
    assert answer.answerable, answer.to_dict()
    assert any(c["document"].endswith("lang_vacuum.html") for c in answer.citations), answer.citations
    assert "vacuum" in answer.answer.lower() or "rebuild" in answer.answer.lower()


def test_the_real_model_says_when_the_sources_do_not_hold_the_answer(knowledge, real_llm):
    # Retrieval finds VACUUM pages, but nothing in them names the person asked for.
    answer = asyncio.run(answer_question(
        "What is the first name of the person who wrote the VACUUM documentation page?", knowledge, real_llm,
        space="sqlite"))
    assert answer.sources, "retrieval should have found related pages"
    assert answer.answer == NOT_IN_CONTEXT and not answer.answerable, answer.to_dict()


RUNBOOKS = Path(__file__).parent / "runbooks"


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory, embedder):
    from knowledge.service import Knowledge
    from server.settings import Settings

    k = Knowledge(Settings(data_dir=tmp_path_factory.mktemp("runbooks")), embedder=embedder)
    k.documents.create("dba")
    for path in sorted(RUNBOOKS.glob("*.md")):
        assert k.documents.add_file("dba", path).state == "added"
    yield k
    k.close()


@pytest.mark.parametrize("question, runbook, fact", [
    ("How long are the nightly backups kept?", "restore-nightly-backup.md", "14 days"),
    ("Which lock does VACUUM FULL take?", "vacuum-bloated-table.md", "access exclusive"),
    ("How often should the replication password be rotated?", "rotate-replication-password.md", "90 days"),
])
def test_the_real_model_answers_from_markdown_runbooks(runbooks, real_llm, question, runbook, fact):
    # Markdown (bold, inline code, lists, curly quotes) quoted back without its markup is still evidence.
    answer = asyncio.run(answer_question(question, runbooks, real_llm, space="dba"))
    assert answer.answerable, answer.to_dict()
    assert any(c["document"].endswith(runbook) for c in answer.citations), answer.citations
    assert fact in answer.answer.lower(), answer.answer
