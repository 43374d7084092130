"""Trying a candidate index without changing the user's database.

SQLite: the index is built in a temporary copy of the file, and the plan and
SQLite's work (VM steps) are compared there. PostgreSQL: hypothetical indexes
(the hypopg extension) live only in this session's memory, and the planner's
cost is compared. MySQL/MariaDB and DuckDB cannot plan with an index that
does not exist, so their candidates stay unverified.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.diagnosis.measure import change, guarded_text, sqlite_plan_rows, sqlite_work, time_change
from assistant.diagnosis.plan_reading import raw_dicts
from connectors.explain import postgres_plan
from connectors.types import ConnectorError, QueryTimeout

if TYPE_CHECKING:
    from assistant.diagnosis.context import Context
    from assistant.diagnosis.index_advice import Candidate

# A copy of a larger SQLite file is not made for a trial.
MAX_SQLITE_COPY_BYTES = 2 * 1024**3
# Below this gain nothing counts: noise, or an index the engine barely prefers.
MIN_GAIN = 0.10
# A measured gain must reach this to be called verified: smaller ones are within run-to-run noise
# on a busy machine, and are shown as unverified.
MIN_MEASURED_GAIN = 0.30
# The planner's cost for a hypothetical index is an estimate, not a measurement: it must fall by half.
MIN_ESTIMATED_GAIN = 0.50
# A planner whose row estimate for a table is off by more than this factor cannot judge an index on it.
MAX_MISESTIMATE = 10.0


@dataclass
class Trial:
    tried: bool = False
    used: bool = False
    before: float | None = None
    after: float | None = None
    metric: str = ""
    method: str = ""
    note: str = ""
    plan_before: list[str] = field(default_factory=list)
    plan_after: list[str] = field(default_factory=list)
    # Wall time where the metric is a work counter (SQLite), best of three runs.
    seconds_before: float | None = None
    seconds_after: float | None = None
    # The gain the metric (and the clock, where it is read) must show to be called verified.
    min_gain: float = MIN_MEASURED_GAIN
    # False when the planner misjudges how many rows the query reads from this table.
    reliable: bool | None = None
    reliability: str = ""

    @property
    def gain(self) -> float | None:
        return change(self.before, self.after)

    @property
    def time_gain(self) -> float | None:
        return time_change(self.seconds_before, self.seconds_after)

    def verdict(self) -> str:
        """verified | unverified (shown, with the reason) | dropped (the engine said no)."""
        if not self.tried:
            return "unverified"
        if not self.used or self.gain is None or self.gain > -MIN_GAIN:
            return "dropped"
        if self.time_gain is not None and self.time_gain > -MIN_GAIN:
            return "dropped"  # measured, and not faster
        if self.gain > -self.min_gain or self.reliable is False:
            return "unverified"
        if self.time_gain is not None and self.time_gain > -MIN_MEASURED_GAIN:
            return "unverified"
        return "verified"


def run_trials(ctx: Context, found: list[Candidate]) -> None:
    dialect = ctx.engine_dialect
    if dialect == "sqlite" and getattr(ctx.connector, "path", None):
        _sqlite(ctx, Path(ctx.connector.path), found)
    elif dialect == "postgres":
        _postgres(ctx, found)
    else:
        reason = (f"{ctx.schema.engine if ctx.schema else dialect} cannot plan with an index that does not "
                  "exist, and DB-GPT never builds one in your database: unverified")
        for candidate in found:
            candidate.trial = Trial(note=reason, method="none")


def _sqlite(ctx: Context, path: Path, found: list[Candidate]) -> None:
    if path.stat().st_size > MAX_SQLITE_COPY_BYTES:
        for candidate in found:
            candidate.trial = Trial(note="the database is too large to copy for a trial: unverified")
        return
    folder = Path(tempfile.mkdtemp(prefix="dbgpt-index-trial-"))
    try:
        copy = folder / "trial.sqlite"
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(copy, check_same_thread=False)
        try:
            source.backup(target)
        finally:
            source.close()
        try:
            plan_before = sqlite_plan_rows(target, ctx.engine_sql)
            before = sqlite_work(copy, ctx.engine_sql, ctx.timeout_s, conn=target)
            for number, candidate in enumerate(found):
                candidate.trial = _sqlite_one(ctx, target, copy, candidate, number, before, plan_before)
        except sqlite3.Error as error:
            for candidate in found:
                candidate.trial = candidate.trial or Trial(note=f"the trial failed: {error}: unverified")
        finally:
            target.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_one(ctx, target, copy: Path, candidate, number: int, before, plan_before) -> Trial:
    name = f"dbgpt_trial_{number}"
    trial = Trial(metric="VM steps", method="index built in a temporary copy of the database",
                  before=before[0], seconds_before=before[1], plan_before=plan_before)
    if trial.before is None:
        trial.note = "the query ran past the connector's timeout in the trial copy: unverified"
        return trial
    try:
        target.execute(candidate.ddl("sqlite", name=name))
    except sqlite3.Error as error:
        trial.note = f"SQLite refused the index: {error}"
        return trial
    try:
        trial.plan_after = sqlite_plan_rows(target, ctx.engine_sql)
        trial.after, trial.seconds_after = sqlite_work(copy, ctx.engine_sql, ctx.timeout_s, conn=target)
    finally:
        target.execute(f'DROP INDEX "{name}"')
    trial.tried = trial.after is not None
    trial.used = any(name in line for line in trial.plan_after)
    trial.note = explain_trial(trial, "SQLite")
    return trial


def _postgres(ctx: Context, found: list[Candidate]) -> None:
    text = guarded_text(ctx.engine_sql, "postgres")
    misestimates = _misestimates(ctx)
    try:
        with ctx.connector.session(ctx.timeout_s) as handle:
            if not ctx.connector.query(handle, "SELECT 1 FROM pg_extension WHERE extname = 'hypopg'"):
                for candidate in found:
                    candidate.trial = Trial(method="hypopg", note=(
                        "the hypopg extension is not installed in this database (CREATE EXTENSION hypopg), "
                        "so the index could not be tried: unverified"))
                return
            try:
                before = _pg_plan(ctx, handle, text)
                for candidate in found:
                    candidate.trial = _postgres_one(ctx, handle, text, candidate, before)
                    _judge_estimates(candidate.trial, misestimates, candidate.table.name)
                    candidate.trial.note = explain_trial(candidate.trial, "PostgreSQL's planner")
            finally:
                ctx.connector.query(handle, "SELECT hypopg_reset()")
    except QueryTimeout:
        for candidate in found:
            if candidate.trial is None:
                candidate.trial = Trial(note="planning ran past the connector's timeout: unverified")
    except ConnectorError as error:
        for candidate in found:
            if candidate.trial is None:
                candidate.trial = Trial(note=f"the trial failed: {str(error).splitlines()[0]}: unverified")


def _misestimates(ctx: Context) -> dict[str, float] | None:
    """Per table: how far the planner's row estimate is from the rows the query really reads
    (EXPLAIN ANALYZE of the original, read-only); None when it ran past the timeout."""
    try:
        plan = ctx.connector.explain(ctx.engine_sql, analyze=True)
    except (QueryTimeout, ConnectorError):
        return None
    worst: dict[str, float] = {}
    for item in raw_dicts(plan.raw):
        relation, planned, actual = item.get("Relation Name"), item.get("Plan Rows"), item.get("Actual Rows")
        if relation and planned is not None and actual is not None:
            # Only too few rows misleads towards an index; too many makes the planner cautious.
            ratio = (actual + 1) / (planned + 1)
            worst[relation.lower()] = max(worst.get(relation.lower(), 1.0), ratio)
    return worst


def _judge_estimates(trial: Trial, misestimates: dict[str, float] | None, table: str) -> None:
    if misestimates is None:
        trial.reliability = "the query ran past the timeout, so the planner's row estimates were not checked"
        return
    ratio = misestimates.get(table.lower(), 1.0)
    trial.reliable = ratio <= MAX_MISESTIMATE
    trial.reliability = (f"the planner does not underestimate the rows read from {table} (checked with "
                         "EXPLAIN ANALYZE)" if trial.reliable else
                         f"the planner expects {ratio:,.0f}x fewer rows from {table} than the query reads, so "
                         "its cost for the index cannot be trusted")


def _pg_plan(ctx, handle, text: str):
    rows = ctx.connector.query(handle, f"EXPLAIN (FORMAT JSON) {text}")
    return postgres_plan(rows[0][0])


def _pg_lines(root) -> list[str]:
    return [" ".join(filter(None, [n.operation, f"on {n.relation}" if n.relation else None,
                                   f"using {n.index}" if n.index else None,
                                   f"(cost={n.est_cost})" if n.est_cost is not None else None]))
            for n in root.walk()]


def _postgres_one(ctx, handle, text: str, candidate, before) -> Trial:
    trial = Trial(metric="estimated cost", method="hypothetical index (hypopg)", before=before.est_cost,
                  plan_before=_pg_lines(before), min_gain=MIN_ESTIMATED_GAIN)
    rows = ctx.connector.query(handle, "SELECT indexrelid, indexname FROM hypopg_create_index(%s)",
                               (candidate.ddl("postgres", name="dbgpt_trial"),))
    relid, name = rows[0]
    try:
        after = _pg_plan(ctx, handle, text)
    finally:
        ctx.connector.query(handle, "SELECT hypopg_drop_index(%s)", (relid,))
    trial.after = after.est_cost
    trial.plan_after = _pg_lines(after)
    trial.tried = True
    trial.used = any(n.index == name for n in after.walk())
    return trial


def explain_trial(trial: Trial, who: str) -> str:
    if not trial.used:
        return f"{who} did not use the index"
    gain = trial.gain
    if gain is None:
        return f"{who} used the index; the {trial.metric} could not be compared"
    text = f"{who} used the index ({trial.method}); {trial.metric} {trial.before:,.0f} -> {trial.after:,.0f}"
    if trial.time_gain is not None:
        text += f", best run {trial.seconds_before * 1000:,.1f} -> {trial.seconds_after * 1000:,.1f} ms"
    if trial.reliability:
        text += f"; {trial.reliability}"
    if trial.verdict() == "unverified" and trial.reliable is not False:
        text += f"; a gain under {trial.min_gain:.0%} is not taken as proof"
    return text + ("" if trial.verdict() == "verified" else ": unverified")
