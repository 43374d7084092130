"""server/imports.py alone: the name is reserved on disk, and only an import's own files are ever removed."""

import pytest

from server.imports import import_files, import_name, remove_files
from server.metadata import open_registry
from server.metadata.connections import ConnectionExists, InvalidConnection
from server.settings import Settings


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", file_roots=[tmp_path])
    settings.ensure_dirs()
    return settings


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("a,b\n1,x\n")
    return path


@pytest.mark.parametrize("first, expected", [("Sales 2024.csv", "Sales_2024"), ("2024.csv", "file_2024"),
                                             ("données.xlsx", "donn_es"), ("_x.json", "x")])
def test_a_name_is_made_from_the_first_file(first, expected):
    assert import_name(None, first) == expected


def test_an_asked_for_name_must_be_a_connection_name():
    with pytest.raises(InvalidConnection):
        import_name("../x", "a.csv")


def test_a_folder_left_in_place_reserves_its_name(settings, csv_file):
    folder = settings.imports_path / "sales"
    folder.mkdir(parents=True)
    (folder / "keep.txt").write_text("someone else's")
    with pytest.raises(ConnectionExists):
        import_files(settings, open_registry(settings), [csv_file], name="sales")
    assert (folder / "keep.txt").read_text() == "someone else's"
    assert open_registry(settings).names() == []


def test_removing_touches_only_an_imports_own_folder(settings, csv_file, tmp_path):
    registry = open_registry(settings)
    imported = import_files(settings, registry, [csv_file], name="sales")
    other = settings.user_databases_path / "mine.duckdb"
    other.write_bytes(b"not ours to delete")
    for url in (f"duckdb:///{other}", f"duckdb:///{imported.database.parent}/other.duckdb",
                f"sqlite:///{tmp_path / 'x.sqlite'}", "postgresql://h/db"):
        remove_files(settings, url)
    assert other.exists() and imported.database.exists()
    remove_files(settings, registry.full_url("sales"))
    assert not imported.database.parent.exists()
    assert csv_file.exists()
