"""server/file_roots.py: which files an HTTP caller may have opened."""

import pytest

from server.file_roots import FileRoots
from server.settings import Settings


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    return settings


def test_the_default_roots_are_the_databases_and_demo_folders(settings):
    roots = FileRoots(settings)
    databases = settings.user_databases_path.resolve()
    assert roots.confine(str(databases / "mine.sqlite")) == databases / "mine.sqlite"
    assert roots.confine(str(settings.demo_db_path)) == settings.demo_db_path.resolve()
    assert roots.confine(str(settings.data_dir.parent / "elsewhere.sqlite")) is None


def test_the_product_files_stay_out_even_under_a_root(settings, tmp_path):
    roots = FileRoots(settings.model_copy(update={"file_roots": [tmp_path]}))
    for own in (settings.metadata_db_path, settings.secret_key_path, settings.cluster_secret_path,
                settings.chroma_path / "chroma.sqlite3", settings.data_dir / "knowledge" / "registry.sqlite",
                settings.user_databases_path / ".." / "metadata.sqlite"):
        assert roots.confine(str(own)) is None, own
    assert roots.confine(str(tmp_path / "mine.sqlite")) == (tmp_path / "mine.sqlite").resolve()


def test_symlinks_are_followed_before_the_check(settings):
    roots = FileRoots(settings)
    folder = settings.user_databases_path
    (folder / "passwd.sqlite").symlink_to("/etc/passwd")
    (folder / "meta.sqlite").symlink_to(settings.metadata_db_path)
    (folder / "loop.sqlite").symlink_to(folder / "loop.sqlite")
    assert roots.confine(str(folder / "passwd.sqlite")) is None
    assert roots.confine(str(folder / "meta.sqlite")) is None
    assert roots.confine(str(folder / "loop.sqlite")) is None


def test_the_answer_does_not_depend_on_the_file_existing(settings):
    roots = FileRoots(settings)
    assert roots.confine("/etc/passwd") is None and roots.confine("/etc/no-such-file") is None
    missing = settings.user_databases_path / "not-yet.sqlite"
    assert roots.confine(str(missing)) == missing.resolve()


def test_paths_under_a_root_but_not_the_products_own_state(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", file_roots=[tmp_path])
    settings.ensure_dirs()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "escape").symlink_to("/etc")
    roots = FileRoots(settings)
    assert roots.confine(str(tmp_path / "docs" / "guide.md")) == (tmp_path / "docs" / "guide.md").resolve()
    assert roots.confine(str(tmp_path / "data" / "uploads" / "ops" / "a.md")) is not None
    assert roots.confine(str(tmp_path / "data" / "databases" / "sales.sqlite")) is not None
    for refused in ["/etc/passwd", "/etc/no-such-file", "/", str(tmp_path / "docs" / ".." / ".."),
                    str(tmp_path / "docs" / "escape" / "passwd"), str(tmp_path / "data"),
                    str(tmp_path / "data" / "metadata.sqlite"), str(tmp_path / "data" / "secret.key"),
                    str(tmp_path / "data" / "chroma"), "~no-such-user-here/x", "a\x00b"]:
        assert roots.confine(refused) is None, refused


def test_uploads_are_not_a_root_by_default(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    roots = FileRoots(settings)
    assert roots.confine(str(tmp_path / "data" / "databases" / "notes.md")) is not None
    assert roots.confine(str(tmp_path / "data" / "uploads" / "ops" / "a.md")) is None  # not a root by default
    assert roots.confine(str(tmp_path / "notes.md")) is None
