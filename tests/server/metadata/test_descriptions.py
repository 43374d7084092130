import pytest

from server.metadata import open_metadata
from server.metadata.descriptions import Descriptions, InvalidDescription
from server.settings import Settings


@pytest.fixture
def store(tmp_path):
    return Descriptions(open_metadata(Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "m")))


def test_descriptions_become_a_data_dictionary_over_the_built_in_one(store):
    assert store.dictionary("geo") is None
    store.set("geo", "state", None, "One row per US state")
    store.set("geo", "state", "area", "  area in   square miles ")
    built_in = {"tables": {"state": {"description": "States", "columns": {"pop": "people living there"}}}}
    assert store.dictionary("geo", built_in) == {"tables": {"state": {
        "description": "One row per US state",
        "columns": {"pop": "people living there", "area": "area in square miles"}}}}
    assert store.dictionary("other") is None


def test_an_empty_text_removes_and_the_model_never_overwrites_a_user(store):
    store.set("geo", "state", "area", "square miles")
    assert store.set("geo", "state", "area", "the size", source="model", overwrite=False) is False
    assert store.list("geo")[0].text == "square miles"
    assert store.set("geo", "state", "area", "") is True and store.list("geo") == []
    assert store.set("geo", "state", "area", "") is False


def test_limits(store):
    with pytest.raises(InvalidDescription):
        store.set("geo", "state", None, "x" * 301)
    with pytest.raises(InvalidDescription):
        store.set("geo", "state", None, "text", source="someone")
