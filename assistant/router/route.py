"""One message to one skill: forced, else the rules, else the model."""

from __future__ import annotations

import logging
import time

from assistant.router.model import route_by_model, timed
from assistant.router.rules import extract_sql, route_by_rules
from assistant.router.types import SKILLS, Route, RouteContext
from llm.client import LLM

log = logging.getLogger("dbgpt.router")


async def route(message: str, context: RouteContext, llm: LLM | None, forced: str | None = None) -> Route:
    started = time.perf_counter()
    if forced is not None:
        if forced not in SKILLS:
            raise ValueError(f"no skill named {forced!r}")
        sql = None
        if forced == "diagnose":
            sql = extract_sql(message) or (context.last.sql if context.last and context.last.sql else None)
            sql = sql or message
        return timed(Route(forced, "the caller chose it", 1.0, "forced", message, sql), started)
    if (chosen := route_by_rules(message, context)) is not None:
        return timed(chosen, started)
    if llm is not None:
        try:
            chosen = await route_by_model(message, context, llm)
        except Exception as exc:  # noqa: BLE001 - no answer, a bad one or no worker: the fallback answers
            log.warning("routing by the model failed: %s", exc)
        else:
            if chosen.skill == "diagnose":
                chosen.sql = context.last.sql if context.last is not None else None
            return timed(chosen, started)
    # No model answer: a question goes to the data when there is a database to ask.
    skill = "sql" if context.dbs else "chat"
    return timed(Route(skill, "no rule matched and the model gave no choice", 0.3, "fallback", message), started)
