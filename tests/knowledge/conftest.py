"""Real parts for knowledge tests: the bundled embedding model (loaded once
per session), an embedded Chroma store per test, real SQLite databases."""

from __future__ import annotations

import sqlite3

import pytest

from knowledge.store import ChromaStore
from tests.knowledge.fixtures import embedder  # noqa: F401 - shared with tests/assistant/qa and tests/server


@pytest.fixture
def store(tmp_path):
    return ChromaStore(tmp_path / "chroma")


SHOP_DDL = """
CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT, email TEXT, city_id INTEGER REFERENCES city(id));
CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT, category TEXT, price REAL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), ordered_at TEXT, status TEXT);
CREATE TABLE order_item (order_id INTEGER REFERENCES orders(id), product_id INTEGER REFERENCES product(id),
                         quantity INTEGER, PRIMARY KEY (order_id, product_id));
CREATE TABLE supplier (id INTEGER PRIMARY KEY, company TEXT, phone TEXT);
INSERT INTO city VALUES (1, 'New York', 'USA'), (2, 'Paris', 'France'), (3, 'São Paulo', 'Brazil');
INSERT INTO customer VALUES (1, 'Ada Lovelace', 'ada@example.com', 1), (2, 'Alan Turing', 'alan@example.com', 2);
INSERT INTO product VALUES (1, 'Teapot', 'Kitchen', 20.0), (2, 'Desk lamp', 'Lighting', 35.5);
INSERT INTO orders VALUES (1, 1, '2024-01-02', 'shipped'), (2, 2, '2024-02-03', 'cancelled');
INSERT INTO order_item VALUES (1, 1, 2), (2, 2, 1);
INSERT INTO supplier VALUES (1, 'Acme', '555-0100');
"""


@pytest.fixture
def shop_path(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(SHOP_DDL)
    return path


@pytest.fixture
def shop(shop_path):
    from connectors import connect

    conn = connect(f"sqlite:///{shop_path}")
    yield conn
    conn.close()
