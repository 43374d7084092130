"""Build the demo SQLite database (and its data dictionary) at a given path.

The build writes to a temporary file in the target folder and renames it into
place, so readers only ever see a complete database, and a crash leaves the old
file (or nothing) behind. The file records which generator and seed made it, so
a current file is returned without any work.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
import zlib
from contextlib import closing
from pathlib import Path

from demo.dictionary import demo_dictionary
from demo.generate import generate
from demo.schema import create_schema

__all__ = ["GENERATOR_VERSION", "build_demo_db", "demo_dictionary", "dictionary_path"]

# Bump whenever the schema or generated content changes, so existing files rebuild.
GENERATOR_VERSION = 1
# Temp files this old are leftovers of a crashed build, not a build in progress.
_STALE_TEMP_SECONDS = 600


def dictionary_path(db_path: Path) -> Path:
    """Where build_demo_db writes the data dictionary for db_path."""
    return Path(db_path).with_suffix(".dictionary.json")


def build_demo_db(path: Path, *, seed: int = 42) -> Path:
    """Create the demo database at `path` unless a current one is already there.

    Returns `path`. The data dictionary is written next to it, see dictionary_path().
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_current(path, seed):
        if not dictionary_path(path).exists():
            _write_dictionary(path)
        return path

    _remove_stale_temps(path)
    tmp = _temp_name(path)
    try:
        _write_database(tmp, seed)
        _write_dictionary(path)  # before the rename: a current db always has its dictionary
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _seed_tag(seed: int) -> int:
    # PRAGMA application_id holds a signed 32-bit int; keep it positive.
    return zlib.crc32(f"dbgpt-demo-seed:{seed}".encode()) & 0x7FFFFFFF


def _is_current(path: Path, seed: int) -> bool:
    """True if path is a demo database made by this generator version and seed."""
    if not path.is_file():
        return False
    try:
        # Read-only so that probing never creates or changes the file.
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tag = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.Error:
        return False  # not a database, or damaged: rebuild
    return version == GENERATOR_VERSION and tag == _seed_tag(seed)


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


def _remove_stale_temps(path: Path) -> None:
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # another process removed it first


def _write_database(tmp: Path, seed: int) -> None:
    tables = generate(seed)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        # No journal and no syncs while filling a private temp file: a crash
        # just discards it. Durability comes from the fsync before the rename.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = ON")  # a generator bug fails the build
        conn.execute("BEGIN")
        create_schema(conn)
        for table, rows in tables.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.execute(f"PRAGMA user_version = {GENERATOR_VERSION}")
        conn.execute(f"PRAGMA application_id = {_seed_tag(seed)}")
        conn.execute("COMMIT")
    finally:
        conn.close()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())


def _write_dictionary(db_path: Path) -> None:
    target = dictionary_path(db_path)
    tmp = _temp_name(target)
    try:
        tmp.write_text(json.dumps(demo_dictionary(), indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open folders)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
