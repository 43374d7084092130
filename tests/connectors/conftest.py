"""One small shop schema (keys, comments, a view, indexes, a sequence) on each
of the four engines, created once per test session under unique names and
dropped afterwards, plus a snapshot (hash of the catalog and of every table's
rows, read over a separate admin connection) to prove nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pymysql
import pytest
import sqlalchemy as sa

from connectors import connect
from connectors.duckdb import read_only_config

ENGINES = ["sqlite", "postgres", "mariadb", "duckdb"]
TABLES = ["customers", "orders", "order_items"]
STATUSES = ["active", "blocked", "new"]
COUNTRIES = ["BR", "DE", "FR", "JP", "US"]


def shop_rows() -> dict[str, list[tuple]]:
    customers = [
        (i, f"Customer {i:02d}", COUNTRIES[i % 5], STATUSES[i % 3], dt.date(2024, 1, 1) + dt.timedelta(days=i))
        for i in range(1, 31)
    ]
    orders = [
        (i, 1 + i % 30, Decimal(i * 7 % 500) + Decimal("0.50"), dt.datetime(2024, 3, 1, 12, 0) + dt.timedelta(hours=i),
         None if i % 4 == 0 else f"note {i}")
        for i in range(1, 201)
    ]
    items = [(1 + i // 2, 1 + i % 2, f"SKU-{i % 40}", 1 + i % 5) for i in range(400)]
    return {"customers": customers, "orders": orders, "order_items": items}


VIEW = (
    "CREATE VIEW big_orders AS SELECT o.id, c.name, o.total FROM orders o "
    "JOIN customers c ON c.id = o.customer_id WHERE o.total > 100"
)

STANDARD_DDL = [
    """CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE,
       country CHAR(2), status VARCHAR(16) NOT NULL DEFAULT 'active', created_at DATE)""",
    """CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
       total NUMERIC(10,2), placed_at TIMESTAMP, note TEXT)""",
    "CREATE INDEX orders_customer_idx ON orders (customer_id)",
    """CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), line INTEGER NOT NULL,
       sku VARCHAR(20) NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (order_id, line))""",
    VIEW,
]

COMMENTS = [
    "COMMENT ON TABLE customers IS 'People who buy from the shop'",
    "COMMENT ON COLUMN customers.country IS 'ISO 3166 country code'",
]

MARIADB_DDL = [
    """CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE,
       country CHAR(2) COMMENT 'ISO 3166 country code', status VARCHAR(16) NOT NULL DEFAULT 'active',
       created_at DATE) COMMENT 'People who buy from the shop'""",
    """CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2),
       placed_at DATETIME, note TEXT, KEY orders_customer_idx (customer_id),
       FOREIGN KEY (customer_id) REFERENCES customers(id))""",
    """CREATE TABLE order_items (order_id INT NOT NULL, line INT NOT NULL, sku VARCHAR(20) NOT NULL,
       qty INT NOT NULL, PRIMARY KEY (order_id, line), FOREIGN KEY (order_id) REFERENCES orders(id))""",
    VIEW,
    "CREATE SEQUENCE audit_seq",
]


@dataclass
class ShopDB:
    """A test database: how to reach it and how to prove it is unchanged."""

    engine: str  # sqlite | postgres | mariadb | duckdb
    dialect: str  # sqlglot dialect the connector reports
    url: str
    snapshot: Callable[[], str]
    admin: Callable[[str], None] = field(repr=False)  # run a statement with write rights
    options: dict = field(default_factory=dict)

    def connect(self, **kwargs):
        return connect(self.url, **{**self.options, **kwargs})


def _digest(parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


# -- SQLite --------------------------------------------------------------------


def build_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    for statement in STANDARD_DDL:
        conn.execute(statement)
    _insert(conn, "?")
    conn.commit()
    conn.close()


def _insert(conn, mark: str) -> None:
    cursor = conn.cursor()
    for table, rows in shop_rows().items():
        marks = ", ".join([mark] * len(rows[0]))
        rows = [tuple(str(v) if isinstance(v, Decimal) and mark == "?" else v for v in r) for r in rows]
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _literal_row(row: tuple) -> str:
    def literal(value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, (int, Decimal)):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    return "(" + ", ".join(literal(v) for v in row) + ")"


def sqlite_snapshot(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    parts = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        parts += conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2').fetchall()
    conn.close()
    return _digest(parts)


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory) -> ShopDB:
    path = tmp_path_factory.mktemp("sqlite") / "shop.sqlite"
    build_sqlite(path)

    def admin(sql: str) -> None:
        conn = sqlite3.connect(path)
        conn.execute(sql)
        conn.commit()
        conn.close()

    return ShopDB("sqlite", "sqlite", f"sqlite:///{path}", lambda: sqlite_snapshot(path), admin)


# -- DuckDB --------------------------------------------------------------------


@pytest.fixture(scope="session")
def duckdb_db(tmp_path_factory) -> ShopDB:
    path = tmp_path_factory.mktemp("duckdb") / "shop.duckdb"
    conn = duckdb.connect(str(path))
    for statement in STANDARD_DDL + COMMENTS + ["CREATE SEQUENCE audit_seq"]:
        conn.execute(statement)
    for table, rows in shop_rows().items():  # one statement per table: DuckDB's executemany is slow
        conn.execute(f"INSERT INTO {table} VALUES " + ", ".join(_literal_row(r) for r in rows))
    conn.close()

    def snapshot() -> str:
        # Same configuration as the connector, so this shares its instance if one is open.
        conn = duckdb.connect(str(path), read_only=True, config=read_only_config())
        try:
            parts = conn.execute(
                "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE NOT internal ORDER BY ALL"
            ).fetchall()
            parts += conn.execute("SELECT sequence_name, start_value FROM duckdb_sequences() ORDER BY ALL").fetchall()
            for table in TABLES:
                parts += conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        finally:
            conn.close()
        return _digest(parts)

    def admin(sql: str) -> None:
        raise RuntimeError("the DuckDB test file is opened read-only by the connectors under test")

    return ShopDB("duckdb", "duckdb", f"duckdb:///{path}", snapshot, admin)


# -- PostgreSQL ----------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_db(postgres_url) -> ShopDB:
    schema = f"dbgpt_conn_{uuid.uuid4().hex[:10]}"
    base = sa.make_url(postgres_url)
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        for statement in STANDARD_DDL + COMMENTS + ["CREATE SEQUENCE audit_seq"]:
            conn.execute(statement)
        with conn.cursor() as cursor:
            for table, rows in shop_rows().items():
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.execute("ANALYZE")

    def snapshot() -> str:
        with psycopg.connect(admin_dsn) as conn:
            conn.execute(f"SET search_path TO {schema}")
            parts = conn.execute(
                "SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                "WHERE n.nspname = %s ORDER BY 1, 3",
                (schema,),
            ).fetchall()
            parts += conn.execute("SELECT last_value, is_called FROM audit_seq").fetchall()
            for table in TABLES:
                parts += conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        return _digest(parts)

    def admin(sql: str) -> None:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {schema}")
            conn.execute(sql)

    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    yield ShopDB("postgres", "postgres", url, snapshot, admin)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- MariaDB -------------------------------------------------------------------


@pytest.fixture(scope="session")
def mariadb_db(mariadb_url) -> ShopDB:
    database = f"dbgpt_conn_{uuid.uuid4().hex[:10]}"
    base = sa.make_url(mariadb_url)

    def admin_connect(db: str | None = database):
        return pymysql.connect(
            host=base.host or "127.0.0.1", port=base.port or 3306, user=base.username or "root",
            password=base.password or "", database=db, autocommit=True,
        )

    with admin_connect(None) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute(f"USE {database}")
        for statement in MARIADB_DDL:
            cursor.execute(statement)
        for table, rows in shop_rows().items():
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        cursor.execute("ANALYZE TABLE customers, orders, order_items")

    def snapshot() -> str:
        with admin_connect() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, column_type FROM information_schema.columns "
                "WHERE table_schema = %s ORDER BY 1, 2",
                (database,),
            )
            parts = list(cursor.fetchall())
            cursor.execute("SELECT next_not_cached_value FROM audit_seq")
            parts += list(cursor.fetchall())
            for table in TABLES:
                cursor.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
                parts += list(cursor.fetchall())
        return _digest(parts)

    def admin(sql: str) -> None:
        with admin_connect() as conn, conn.cursor() as cursor:
            cursor.execute(sql)

    url = base.set(database=database).render_as_string(hide_password=False)
    yield ShopDB("mariadb", "mysql", url, snapshot, admin)
    with admin_connect(None) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE {database}")


# -- across engines ------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def shop(request) -> ShopDB:
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
def shop_conn(shop):
    conn = shop.connect()
    yield conn
    conn.close()


# A statement that runs until cancelled, per engine.
SLOW_QUERY = {
    "sqlite": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "postgres": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "duckdb": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    # MariaDB stops recursion at max_recursive_iterations; a large cross join runs on.
    "mariadb": "SELECT count(*) FROM seq_1_to_100000 a, seq_1_to_100000 b WHERE a.seq + b.seq = 7",
}
