"""Load the defog PostgreSQL dumps into databases named `defog_<db>`, and open
them for an evaluation run (`PostgresDumps`).

A database is (re)loaded only when missing or when its dump changed: the
dump's sha256 is kept as the database comment, written after the load
commits, so a half-finished load is redone next time. An advisory lock keeps
two runs on one server from loading the same database at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from assistant.evaluation.databases import ROW_LIMIT, TIMEOUT_S, EvalDatabases

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARKER_PREFIX = "dbgpt-eval dump sha256="
_LOCK_KEY = 0x64_62_67_70_74  # "dbgpt": any constant shared by all loaders


def database_name(db_name: str) -> str:
    return f"defog_{db_name}"


def database_url(pg_url: str, db_name: str) -> str:
    """The SQLAlchemy URL of `defog_<db_name>` on the server of `pg_url`."""
    url = make_url(pg_url).set(database=database_name(db_name))
    return url.render_as_string(hide_password=False)


def libpq_dsn(pg_url: str) -> str:
    """A libpq URI psycopg accepts, from a SQLAlchemy URL."""
    return make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)


def dump_digest(dump: Path) -> str:
    return hashlib.sha256(dump.read_bytes()).hexdigest()


def ensure_loaded(pg_url: str, db_name: str, dump: Path) -> bool:
    """Make `defog_<db_name>` hold `dump`. Returns True when it (re)loaded."""
    marker = MARKER_PREFIX + dump_digest(dump)
    name = database_name(db_name)
    with psycopg.connect(libpq_dsn(pg_url), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            row = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if row is not None and row[0] == marker:
                return False
            if row is not None:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            _load(database_url(pg_url, db_name), dump)
            admin.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(marker))
            )
            return True
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _load(url: str, dump: Path) -> None:
    # The dumps are plain SQL (no psql meta-commands). Without parameters
    # psycopg sends the text as one simple query, so the whole file runs as
    # one transaction: it loads completely or not at all.
    with psycopg.connect(libpq_dsn(url)) as conn:
        conn.execute(dump.read_text(encoding="utf-8").encode())
        conn.commit()


class PostgresDumps(EvalDatabases):
    """The evaluation databases of a folder of PostgreSQL dumps, `<db_name>.sql`, each
    loaded (once) into `defog_<db_name>` on the server of `pg_url`."""

    dialect = "postgres"

    def __init__(self, db_dir: str | Path, *, pg_url: str = DEFAULT_PG_URL, row_limit: int = ROW_LIMIT,
                 timeout_s: float = TIMEOUT_S):
        super().__init__(db_dir, row_limit=row_limit, timeout_s=timeout_s)
        self.pg_url = pg_url

    def url(self, db_name: str) -> str:
        dump = self.db_dir / f"{db_name}.sql"
        if not dump.is_file():
            raise FileNotFoundError(f"no PostgreSQL dump for {db_name!r} at {dump}")
        ensure_loaded(self.pg_url, db_name, dump)
        return database_url(self.pg_url, db_name)
