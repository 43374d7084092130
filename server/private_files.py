"""Files only their owner may read: the data dir, its databases, its keys.

`dbgpt` sets a 077 umask at start, so whatever its processes write is
private; these helpers make the files that matter private from the first
byte also where the product runs without the CLI (the app factory, tests).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Callable


def private_dir(path: Path) -> Path:
    """`path` and any missing parents, created owner-only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and owner-only unless it exists, so that whatever
    opens it next (SQLite) never creates it with wider rights."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def read_or_create_secret(path: Path, generate: Callable[[], bytes]) -> bytes:
    """The secret in `path`; on first use a new one from `generate`, written owner-only.

    The file appears with its whole content at once (written aside, then
    linked into place), so processes starting together all read the same
    secret: the first to link wins and the others read its file.
    """
    if path.is_file():
        return path.read_bytes().strip()
    private_dir(path.parent)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(generate())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process was first: use its secret
    finally:
        aside.unlink()
    return path.read_bytes().strip()


def new_token() -> bytes:
    """32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32).encode()
