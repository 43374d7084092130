"""Measurements the engine makes for us: results as multisets, and the cost of a plan.

Cost is the planner's estimate where the engine has one (PostgreSQL, MySQL);
SQLite has none, so its own work counter is used instead: the number of
virtual-machine steps the statement takes to run to the end, counted with a
progress handler on a read-only connection.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.diagnosis.context import Context
from connectors.guard import check_statement, render
from connectors.types import ConnectorError, QueryTimeout

# Rows compared per side; beyond this a rewrite is reported unverified.
COMPARE_ROWS = 200_000
# Runs faster than this are dominated by scheduling noise on a shared machine.
TIMING_FLOOR_S = 0.02
_STEP_GRAIN = 100


@dataclass
class Outcome:
    rows: list[list[Any]] | None = None
    error: str | None = None
    timed_out: bool = False
    truncated: bool = False


@dataclass
class Cost:
    value: float | None
    metric: str  # "estimated cost" | "VM steps" | "seconds"
    note: str = ""
    # SQLite's VM steps miss the price of random page reads, so its wall time is kept too.
    seconds: float | None = None


def guarded_text(sql: str, dialect: str) -> str:
    """The text an engine may receive: guard-checked, regenerated, comments dropped."""
    return render(check_statement(sql, dialect), dialect)


def run_rows(ctx: Context, sql: str) -> Outcome:
    try:
        result = ctx.connector.run(sql, row_limit=COMPARE_ROWS, timeout_s=ctx.timeout_s)
    except QueryTimeout as timeout:
        return Outcome(error=str(timeout), timed_out=True)
    except ConnectorError as error:
        return Outcome(error=str(error))
    return Outcome(rows=result.rows, truncated=result.truncated)


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    return value


def multiset(rows: list[list[Any]]) -> Counter:
    """Rows as a multiset: order ignored, duplicates and NULLs kept."""
    return Counter(tuple(_norm(v) for v in row) for row in rows)


def multiset_difference(a: list[list[Any]], b: list[list[Any]]) -> tuple[int, int]:
    """(rows only in a, rows only in b), counting duplicates."""
    left, right = multiset(a), multiset(b)
    return sum((left - right).values()), sum((right - left).values())


def cost(ctx: Context, sql: str) -> Cost:
    if ctx.engine_dialect == "sqlite" and getattr(ctx.connector, "path", None):
        steps, seconds = sqlite_work(Path(ctx.connector.path), sql, ctx.timeout_s)
        return Cost(steps, "VM steps", seconds=seconds)
    try:
        plan = ctx.connector.explain(sql)
    except ConnectorError as error:
        return Cost(None, "estimated cost", str(error))
    seconds = best_seconds(ctx, sql)
    if plan.root.est_cost is not None:
        # The planner's estimate, and the clock to catch where the estimate is wrong.
        return Cost(plan.root.est_cost, "estimated cost", seconds=seconds)
    return Cost(seconds, "seconds")


def best_seconds(ctx: Context, sql: str, runs: int = 3) -> float | None:
    """The best of a few guarded read-only runs, rows fetched to the client as a user would."""
    best = None
    for _ in range(runs):
        seconds = one_run_seconds(ctx, sql)
        if seconds is None:
            return None
        best = seconds if best is None else min(best, seconds)
    return best


def one_run_seconds(ctx: Context, sql: str) -> float | None:
    """Wall time of one guarded read-only run to the end, as `cost` measures it for this engine."""
    if ctx.engine_dialect == "sqlite" and getattr(ctx.connector, "path", None):
        return sqlite_work(Path(ctx.connector.path), sql, ctx.timeout_s, runs=1)[1]
    try:
        return ctx.connector.run(sql, row_limit=COMPARE_ROWS, timeout_s=ctx.timeout_s).elapsed_s
    except ConnectorError:
        return None


def paired_seconds(ctx: Context, first: str, second: str, rounds: int = 5) -> tuple[float | None, float | None]:
    """Best times of two statements run in turn, so that a burst of load on a shared
    machine falls on both rather than on whichever happened to be timed during it."""
    best: list[float | None] = [None, None]
    for _ in range(rounds):
        for i, sql in enumerate((first, second)):
            seconds = one_run_seconds(ctx, sql)
            if seconds is None:
                return None, None
            best[i] = seconds if best[i] is None else min(best[i], seconds)
    return best[0], best[1]


def sqlite_work(path: Path, sql: str, timeout_s: float, conn: sqlite3.Connection | None = None,
                runs: int = 3) -> tuple[float | None, float | None]:
    """SQLite's work for a statement run to the end: (VM steps, best wall time of `runs`),
    or (None, None) when it ran past timeout_s."""
    text = guarded_text(sql, "sqlite")
    own = conn is None
    if own:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    ticks = [0]
    deadline = time.monotonic() + timeout_s

    def tick() -> int:
        ticks[0] += 1
        return 1 if time.monotonic() > deadline else 0

    steps, best = None, None
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(tick, _STEP_GRAIN)
        for _ in range(runs):
            ticks[0] = 0
            started = time.perf_counter()
            for _row in conn.execute(text):
                pass
            elapsed = time.perf_counter() - started
            steps = float(ticks[0] * _STEP_GRAIN) if steps is None else steps
            best = elapsed if best is None else min(best, elapsed)
        return steps, best
    except sqlite3.OperationalError:
        return (steps, best) if steps is not None else (None, None)
    finally:
        conn.set_progress_handler(None, 0)
        conn.execute("PRAGMA query_only = OFF")
        if own:
            conn.close()


def sqlite_plan_rows(conn: sqlite3.Connection, sql: str) -> list[str]:
    """EXPLAIN QUERY PLAN details of a guarded statement."""
    text = guarded_text(sql, "sqlite")
    return [str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {text}")]


def shown(value: float | None, metric: str) -> str:
    if value is None:
        return "?"
    return f"{value * 1000:,.1f} ms" if metric == "seconds" else f"{value:,.0f}"


def time_change(before: float | None, after: float | None) -> float | None:
    """Relative change of two best-run times; None when both are too short for the clock to judge."""
    if before is None or after is None or max(before, after) < TIMING_FLOOR_S:
        return None
    return change(before, after)


def change(before: float | None, after: float | None) -> float | None:
    """Relative change from before to after (-0.9 means 90% less)."""
    if before is None or after is None or before <= 0:
        return None
    return (after - before) / before
