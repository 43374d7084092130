"""Scratch objects for the attacks: made with write rights over an admin
connection, attacked through a connector as the most privileged account the
machine has (PostgreSQL superuser, MariaDB root), and dropped afterwards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
import pymysql
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server.app import create_app
from server.metadata import open_registry, open_users
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.auth import signed_in
from tests.support.helpers import city_db


def scratch_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@dataclass
class Scratch:
    url: str  # what the connector under attack opens
    name: str  # the scratch schema (PostgreSQL) or database (MariaDB)
    admin_url: str


# -- PostgreSQL ------------------------------------------------------------------

PG_OBJECTS = [
    "CREATE TABLE t (a int)",
    "INSERT INTO t VALUES (1), (2)",
    "CREATE TABLE log (x int)",
    # A volatile function that writes, and ways to reach it without naming it as a call.
    "CREATE FUNCTION evil(t) RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO log VALUES ($1.a) RETURNING 1'",
    "CREATE FUNCTION evil_step(int, int) RETURNS int LANGUAGE sql VOLATILE "
    "AS 'INSERT INTO log VALUES ($2) RETURNING coalesce($1, 0) + $2'",
    "CREATE AGGREGATE evil_sum(int) (sfunc = evil_step, stype = int)",
    "CREATE FUNCTION harmless(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2'",
]


def pg_admin_dsn(postgres_url: str) -> str:
    return sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_admin(postgres_url: str, schema: str | None = None) -> psycopg.Connection:
    conn = psycopg.connect(pg_admin_dsn(postgres_url), autocommit=True)
    if schema:
        conn.execute(f"SET search_path TO {schema}")
    return conn


@pytest.fixture(scope="module")
def pg_scratch(postgres_url) -> Scratch:
    schema = scratch_name("dbgpt_sec")
    with pg_admin(postgres_url) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        for statement in PG_OBJECTS:
            conn.execute(statement)
    url = sa.make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield Scratch(url.render_as_string(hide_password=False), schema, postgres_url)
    with pg_admin(postgres_url) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- MariaDB ---------------------------------------------------------------------

MARIADB_OBJECTS = [
    "CREATE TABLE t (a INT)",
    "INSERT INTO t VALUES (1), (2)",
    "CREATE TABLE log (x INT) ENGINE = InnoDB",
    "CREATE TABLE aria_log (x INT) ENGINE = Aria",
    "CREATE FUNCTION writes() RETURNS INT NOT DETERMINISTIC MODIFIES SQL DATA "
    "BEGIN INSERT INTO log VALUES (1); RETURN 1; END",
    # The server does not enforce what a function declares.
    "CREATE FUNCTION lies() RETURNS INT DETERMINISTIC READS SQL DATA "
    "BEGIN INSERT INTO aria_log VALUES (2); RETURN 2; END",
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC NO SQL RETURN x * 2",
]


def mariadb_admin(mariadb_url: str, database: str | None = None) -> pymysql.Connection:
    base = sa.make_url(mariadb_url)
    return pymysql.connect(host=base.host or "127.0.0.1", port=base.port or 3306, user=base.username or "root",
                           password=base.password or "", database=database, autocommit=True)


@pytest.fixture(scope="module")
def mariadb_scratch(mariadb_url) -> Scratch:
    database = scratch_name("dbgpt_sec")
    with mariadb_admin(mariadb_url) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute(f"USE {database}")
        for statement in MARIADB_OBJECTS:
            cursor.execute(statement)
    url = sa.make_url(mariadb_url).set(database=database).render_as_string(hide_password=False)
    yield Scratch(url, database, mariadb_url)
    with mariadb_admin(mariadb_url) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {database}")


# -- The product's own doors: a stranger, an admin, an analyst --------------------------


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def app(settings, llm):
    return create_app(settings, llm=llm)


@pytest.fixture
def stranger(app):
    """No credential at all, from an allowed Host."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def admin(app, settings):
    with signed_in(app, settings) as client:
        yield client


@pytest.fixture
def analyst(app, settings):
    """An analyst with no grants."""
    with signed_in(app, settings, "ana", "analyst") as client:
        yield client


@pytest.fixture
def users(settings):
    return open_users(settings)


@pytest.fixture
def cities(settings) -> str:
    """A registered SQLite database, 'cities', in the folder user databases live in."""
    settings.ensure_dirs()
    open_registry(settings).add("cities", f"sqlite:///{city_db(settings.user_databases_path)}")
    return "cities"
