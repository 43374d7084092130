"""The real default model in process: its summary is grounded or replaced, and
whatever it proposes is checked on the data like any other rewrite."""

import asyncio

import pytest

from assistant.diagnosis import diagnose
from tests.support.helpers import model_file

pytestmark = pytest.mark.model


def test_the_real_model_summarises_a_diagnosis(sqlite_conn):
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine

    llm = LocalClient(LlamaCppEngine(model_file(), n_ctx=4096, n_threads=2), "qwen2.5-coder-1.5b-instruct")
    report = asyncio.run(diagnose("SELECT * FROM orders WHERE date(created_at) = '2023-05-01'", sqlite_conn, llm,
                                  max_tokens=120))
    assert report.summary
    if report.summary_source == "rules":
        assert any("summary was not used" in note for note in report.notes)
    for rewrite in report.of_kind("rewrite_suggestion"):
        # Verified or not, nothing offered as equivalent returned different rows.
        if rewrite.verified:
            assert rewrite.evidence["only_in_original"] == rewrite.evidence["only_in_rewrite"] == 0
    assert {"function_on_indexed_column", "full_scan"} <= report.kinds()
