"""diagnose(): the passes in order, like sqlglot's optimizer rules.

Static passes need only sqlglot and the schema; the engine passes run only
for a read-only query and only through the guarded connector. One run of the
passes serves all three entry points: `diagnose_static` (no model, synchronous),
`diagnose_stream` (events as the passes find things) and `diagnose` (its report).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing, contextmanager, suppress

from assistant.diagnosis import model_advice
from assistant.diagnosis.antipatterns import check_antipatterns
from assistant.diagnosis.context import Context
from assistant.diagnosis.engine_check import check_engine
from assistant.diagnosis.events import Done, ErrorEvent, Event, Shown, SummaryEvent
from assistant.diagnosis.findings import Report
from assistant.diagnosis.index_advice import advise_indexes
from assistant.diagnosis.plan_checks import check_plan
from assistant.diagnosis.predicates import check_predicates
from assistant.diagnosis.rewrites import advise_rewrites
from assistant.diagnosis.schema_checks import check_schema
from assistant.diagnosis.summary import rule_summary
from assistant.diagnosis.syntax import check_syntax
from assistant.diagnosis.verify import verify_facts
from connectors.types import ConnectorError, SchemaInfo
from llm.client import LLM

STATIC_PASSES = (check_schema, check_predicates, check_antipatterns)
ENGINE_PASSES = (check_engine, check_plan, verify_facts, advise_indexes, advise_rewrites)


@contextmanager
def _timed(report: Report, name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[name] = round(time.perf_counter() - started, 4)


def _context(sql: str, connector, dialect: str | None, verify: bool, timeout_s: float | None,
             schema: SchemaInfo | None) -> Context:
    chosen = dialect or getattr(connector, "dialect", None) or "postgres"
    limit = timeout_s or getattr(connector, "timeout_s", 10.0)
    return Context(sql=sql, dialect=chosen, report=Report(sql=sql, dialect=chosen), connector=connector,
                   timeout_s=limit, verify=verify, schema=schema)


def _passes(ctx: Context, introspect: bool) -> Iterator[str]:
    """Run the passes in order, pausing after each (its name) so a reader can be told what it found."""
    report = ctx.report
    started = time.perf_counter()
    with _timed(report, "parse"):
        check_syntax(ctx)
    yield "parse"
    if ctx.tree is not None and ctx.connector is not None and introspect:
        with _timed(report, "schema"):
            try:
                ctx.schema = ctx.connector.introspect()
            except ConnectorError as error:
                ctx.notes["schema_error"] = str(error)
        yield "schema"
    for check in STATIC_PASSES:
        with _timed(report, check.__name__.removeprefix("check_")):
            check(ctx)
        yield check.__name__
    if ctx.can_run:
        for check in ENGINE_PASSES if ctx.verify else ENGINE_PASSES[:2]:
            if check is not check_engine and ctx.plan is None:
                break  # the engine rejected or refused the statement: nothing more to measure
            with _timed(report, check.__name__):
                check(ctx)
            yield check.__name__
        report.executed = True
    report.sort()
    report.timings["total"] = round(time.perf_counter() - started, 4)


def diagnose_static(sql: str, connector=None, *, dialect: str | None = None, verify: bool = True,
                    timeout_s: float | None = None, schema: SchemaInfo | None = None) -> Context:
    """Every check that needs no model: syntax, schema, anti-patterns, plan, verified advice.

    `schema`, when given, is used instead of introspecting (a cached SchemaInfo, or none to
    connect to: the schema and anti-pattern checks still run).
    """
    ctx = _context(sql, connector, dialect, verify, timeout_s, schema)
    for _stage in _passes(ctx, introspect=schema is None):
        pass
    return ctx


async def diagnose_stream(sql: str, connector=None, llm: LLM | None = None, *, dialect: str | None = None,
                          verify: bool = True, timeout_s: float | None = None, schema: SchemaInfo | None = None,
                          max_tokens: int = 200) -> AsyncIterator[Event]:
    """Diagnose one statement, telling as it goes: each finding once its pass has found it (again
    when a later pass confirms, softens or withdraws it), advice once the database has checked it,
    then the summary (the model's, when it has one and it holds), then `Done` with the report.
    An unexpected failure is an `ErrorEvent`, and the last one."""
    try:
        ctx = _context(sql, connector, dialect, verify, timeout_s, schema)
        shown = Shown()
        stages = _passes(ctx, introspect=schema is None)
        try:
            while await asyncio.to_thread(next, stages, None) is not None:
                for event in shown.changes(ctx.report):
                    yield event
        finally:
            with suppress(ValueError):  # still running in its thread when the reader went away
                stages.close()
        report = ctx.report
        report.summary = rule_summary(report)
        if llm is not None:
            started = time.perf_counter()
            await model_advice.advise(ctx, llm, max_tokens=max_tokens)
            report.timings["model"] = round(time.perf_counter() - started, 4)
            report.sort()
            for event in shown.changes(report):
                yield event
        yield SummaryEvent(report.summary, report.summary_source)
        yield Done(report)
    except Exception as error:  # an error is an event, never a stream that stops without a word
        yield ErrorEvent.of(error)


async def report_of(events: AsyncIterator[Event], tell: Callable[[Event], None] | None = None) -> Report:
    """The report a diagnosis's events end with; the error, when they end with one, is raised.
    `tell`, when given, hears every event as it comes."""
    async with aclosing(events):
        async for event in events:
            if tell is not None:
                tell(event)
            if isinstance(event, Done):
                return event.report
            if isinstance(event, ErrorEvent):
                raise event.error or RuntimeError(f"{event.kind}: {event.message}")
    raise RuntimeError("the diagnosis ended without a report")


async def diagnose(sql: str, connector=None, llm: LLM | None = None, *, dialect: str | None = None,
                   verify: bool = True, timeout_s: float | None = None, schema: SchemaInfo | None = None,
                   max_tokens: int = 200) -> Report:
    """Diagnose one statement; with a model, add its summary and its (verified) rewrite proposals.
    The report `diagnose_stream` ends with."""
    return await report_of(diagnose_stream(sql, connector, llm, dialect=dialect, verify=verify, timeout_s=timeout_s,
                                           schema=schema, max_tokens=max_tokens))
