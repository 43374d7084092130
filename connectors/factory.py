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
    dictionary: dict | None = None,
    schemas: Sequence[str] | None = None,
    samples: bool = True,
) -> Connector:
    """Open a guarded, read-only connector.

    url: a SQLAlchemy URL (sqlite, postgresql[+psycopg], mysql[+pymysql],
    mariadb[+pymysql], duckdb) or a path to a SQLite / DuckDB file.
    schemas: PostgreSQL schemas, MySQL databases or DuckDB schemas to
    introspect (default: the search_path, the URL's database, all of DuckDB's).
    samples: whether introspect() reads sample rows and distinct values.
    The connection is tried once here, so a wrong URL fails now.
    """
    options = dict(row_limit=row_limit, timeout_s=timeout_s, dictionary=dictionary, schemas=schemas, samples=samples)
    connector = _build(str(url), options)
    try:
        connector.server_version()
    except BaseException:
        connector.close()
        raise
    return connector


def _build(url: str, options: dict) -> Connector:
    if "://" not in url:
        return _from_path(Path(url).expanduser(), options)
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as error:  # ValueError: a port that is not a number, an unclosed '['
        raise ConnectorError(f"not a database URL: {error}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        from .sqlite import SQLiteConnector

        return SQLiteConnector(_file_of(parsed), **options)
    if backend == "duckdb":
        from .duckdb import DuckDBConnector

        return DuckDBConnector(_file_of(parsed), **options)
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
    return Path(parsed.database).expanduser()


def _from_path(path: Path, options: dict) -> Connector:
    if not path.is_file():
        raise ConnectorError(f"no database file at {path}")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(_SQLITE_MAGIC):
        kind = "sqlite"
    elif head[8:12] == _DUCKDB_MAGIC or path.suffix.lower() in _DUCKDB_SUFFIXES:
        kind = "duckdb"
    else:
        kind = "sqlite"  # an empty .db / .sqlite file is a valid empty SQLite database
    if kind == "duckdb":
        from .duckdb import DuckDBConnector

        return DuckDBConnector(path, **options)
    from .sqlite import SQLiteConnector

    return SQLiteConnector(path, **options)
