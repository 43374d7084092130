"""Introspection of a wide schema: connectors' bulk catalog reads against
SQLAlchemy's per-table inspect() in the same run.

A schema of --tables tables x --columns columns (a primary key, a foreign key
to the previous table, an index, comments on PostgreSQL) is built on SQLite
and on PostgreSQL. Each method reads the same facts: columns (type,
nullability, default), primary key, foreign keys, indexes, and on PostgreSQL
comments. Sample rows and distinct values are left out of the comparison
(inspect() has no such thing); the connectors' full introspection with them
is timed once more for information. SQLAlchemy's own bulk reflection
(get_multi_*) is shown too.

Time: best of --repeat runs, without tracing. Memory: the peak of Python
allocations (tracemalloc) during one more run of each method, and the
process's peak resident size at the end.

    .venv/bin/python bench/introspection.py
    .venv/bin/python bench/introspection.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors import connect  # noqa: E402

TYPES = ["INTEGER", "VARCHAR(40)", "NUMERIC(10,2)", "DATE", "TEXT", "BOOLEAN", "TIMESTAMP"]


def table_ddl(i: int, columns: int) -> list[str]:
    cols = ["id INTEGER PRIMARY KEY"]
    if i > 0:
        cols.append(f"parent_id INTEGER REFERENCES t{i - 1:04d}(id)")
    while len(cols) < columns:
        n = len(cols)
        default = " DEFAULT 0" if TYPES[n % len(TYPES)] == "INTEGER" else ""
        null = " NOT NULL" if n % 5 == 0 else ""
        cols.append(f"c{n:02d} {TYPES[n % len(TYPES)]}{null}{default}")
    return [
        f"CREATE TABLE t{i:04d} ({', '.join(cols)})",
        f"CREATE INDEX t{i:04d}_c02 ON t{i:04d} (c02)",
    ]


# -- the three methods -----------------------------------------------------------


def ours(url: str, schema: str | None) -> Callable[[], int]:
    def run() -> int:
        with connect(url, samples=False, schemas=[schema] if schema else None) as conn:
            info = conn.introspect()
        return sum(len(t.columns) for t in info.tables)

    return run


def ours_with_samples(url: str, schema: str | None) -> Callable[[], int]:
    def run() -> int:
        with connect(url, samples=True, schemas=[schema] if schema else None) as conn:
            info = conn.introspect()
        return sum(len(t.columns) for t in info.tables)

    return run


def per_table(url: str, schema: str | None, comments: bool) -> Callable[[], int]:
    def run() -> int:
        engine = sa.create_engine(url)
        try:
            inspector = sa.inspect(engine)
            total = 0
            for name in inspector.get_table_names(schema=schema):
                total += len(inspector.get_columns(name, schema=schema))
                inspector.get_pk_constraint(name, schema=schema)
                inspector.get_foreign_keys(name, schema=schema)
                inspector.get_indexes(name, schema=schema)
                if comments:
                    inspector.get_table_comment(name, schema=schema)
            return total
        finally:
            engine.dispose()

    return run


def multi(url: str, schema: str | None, comments: bool) -> Callable[[], int]:
    def run() -> int:
        engine = sa.create_engine(url)
        try:
            inspector = sa.inspect(engine)
            columns = inspector.get_multi_columns(schema=schema)
            inspector.get_multi_pk_constraint(schema=schema)
            inspector.get_multi_foreign_keys(schema=schema)
            inspector.get_multi_indexes(schema=schema)
            if comments:
                inspector.get_multi_table_comment(schema=schema)
            return sum(len(c) for c in columns.values())
        finally:
            engine.dispose()

    return run


# -- measuring -------------------------------------------------------------------


def measure(run: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    """Best wall time over `repeat` runs, then tracemalloc's peak in MiB."""
    best = float("inf")
    found = 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = run()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, found


def report(engine: str, rows: list[tuple[str, float, float, int]]) -> None:
    base = rows[0][1]
    for label, seconds, peak, found in rows:
        ratio = f"{seconds / base:5.1f}x" if label != rows[0][0] else "  1.0x"
        print(f"{engine:10} {label:38} {seconds:8.3f} s {ratio}  peak {peak:7.1f} MiB  columns {found}")


# -- engines ---------------------------------------------------------------------


def bench_sqlite(tables: int, columns: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.sqlite"
        conn = sqlite3.connect(path)
        for i in range(tables):
            for statement in table_ddl(i, columns):
                conn.execute(statement)
        conn.commit()
        conn.close()
        url = f"sqlite:///{path}"
        rows = [
            ("connectors bulk introspect()", *measure(ours(url, None), repeat)),
            ("SQLAlchemy inspect() per table", *measure(per_table(url, None, False), repeat)),
            ("SQLAlchemy get_multi_* (bulk)", *measure(multi(url, None, False), repeat)),
        ]
        report("SQLite", rows)
        seconds, peak, _ = measure(ours_with_samples(url, None), 1)
        print(f"{'SQLite':10} {'connectors, with samples and values':38} {seconds:8.3f} s         peak {peak:7.1f} MiB")


def bench_postgres(url: str, tables: int, columns: int, repeat: int) -> None:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        for first in range(0, tables, 100):  # batches: one transaction would run out of lock slots
            with conn.transaction():
                for i in range(first, min(first + 100, tables)):
                    for statement in table_ddl(i, columns):
                        conn.execute(statement)
                    conn.execute(f"COMMENT ON TABLE t{i:04d} IS 'table number {i}'")
    try:
        scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        scoped_url = scoped.render_as_string(hide_password=False)
        rows = [
            ("connectors bulk introspect()", *measure(ours(scoped_url, schema), repeat)),
            ("SQLAlchemy inspect() per table", *measure(per_table(url, schema, True), repeat)),
            ("SQLAlchemy get_multi_* (bulk)", *measure(multi(url, schema, True), repeat)),
        ]
        report("PostgreSQL", rows)
        seconds, peak, _ = measure(ours_with_samples(scoped_url, schema), 1)
        label = "connectors, with samples and values"
        print(f"{'PostgreSQL':10} {label:38} {seconds:8.3f} s         peak {peak:7.1f} MiB")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for last in range(tables - 1, -1, -100):  # newest first: each batch holds its referrers
                names = ", ".join(f"{schema}.t{i:04d}" for i in range(last, max(last - 100, -1), -1))
                conn.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL URL to build the schema in, or 'none' to skip")
    args = parser.parse_args()
    print(f"schema: {args.tables} tables x {args.columns} columns; time: best of {args.repeat}")
    bench_sqlite(args.tables, args.columns, args.repeat)
    if args.postgres.lower() != "none":
        bench_postgres(args.postgres, args.tables, args.columns, args.repeat)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size: {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
