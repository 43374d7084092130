"""server/file_roots.py alone: what an HTTP caller may have read from the server's disk."""

from server.file_roots import FileRoots
from server.settings import Settings


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


def test_the_default_roots_are_the_data_dirs_database_folders(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    roots = FileRoots(settings)
    assert roots.confine(str(tmp_path / "data" / "databases" / "notes.md")) is not None
    assert roots.confine(str(tmp_path / "data" / "uploads" / "ops" / "a.md")) is None  # not a root by default
    assert roots.confine(str(tmp_path / "notes.md")) is None
