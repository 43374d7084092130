"""connect(): pick the connector for a URL or a database file and open it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from .base import Connector
from .types import ConnectorError

_SQLITE_MAGIC = b"SQLite format 3\x00"
_DUCKDB_MAGIC = b"DUCK"  # at byte 8 of a DuckDB file
_DUCKDB_SUFFIXES = {".duckdb", ".ddb"}


def connect(
    url: str,
    *,
    row_limit: int = 1000,
    timeout_s: float = 30.0,
    connect_timeout_s: float = 10.0,
    max_result_bytes: int = 20_000_000,
    duckdb_memory_limit: str = "1GB",
    duckdb_threads: int = 2,
    dictionary: dict | None = None,
    schemas: Sequence[str] | None = None,
    samples: bool = True,
) -> Connector:
    """Open a guarded, read-only connector.

    url: a SQLAlchemy URL (sqlite, postgresql[+psycopg], mysql[+pymysql],
    mariadb[+pymysql], duckdb) or a path to a SQLite / DuckDB file.
    row_limit, max_result_bytes: a result is cut (truncated) at this many rows,
    or before its JSON passes this many bytes.
    timeout_s: the time limit of a statement, enforced by the engine.
    connect_timeout_s: how long to wait for a database server to answer
    while connecting (and for a SQLite file another process has locked).
    duckdb_memory_limit, duckdb_threads: what a DuckDB database may use.
    schemas: PostgreSQL schemas, MySQL databases or DuckDB schemas to
    introspect (default: the search_path, the URL's database, all of DuckDB's).
    samples: whether introspect() reads sample rows and distinct values.
    The connection is tried once here, so a wrong URL fails now.
    """
    options = dict(
        row_limit=row_limit,
        timeout_s=timeout_s,
        connect_timeout_s=connect_timeout_s,
        max_result_bytes=max_result_bytes,
        dictionary=dictionary,
        schemas=schemas,
        samples=samples,
    )
    connector = _build(str(url), options, dict(memory_limit=duckdb_memory_limit, threads=duckdb_threads))
    try:
        connector.server_version()
    except BaseException:
        connector.close()
        raise
    return connector


def _build(url: str, options: dict, duckdb_options: dict) -> Connector:
    if "://" not in url:
        path = Path(url).expanduser()
        return _open_file(_file_kind(path), path, options, duckdb_options)
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as error:  # ValueError: a port that is not a number, an unclosed '['
        raise ConnectorError(f"not a database URL: {error}") from None
    backend = parsed.get_backend_name()
    if backend in ("sqlite", "duckdb"):
        return _open_file(backend, _file_of(parsed), options, duckdb_options)
    if backend == "postgresql":
        from .postgres import PostgresConnector

        return PostgresConnector(parsed.set(drivername="postgresql+psycopg"), **options)
    if backend in ("mysql", "mariadb"):
        from .mysql import MySQLConnector

        return MySQLConnector(parsed.set(drivername=f"{backend}+pymysql"), **options)
    raise ConnectorError(f"unsupported database {backend!r}: use SQLite, PostgreSQL, MySQL/MariaDB or DuckDB")


def _file_of(parsed: sa.engine.URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise ConnectorError("an in-memory database holds nothing to read; give a file path")
    if parsed.query:
        # The file is always opened read-only with the connector's own settings.
        names = ", ".join(sorted(parsed.query))
        raise ConnectorError(f"a {parsed.get_backend_name()} URL takes no options: remove {names}")
    return Path(parsed.database).expanduser()


def _file_kind(path: Path) -> str:
    """sqlite or duckdb, told by the file's header (or its suffix)."""
    if not path.is_file():
        raise ConnectorError(f"no database file at {path}")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head[8:12] == _DUCKDB_MAGIC or path.suffix.lower() in _DUCKDB_SUFFIXES:
        return "duckdb"
    return "sqlite"  # an empty .db / .sqlite file is a valid empty SQLite database


def _open_file(kind: str, path: Path, options: dict, duckdb_options: dict) -> Connector:
    if kind == "duckdb":
        from .duckdb import DuckDBConnector

        return DuckDBConnector(path, **duckdb_options, **options)
    from .sqlite import SQLiteConnector

    return SQLiteConnector(path, **options)
