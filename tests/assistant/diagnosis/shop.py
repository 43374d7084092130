"""A shop database with enough rows that plans matter, for SQLite and PostgreSQL.

Rows are generated inside the engine (recursive CTE / generate_series), so
building tens of thousands of rows takes well under a second.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

CUSTOMERS, PRODUCTS, ORDERS, ITEMS, EVENTS = 20_000, 1_000, 50_000, 100_000, 40_000

_SQLITE_SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, city TEXT,
                        created_at TEXT NOT NULL, referrer_id INTEGER);
CREATE UNIQUE INDEX customers_email ON customers(email);
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL,
                       price REAL NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                     status TEXT NOT NULL, total REAL NOT NULL, created_at TEXT NOT NULL, coupon TEXT);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_created ON orders(created_at);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                          product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
                          price REAL NOT NULL);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE TABLE events (id INTEGER PRIMARY KEY, customer_id INTEGER, kind TEXT NOT NULL, created_at TEXT NOT NULL);
"""

_SQLITE_DATA = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CUSTOMERS})
INSERT INTO customers SELECT i, 'user' || i || '@example.com', 'Customer ' || i,
  CASE i % 5 WHEN 0 THEN 'Paris' WHEN 1 THEN 'Lyon' WHEN 2 THEN 'Nantes' WHEN 3 THEN 'Lille' ELSE NULL END,
  strftime('%Y-%m-%d %H:%M:%S', '2022-01-01', '+' || ((i * 7919) % 63072000) || ' seconds'),
  CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + (i * 31) % {CUSTOMERS} END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PRODUCTS})
INSERT INTO products SELECT i, 'SKU-' || i, 'Product ' || i,
  CASE i % 4 WHEN 0 THEN 'books' WHEN 1 THEN 'games' WHEN 2 THEN 'music' ELSE 'tools' END,
  round(1 + (i * 37) % 500 + 0.99, 2) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ORDERS})
INSERT INTO orders SELECT i, 1 + (i * 7) % {CUSTOMERS},
  CASE i % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'pending' ELSE 'shipped' END,
  round((i * 13) % 1000 + 0.5, 2),
  strftime('%Y-%m-%d %H:%M:%S', '2023-01-01', '+' || ((i * 104729) % 31536000) || ' seconds'),
  CASE WHEN i % 20 = 0 THEN 'SAVE' || (i % 7) ELSE NULL END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ITEMS})
INSERT INTO order_items SELECT i, 1 + (i - 1) / 2, 1 + (i * 17) % {PRODUCTS}, 1 + i % 3,
  round(1 + (i * 37) % 500 + 0.99, 2) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {EVENTS})
INSERT INTO events SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + (i * 11) % {CUSTOMERS} END,
  CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'cart' END,
  strftime('%Y-%m-%d %H:%M:%S', '2023-01-01', '+' || ((i * 7907) % 31536000) || ' seconds') FROM n;
ANALYZE;
"""


def build_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(_SQLITE_SCHEMA + _SQLITE_DATA)
    con.close()
    return path


POSTGRES_SCRIPT = f"""
CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL, name text NOT NULL, city text,
                        created_at timestamp NOT NULL, referrer_id integer);
CREATE UNIQUE INDEX customers_email ON customers(email);
CREATE TABLE products (id integer PRIMARY KEY, sku text NOT NULL, name text NOT NULL, category text NOT NULL,
                       price numeric(10, 2) NOT NULL);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id),
                     status text NOT NULL, total numeric(10, 2) NOT NULL, created_at timestamp NOT NULL, coupon text);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_created ON orders(created_at);
CREATE TABLE order_items (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES orders(id),
                          product_id integer NOT NULL REFERENCES products(id), quantity integer NOT NULL,
                          price numeric(10, 2) NOT NULL);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE TABLE events (id integer PRIMARY KEY, customer_id integer, kind text NOT NULL, created_at timestamp NOT NULL);
INSERT INTO customers SELECT i, 'user' || i || '@example.com', 'Customer ' || i,
  CASE i % 5 WHEN 0 THEN 'Paris' WHEN 1 THEN 'Lyon' WHEN 2 THEN 'Nantes' WHEN 3 THEN 'Lille' END,
  timestamp '2022-01-01' + ((i::bigint * 7919) % 63072000) * interval '1 second',
  CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + (i * 31) % {CUSTOMERS} END FROM generate_series(1, {CUSTOMERS}) AS i;
INSERT INTO products SELECT i, 'SKU-' || i, 'Product ' || i,
  CASE i % 4 WHEN 0 THEN 'books' WHEN 1 THEN 'games' WHEN 2 THEN 'music' ELSE 'tools' END,
  round(1 + (i * 37) % 500 + 0.99, 2) FROM generate_series(1, {PRODUCTS}) AS i;
INSERT INTO orders SELECT i, 1 + (i * 7) % {CUSTOMERS},
  CASE i % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'pending' ELSE 'shipped' END,
  round((i * 13) % 1000 + 0.5, 2),
  timestamp '2023-01-01' + ((i::bigint * 104729) % 31536000) * interval '1 second',
  CASE WHEN i % 20 = 0 THEN 'SAVE' || (i % 7) END FROM generate_series(1, {ORDERS}) AS i;
INSERT INTO order_items SELECT i, 1 + (i - 1) / 2, 1 + (i * 17) % {PRODUCTS}, 1 + i % 3,
  round(1 + (i * 37) % 500 + 0.99, 2) FROM generate_series(1, {ITEMS}) AS i;
INSERT INTO events SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + (i * 11) % {CUSTOMERS} END,
  CASE i % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'cart' END,
  timestamp '2023-01-01' + ((i::bigint * 7907) % 31536000) * interval '1 second'
  FROM generate_series(1, {EVENTS}) AS i;
ANALYZE;
"""
