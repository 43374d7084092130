"""Planted cases for bench/diagnosis.py: a store database at realistic size, and
queries each carrying the problem(s) planted in it.

`expect`: the finding kinds the diagnosis must produce (the planted problems;
empty for "no problem" cases). `related`: kinds that state true consequences
of the same planted problem (e.g. the full scan a leading wildcard causes);
they are counted apart in the precision figures.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

SIZES = {"customers": 50_000, "products": 5_000, "orders": 200_000, "order_items": 400_000, "events": 150_000,
         "reviews": 60_000}

_TABLES = """
CREATE TABLE countries (code {text} PRIMARY KEY, name {text} NOT NULL);
CREATE TABLE customers (id integer PRIMARY KEY, email {text} NOT NULL, name {text} NOT NULL, city {text},
                        country {text}, created_at {ts} NOT NULL, referrer_id integer);
CREATE UNIQUE INDEX customers_email ON customers(email);
CREATE TABLE products (id integer PRIMARY KEY, sku {text} NOT NULL, name {text} NOT NULL, category {text} NOT NULL,
                       price {money} NOT NULL);
CREATE UNIQUE INDEX products_sku ON products(sku);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id),
                     status {text} NOT NULL, total {money}, created_at {ts} NOT NULL, coupon {text});
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_created ON orders(created_at);
CREATE TABLE order_items (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES orders(id),
                          product_id integer NOT NULL REFERENCES products(id), quantity integer NOT NULL,
                          price {money} NOT NULL);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE TABLE events (id integer PRIMARY KEY, customer_id integer, kind {text} NOT NULL, created_at {ts} NOT NULL);
CREATE TABLE reviews (id integer PRIMARY KEY, product_id integer NOT NULL REFERENCES products(id),
                      customer_id integer NOT NULL, rating integer NOT NULL, body {text});
CREATE INDEX reviews_product ON reviews(product_id);
"""

# Row generators; {n} is the row count, {series} a relation of i = 1..n, {ts}(s) a timestamp s seconds in.
_ROWS = {
    "countries": "SELECT 'C' || i, 'Country ' || i FROM {series}",
    "customers": "SELECT i, 'user' || i || '@example.com', 'Customer ' || i, CASE i % 5 WHEN 0 THEN 'Paris' "
                 "WHEN 1 THEN 'Lyon' WHEN 2 THEN 'Nantes' WHEN 3 THEN 'Lille' END, 'C' || (1 + i % 50), "
                 "{stamp2022}, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + (i * 31) % {n} END FROM {series}",
    "products": "SELECT i, 'SKU-' || i, 'Product ' || i, CASE i % 4 WHEN 0 THEN 'books' WHEN 1 THEN 'games' "
                "WHEN 2 THEN 'music' ELSE 'tools' END, round(1 + (i * 37) % 500 + 0.99, 2) FROM {series}",
    "orders": "SELECT i, 1 + (i * 7 + i / 1000) % {customers}, CASE i % 10 WHEN 0 THEN 'cancelled' WHEN 1 THEN "
              "'pending' ELSE 'shipped' END, round((i * 13) % 1000 + 0.5, 2), {stamp2023}, "
              "CASE WHEN i % 20 = 0 THEN 'SAVE' || (i % 7) END FROM {series}",
    "order_items": "SELECT i, 1 + (i - 1) / 2, 1 + (i * 17) % {products}, 1 + i % 3, "
                   "round(1 + (i * 37) % 500 + 0.99, 2) FROM {series}",
    "events": "SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + (i * 11) % {customers} END, CASE i % 3 WHEN 0 "
              "THEN 'view' WHEN 1 THEN 'click' ELSE 'cart' END, {stamp2023} FROM {series}",
    "reviews": "SELECT i, 1 + (i * 13) % {products}, 1 + (i * 29) % {customers}, 1 + i % 5, "
               "'Review text ' || i FROM {series}",
}

# Perturbations for checking "equivalent" rewrites beyond today's data: more NULLs, duplicated rows.
PERTURB = [
    "UPDATE events SET customer_id = NULL WHERE id % 7 = 0",
    "UPDATE customers SET city = NULL WHERE id % 11 = 0",
    "UPDATE orders SET total = NULL WHERE id % 17 = 0",
    "INSERT INTO orders SELECT id + 10000000, customer_id, status, total, created_at, coupon FROM orders "
    "WHERE id % 13 = 0",
    "INSERT INTO order_items SELECT id + 10000000, order_id, product_id, quantity, price FROM order_items "
    "WHERE id % 9 = 0",
    "INSERT INTO reviews SELECT id + 10000000, product_id, customer_id, rating, body FROM reviews WHERE id % 5 = 0",
]


def _script(dialect: str, scale: float) -> list[str]:
    types = {"sqlite": dict(text="TEXT", ts="TEXT", money="REAL"),
             "postgres": dict(text="text", ts="timestamp", money="numeric(10, 2)")}[dialect]
    sizes = {k: max(10, int(v * scale)) for k, v in SIZES.items()} | {"countries": 50}
    out = [s.strip() for s in _TABLES.format(**types).split(";") if s.strip()]
    for table, select in _ROWS.items():
        n = sizes[table]
        if dialect == "sqlite":
            series = "n"
            stamp = "strftime('%Y-%m-%d %H:%M:%S', '{y}-01-01', '+' || ((i * {k}) % 31536000) || ' seconds')"
            prefix = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "
        else:
            series = f"generate_series(1, {n}) AS i"
            stamp = "timestamp '{y}-01-01' + ((i::bigint * {k}) % 31536000) * interval '1 second'"
            prefix = ""
        body = select.format(n=n, series=series, customers=sizes["customers"], products=sizes["products"],
                             stamp2022=stamp.format(y=2022, k=7919), stamp2023=stamp.format(y=2023, k=104729))
        out.append(f"{prefix}INSERT INTO {table} {body}")
    out.append("ANALYZE")
    return out


def build_sqlite(path: Path, scale: float = 1.0, perturbed: bool = False) -> Path:
    with sqlite3.connect(path) as con:
        for statement in _script("sqlite", scale) + (PERTURB if perturbed else []):
            con.execute(statement)
    con.close()
    return path


def postgres_statements(scale: float = 1.0, perturbed: bool = False) -> list[str]:
    return _script("postgres", scale) + (PERTURB + ["ANALYZE"] if perturbed else [])


@dataclass
class Case:
    id: str
    db: str  # "sqlite" | "postgres"
    sql: str
    expect: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


def _c(id_, db, sql, expect=(), related=()):
    return Case(id_, db, sql, list(expect), list(related))


_BOTH = [
    # (id, sql, expect, related): planted on both engines
    ("fn_lower", "SELECT id FROM customers WHERE lower(email) = 'user42@example.com'",
     ["function_on_indexed_column"], ["full_scan"]),
    ("like_leading", "SELECT id, email FROM customers WHERE email LIKE '%42@example.com'",
     ["leading_wildcard_like"], ["full_scan"]),
    ("not_in_nulls", "SELECT id, email FROM customers WHERE id NOT IN (SELECT customer_id FROM events "
     "WHERE kind = 'cart')", ["not_in_nullable"], ["full_scan", "join_without_index"]),
    ("cartesian", "SELECT c.email, o.id FROM customers c, orders o WHERE c.city = 'Lille' AND o.status = 'pending'",
     ["cartesian_join"], ["full_scan", "nested_loop_large", "join_without_index"]),
    ("or_columns", "SELECT id FROM orders WHERE customer_id = 42 OR total = 500.5",
     ["or_across_columns"], ["full_scan"]),
    ("random", "SELECT id, total FROM orders ORDER BY random() LIMIT 10", ["order_by_random"], ["temp_sort"]),
    ("star_join", "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 10",
     ["select_star_join"]),
    ("distinct_fanout", "SELECT DISTINCT p.id, p.name FROM products p JOIN reviews r ON r.product_id = p.id "
     "WHERE r.rating = 1", ["distinct_join_fanout"], ["full_scan", "temp_sort"]),
    ("correlated", "SELECT o.id, (SELECT sum(oi.quantity) FROM order_items oi WHERE oi.order_id = o.id) AS items "
     "FROM orders o WHERE o.status = 'pending'", ["correlated_subquery"], ["full_scan"]),
    ("union", "SELECT id FROM orders WHERE status = 'pending' UNION SELECT id FROM orders WHERE status = 'cancelled'",
     ["union_not_all"], ["full_scan", "temp_sort"]),
    ("unbounded", "SELECT * FROM order_items", ["unbounded_scan"]),
    ("unknown_column", "SELECT id, totl FROM orders WHERE status = 'shipped'", ["unknown_column"]),
    ("unknown_table", "SELECT * FROM order_item WHERE order_id = 3", ["unknown_table"]),
    ("ambiguous", "SELECT id, total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.city = 'Paris'",
     ["ambiguous_column"]),
    ("group_by", "SELECT city, name, count(*) FROM customers GROUP BY city", ["group_by"], ["temp_sort"]),
    ("aggregate_where", "SELECT customer_id FROM orders WHERE count(*) > 5 GROUP BY customer_id",
     ["aggregate_in_where"]),
    ("syntax", "SELECT id, total\nFROM orders\nWHERE total > AND status = 'x'", ["syntax_error"]),
    ("null_compare", "SELECT id FROM orders WHERE coupon = NULL", ["null_comparison"], ["full_scan"]),
    ("offset", "SELECT id, total FROM orders ORDER BY id LIMIT 20 OFFSET 150000", ["large_offset"]),
    ("type_literal", "SELECT id FROM orders WHERE customer_id = 'abc'", ["type_mismatch"]),
    ("top_n_sort", "SELECT id, total FROM orders WHERE status = 'shipped' ORDER BY total DESC LIMIT 20",
     ["temp_sort"], ["full_scan"]),
    ("join_no_index", "SELECT p.name, oi.quantity FROM products p JOIN order_items oi ON oi.product_id = p.id "
     "WHERE p.sku = 'SKU-42'", ["join_without_index"], ["full_scan", "nested_loop_large"]),
    ("filter_no_index", "SELECT id, kind FROM events WHERE customer_id = 4242", ["full_scan"]),
    ("update_all", "UPDATE orders SET status = 'archived'", ["write_statement", "write_without_where"]),
    ("two_statements", "SELECT id FROM orders WHERE id = 1; SELECT id FROM customers WHERE id = 1",
     ["multiple_statements"]),
    ("prose", "why is my orders query so slow?", ["not_sql"]),
    ("having_filter", "SELECT status, count(*) FROM orders GROUP BY status HAVING status <> 'cancelled'",
     ["having_without_aggregate"]),
    # no problem
    ("ok_pk", "SELECT id, total, status FROM orders WHERE id = 12345", []),
    ("ok_fk", "SELECT o.id, o.total FROM orders o WHERE o.customer_id = 4242 ORDER BY o.created_at", []),
    ("ok_join", "SELECT c.email, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 77", []),
    ("ok_range", "SELECT id FROM orders WHERE created_at >= '2023-06-01' AND created_at < '2023-06-02'", []),
    ("ok_not_exists", "SELECT c.id FROM customers c WHERE c.id < 100 AND NOT EXISTS "
     "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)", []),
    ("ok_group", "SELECT status, count(*) FROM orders GROUP BY status", []),
    ("ok_items", "SELECT sum(quantity) FROM order_items WHERE order_id BETWEEN 100 AND 200", []),
]

_SQLITE_ONLY = [
    ("fn_date", "SELECT id, total FROM orders WHERE date(created_at) = '2023-06-15'",
     ["function_on_indexed_column"], ["full_scan"]),
]

_POSTGRES_ONLY = [
    ("fn_cast", "SELECT id, total FROM orders WHERE created_at::date = '2023-06-15'",
     ["function_on_indexed_column"], ["full_scan"]),
    ("type_join", "SELECT c.id FROM customers c JOIN countries k ON k.code = c.id", ["type_mismatch"]),
    ("fn_year", "SELECT count(*) FROM orders WHERE EXTRACT(YEAR FROM created_at) = 2023",
     ["function_on_indexed_column"], ["full_scan"]),
]

CASES: list[Case] = (
    [_c(f"sqlite.{i}", "sqlite", s, e, r) for i, s, e, *rest in _BOTH + _SQLITE_ONLY for r in [rest[0] if rest else ()]]
    + [_c(f"postgres.{i}", "postgres", s, e, r) for i, s, e, *rest in _BOTH + _POSTGRES_ONLY
       for r in [rest[0] if rest else ()]]
)


# How a free-text answer names each kind of problem (lower-cased text, searched anywhere).
NAMED_BY = {
    "function_on_indexed_column": r"(function|cast|lower\(|date\(|::date|extract|sargab).{0,120}index|"
                                  r"index.{0,120}(function|cast|lower\(|date\(|extract)|"
                                  r"expression index|functional index",
    "leading_wildcard_like": r"leading (wildcard|%)|(starts|begins|beginning) with (a )?(%|wildcard)|"
                             r"wildcard at the (start|beginning)|trigram|full[- ]text",
    "not_in_nullable": r"null.{0,80}not in|not in.{0,80}null|not exists",
    "cartesian_join": r"cartesian|cross join|no join condition|missing (a )?join|without (a )?join condition",
    "or_across_columns": r"\bor\b.{0,80}(index|union)|union all",
    "order_by_random": r"random\(\)|rand\(\)|order by random",
    "select_star_join": r"select \*|specify (the )?(needed )?columns|only the columns|avoid select",
    "distinct_join_fanout": r"distinct.{0,100}(exists|duplicat)|exists.{0,60}distinct|fan.?out|"
                            r"multipl(y|ies) (the )?rows",
    "correlated_subquery": r"correlated|subquery.{0,80}(each|every|per) row|for each row",
    "union_not_all": r"union all",
    "unbounded_scan": r"\blimit\b|paginat|all (the )?rows|entire table|whole table",
    "unknown_column": r"does ?n[o']t exist|no such column|unknown column|misspel|typo|totl.{0,60}total",
    "unknown_table": r"does ?n[o']t exist|no such table|unknown table|misspel|typo|order_items",
    "ambiguous_column": r"ambiguous|qualif|both tables",
    "group_by": r"(not|isn't|is not) (in|part of|included in) (the )?group by|must (appear|be) in (the )?group by|"
                r"group by.{0,60}(missing|add|include)|not aggregated|aggregate function",
    "aggregate_in_where": r"having",
    "syntax_error": r"syntax|missing (a )?(value|operand|expression)|incomplete",
    "null_comparison": r"is null|is not null|= null|null comparison|never true",
    "large_offset": r"offset|keyset|seek method",
    "type_mismatch": r"type mismatch|data type|implicit (conversion|cast)|integer column|numeric column|"
                     r"compar\w* .{0,40}(text|string|integer)|quotes?",
    "temp_sort": r"\bsort|order by.{0,60}index|filesort",
    "join_without_index": r"index.{0,60}(product_id|join)|(product_id|join column).{0,60}index",
    "full_scan": r"full (table )?scan|index on .{0,20}customer_id|sequential scan",
    "write_statement": r"modif|writes|changes (the )?data|update statement",
    "write_without_where": r"no where|without (a )?where|all rows|every row|entire table",
    "multiple_statements": r"two (queries|statements)|multiple (queries|statements)|separate",
    "not_sql": r"not (a )?(valid )?sql|not a query|no (sql )?query",
    "having_without_aggregate": r"\bwhere\b.{0,60}instead|move .{0,40}(to|into) (the )?where",
}
