"""diagnose(): the passes in order, like sqlglot's optimizer rules.

Static passes need only sqlglot and the schema; the engine passes run only
for a read-only query and only through the guarded connector.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager

from assistant.diagnosis import model_advice
from assistant.diagnosis.antipatterns import check_antipatterns
from assistant.diagnosis.context import Context
from assistant.diagnosis.engine_check import check_engine
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


def diagnose_static(sql: str, connector=None, *, dialect: str | None = None, verify: bool = True,
                    timeout_s: float | None = None, schema: SchemaInfo | None = None) -> Context:
    """Every check that needs no model: syntax, schema, anti-patterns, plan, verified advice.

    `schema`, when given, is used instead of introspecting (a cached SchemaInfo, or none to
    connect to: the schema and anti-pattern checks still run).
    """
    chosen = dialect or getattr(connector, "dialect", None) or "postgres"
    report = Report(sql=sql, dialect=chosen)
    limit = timeout_s or getattr(connector, "timeout_s", 10.0)
    ctx = Context(sql=sql, dialect=chosen, report=report, connector=connector, timeout_s=limit, verify=verify,
                  schema=schema)
    started = time.perf_counter()
    with _timed(report, "parse"):
        check_syntax(ctx)
    if ctx.tree is not None and connector is not None and schema is None:
        with _timed(report, "schema"):
            try:
                ctx.schema = connector.introspect()
            except ConnectorError as error:
                ctx.notes["schema_error"] = str(error)
    for check in STATIC_PASSES:
        with _timed(report, check.__name__.removeprefix("check_")):
            check(ctx)
    if ctx.can_run:
        for check in ENGINE_PASSES if verify else ENGINE_PASSES[:2]:
            if check is not check_engine and ctx.plan is None:
                break  # the engine rejected or refused the statement: nothing more to measure
            with _timed(report, check.__name__):
                check(ctx)
        report.executed = True
    report.sort()
    report.timings["total"] = round(time.perf_counter() - started, 4)
    return ctx


async def diagnose(sql: str, connector=None, llm: LLM | None = None, *, dialect: str | None = None,
                   verify: bool = True, timeout_s: float | None = None, schema: SchemaInfo | None = None,
                   max_tokens: int = 200) -> Report:
    """Diagnose one statement; with a model, add its summary and its (verified) rewrite proposals."""
    ctx = await asyncio.to_thread(diagnose_static, sql, connector, dialect=dialect, verify=verify,
                                  timeout_s=timeout_s, schema=schema)
    report = ctx.report
    report.summary = rule_summary(report)
    if llm is not None:
        started = time.perf_counter()
        await model_advice.advise(ctx, llm, max_tokens=max_tokens)
        report.timings["model"] = round(time.perf_counter() - started, 4)
        report.sort()
    return report
