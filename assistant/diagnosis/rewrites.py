"""Pass 8: rewrite advice, rule-based or from the model, verified on the real data.

A rewrite is offered as equivalent only when the original and the rewrite,
both run read-only, return the same multiset of rows (duplicates and NULLs
counted) and the rewrite's cost is not higher. One that changes results is
dropped, or shown as "not equivalent" when the change is the point (NOT IN
over NULLs).
"""

from __future__ import annotations

from dataclasses import replace

from assistant.diagnosis.context import Context
from assistant.diagnosis.dialect_sql import NotInDialect, render
from assistant.diagnosis.findings import INFO, WARNING, Finding
from assistant.diagnosis.measure import (
    COMPARE_ROWS, Cost, change, cost, guarded_text, multiset_difference, paired_seconds, run_rows, shown,
    time_change,
)
from assistant.diagnosis.rewrite_rules import Proposal, proposals
from assistant.sqlgen.dialects import dialect_name
from connectors.types import ConnectorError, GuardRefusal, QueryTimeout

# A rewrite for speed must cut the cost by this much; one for correctness may not raise it by more.
MIN_SPEED_GAIN = 0.10
MAX_COST_INCREASE = 0.10
# A speed rewrite is verified only from this gain on (cost, and the clock where it can judge).
VERIFIED_SPEED_GAIN = 0.30


def advise_rewrites(ctx: Context) -> None:
    if ctx.tree is None or ctx.engine_error is not None:
        return
    for proposal in proposals(ctx):
        finding = check_rewrite(ctx, proposal)
        if finding is not None:
            ctx.add(finding)


def _original(ctx: Context):
    if "original_rows" not in ctx.notes:
        ctx.notes["original_rows"] = run_rows(ctx, ctx.engine_sql)
    return ctx.notes["original_rows"]


def _original_cost(ctx: Context):
    if "original_cost" not in ctx.notes:
        ctx.notes["original_cost"] = cost(ctx, ctx.engine_sql)
    return ctx.notes["original_cost"]


def _clock_disagrees(proposal: Proposal, metric: str, gain: float | None, time_gain: float | None) -> bool:
    """True when a clock reading alone keeps the rewrite from being kept, or from being verified."""
    clock = gain if metric == "seconds" else time_gain
    if gain is None or clock is None:
        return False
    limit = -MIN_SPEED_GAIN if proposal.purpose == "speed" else MAX_COST_INCREASE
    if metric != "seconds" and gain > limit:
        return False  # the planner already says no
    if clock > limit:
        return True
    return proposal.purpose == "speed" and gain <= -VERIFIED_SPEED_GAIN < clock


def _in_dialect(ctx: Context, proposal: Proposal) -> str | None:
    """The rewrite as the connection's dialect writes it, once the guard let it through and the
    engine could plan it (which it cannot with a function it lacks); None, with a note, otherwise."""
    # The text is rendered for the server itself (MariaDB is not MySQL 8).
    dialect = getattr(ctx.connector, "sql_dialect", None) or ctx.engine_dialect
    what = f"A {proposal.source} rewrite ({proposal.rule})"
    try:
        text = guarded_text(render(proposal.tree, dialect), dialect)
        ctx.connector.explain(text)
    except NotInDialect as error:
        ctx.report.notes.append(f"{what} was dropped: {error}.")
    except GuardRefusal as refusal:
        ctx.report.notes.append(f"{what} was refused by the guard: {refusal.message}.")
    except QueryTimeout:
        return text  # planning ran out of time, which says nothing against the text: the runs decide
    except ConnectorError as error:
        engine = dialect_name(ctx.engine_dialect)
        ctx.report.notes.append(f"{what} was dropped: {engine} cannot plan it "
                                f"({str(error).strip().splitlines()[0]}).")
    else:
        return text
    return None


def check_rewrite(ctx: Context, proposal: Proposal) -> Finding | None:
    text = _in_dialect(ctx, proposal)
    if text is None:
        return None
    original, rewritten = _original(ctx), run_rows(ctx, text)
    # A failure counts before a timeout: a rewrite that cannot run is never shown, not even as possible.
    failed = next((o.error for o in (rewritten, original) if o.error is not None and not o.timed_out), None)
    if failed is not None:
        ctx.report.notes.append(f"A {proposal.source} rewrite ({proposal.rule}) failed to run: "
                                f"{failed.splitlines()[0]}.")
        return None
    base = dict(kind="rewrite_suggestion", sql=text, source=proposal.source, location=proposal.location)
    if original.timed_out or rewritten.timed_out:
        return Finding(**base, severity=INFO, message=f"Possible rewrite ({proposal.rule}): {proposal.why}",
                       evidence={"type": "result", "rule": proposal.rule},
                       suggestion=text, verified=False,
                       verification="stopped at the connector's timeout before the results could be compared: "
                                    "unverified")
    if original.truncated or rewritten.truncated:
        return Finding(**base, severity=INFO, message=f"Possible rewrite ({proposal.rule}): {proposal.why}",
                       evidence={"type": "result", "rule": proposal.rule}, suggestion=text, verified=False,
                       verification=f"more than {COMPARE_ROWS:,} rows: the results were not compared (unverified)")
    only_original, only_rewrite = multiset_difference(original.rows, rewritten.rows)
    evidence = {"type": "result", "rule": proposal.rule, "rows_original": len(original.rows),
                "rows_rewrite": len(rewritten.rows), "only_in_original": only_original,
                "only_in_rewrite": only_rewrite}
    if only_original or only_rewrite:
        if proposal.if_different is None:
            ctx.report.notes.append(f"A {proposal.source} rewrite ({proposal.rule}) was dropped: it returned "
                                    f"different rows ({only_original} only in the original, {only_rewrite} only "
                                    "in the rewrite).")
            return None
        return Finding(
            **base, severity=WARNING,
            message=(f"Rewrite that changes the results ({proposal.rule}), not an equivalent: on your data the "
                     f"original returns {len(original.rows):,} rows and the rewrite {len(rewritten.rows):,}. "
                     f"{proposal.if_different}"),
            evidence=evidence, suggestion=text, verified=False,
            verification="results compared on your data: they differ, so this is not an equivalent rewrite",
        )
    before, after = _original_cost(ctx), cost(ctx, text)
    # A clock reading as the metric itself (no planner estimate) is judged like any clock reading.
    gain = (time_change if before.metric == "seconds" else change)(before.value, after.value)
    time_gain = time_change(before.seconds, after.seconds)
    if _clock_disagrees(proposal, before.metric, gain, time_gain):
        # The two were timed minutes apart; time them in turn before letting the clock decide.
        seconds_before, seconds_after = paired_seconds(ctx, ctx.engine_sql, text)
        if before.metric == "seconds":
            before, after = Cost(seconds_before, "seconds"), Cost(seconds_after, "seconds")
            gain = time_change(seconds_before, seconds_after)
        else:
            before, after = replace(before, seconds=seconds_before), replace(after, seconds=seconds_after)
            time_gain = time_change(seconds_before, seconds_after)
    evidence.update({"metric": before.metric, "cost_original": before.value, "cost_rewrite": after.value,
                     "seconds_original": before.seconds, "seconds_rewrite": after.seconds})
    limit = -MIN_SPEED_GAIN if proposal.purpose == "speed" else MAX_COST_INCREASE
    if gain is not None and (gain > limit or (time_gain is not None and time_gain > limit)):
        ctx.report.notes.append(f"A {proposal.source} rewrite ({proposal.rule}) returned the same rows but was "
                                f"not cheaper ({before.metric} {shown(before.value, before.metric)} -> "
                                f"{shown(after.value, after.metric)}"
                                + (f", {before.seconds * 1000:,.1f} -> {after.seconds * 1000:,.1f} ms"
                                   if time_gain is not None else "") + "); dropped.")
        return None
    compared = "" if gain is None else (f"; {before.metric} {shown(before.value, before.metric)} -> "
                                        f"{shown(after.value, after.metric)} ({gain:+.0%})")
    if gain is not None and time_gain is not None:
        compared += f", best run {before.seconds * 1000:,.1f} -> {after.seconds * 1000:,.1f} ms"
    strong = proposal.purpose != "speed" or (gain is not None and gain <= -VERIFIED_SPEED_GAIN and (
        time_gain is None or time_gain <= -VERIFIED_SPEED_GAIN))
    verified = gain is not None and strong
    if verified:
        verification = f"same multiset of {len(original.rows):,} rows from the original and the rewrite on your data"
    elif gain is None:
        verification = "same rows on your data, but the cost could not be compared (unverified)"
    else:
        verification = (f"same rows on your data, but a gain under {VERIFIED_SPEED_GAIN:.0%} is within run-to-run "
                        "noise (unverified)")
    return Finding(
        **base, severity=WARNING if verified and proposal.purpose == "speed" else INFO,
        message=f"Equivalent rewrite on your data ({proposal.rule}): {proposal.why.rstrip('.')}{compared}.",
        evidence=evidence, suggestion=text, verified=verified, verification=verification + compared,
    )
