"""Which files on the server's disk an HTTP caller may have read.

Over HTTP a path names a file or folder under the configured roots
(`Settings.resolved_file_roots`), symlinks resolved, and never the product's
own state: of the data dir only the folders that hold the user's own files
(databases, the demo, uploads, imports) count, so its metadata, keys, Chroma
store, logs and models stay out even when a root encloses the data dir. The
imports folder is always a root: the server made the databases in it from
files users sent. The answer is the same whether or not the path exists. The
CLI is the local owner and reads any path.
"""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings


def _resolved(path: Path | str) -> Path:
    return Path(path).expanduser().resolve()


class FileRoots:
    """The roots and the data dir's user folders, resolved once; `readable` is the rule."""

    def __init__(self, settings: Settings):
        imports = _resolved(settings.imports_path)
        self.roots = [*settings.resolved_file_roots, imports]
        self.data_dir = _resolved(settings.data_dir)
        self.user_folders = [_resolved(p) for p in
                             (settings.user_databases_path, settings.demo_db_path.parent, settings.uploads_path)]
        self.user_folders.append(imports)

    def readable(self, path: Path) -> bool:
        """Whether `path` (already resolved) lies under a root and outside the product's own state."""
        if not any(path.is_relative_to(root) for root in self.roots):
            return False
        return not path.is_relative_to(self.data_dir) or any(path.is_relative_to(f) for f in self.user_folders)

    def confine(self, raw: str) -> Path | None:
        """`raw` resolved (symlinks followed), or None when it may not be read."""
        try:
            path = _resolved(raw)
        except (OSError, RuntimeError, ValueError):  # '~nobody/x', a NUL byte, a symlink loop
            return None
        return path if self.readable(path) else None
