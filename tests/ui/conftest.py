"""What the page tests share: each module serves its own app at `url`; a test's browser is
signed in to it, and unless the module says otherwise the app has a scripted model and
settings of its own whose file roots take in the test's folders."""

import pytest

from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.auth import sign_in


@pytest.fixture(scope="module")
def llm():
    return ScriptedLLM()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    # The test's folders stand for the user's own database folder.
    return Settings(data_dir=tmp_path_factory.mktemp("ui-data"), model_dir=tmp_path_factory.mktemp("models"),
                    file_roots=[tmp_path_factory.getbasetemp()])


@pytest.fixture(autouse=True)
def signed_in(page, url, settings):
    sign_in(page, url, settings)
