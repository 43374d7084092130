import pytest

from tests.support.helpers import model_file


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh data dir for the `dbgpt` command, with the default model's file."""
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DBGPT_MODEL_PATH", str(model_file()))
    monkeypatch.setenv("COLUMNS", "250")  # rich tables must not cut names in the output
    return tmp_path
