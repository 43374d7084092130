import pytest

from tests.support.helpers import model_file


@pytest.fixture(scope="session")
def engine():
    from llm.llamacpp_engine import LlamaCppEngine

    return LlamaCppEngine(model_file(), n_ctx=2048, n_threads=2)
