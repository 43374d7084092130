"""Real databases for the diagnosis tests: a SQLite shop file and a PostgreSQL
database of its own (with hypopg), both with tens of thousands of rows."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import connect
from tests.assistant.diagnosis import shop
from tests.support.helpers import missing


@pytest.fixture(scope="session")
def shop_path(tmp_path_factory) -> Path:
    return shop.build_sqlite(tmp_path_factory.mktemp("diagnosis") / "shop.sqlite")


@pytest.fixture(scope="session")
def sqlite_conn(shop_path):
    connector = connect(f"sqlite:///{shop_path}", timeout_s=10.0)
    yield connector
    connector.close()


@pytest.fixture(scope="session")
def pg_shop_url(postgres_url):
    """A database of its own (other sessions share the server), dropped afterwards."""
    name = f"dbgpt_diag_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_url).set(database=name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        raw = engine.raw_connection()
        try:  # the driver itself: the script holds '%' operators, not placeholders
            try:
                raw.driver_connection.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
            except Exception as error:  # the package postgresql-15-hypopg is missing
                missing(f"the hypopg extension is not available: {str(error).splitlines()[0]}")
            raw.driver_connection.execute(shop.POSTGRES_SCRIPT)
        finally:
            raw.close()
        yield url.render_as_string(hide_password=False)
    finally:
        engine.dispose()
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_conn(pg_shop_url):
    connector = connect(pg_shop_url, timeout_s=10.0)
    yield connector
    connector.close()
