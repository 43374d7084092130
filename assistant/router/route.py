"""One message to one skill: forced, else the rules, else the evidence, else the model."""

from __future__ import annotations

import asyncio
import logging
import time

from assistant.router.decide import Ambiguous, decide
from assistant.router.model import route_by_model, timed
from assistant.router.rules import extract_sql, route_by_rules
from assistant.router.types import SKILLS, Route, RouteContext
from llm.client import LLM

log = logging.getLogger("dbgpt.router")


async def _measure(source, message: str):
    """One measure of the evidence; a source that fails gives none (the model decides instead)."""
    if source is None:
        return None
    try:
        return await asyncio.to_thread(source, message)
    except Exception as exc:  # noqa: BLE001 - an unreachable database or space must not stop the chat
        log.warning("router evidence failed: %s", exc)
        return None


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
    catalog, documents = await asyncio.gather(_measure(context.catalog, message),
                                              _measure(context.documents, message))
    decided = decide(message, context, catalog, documents)
    if isinstance(decided, Route):
        return timed(decided, started)
    if llm is not None:
        try:
            chosen = await route_by_model(message, context, llm, decided.candidates, decided.evidence)
        except Exception as exc:  # noqa: BLE001 - no answer, a bad one or no worker: the fallback answers
            log.warning("routing by the model failed: %s", exc)
        else:
            if chosen.skill == "diagnose":
                chosen.sql = context.last.sql if context.last is not None else None
            return timed(chosen, started)
    return timed(_fallback(message, context, decided), started)


def _fallback(message: str, context: RouteContext, decided: Ambiguous) -> Route:
    """No model answer: the likelier skill the evidence left open; without evidence, a question
    goes to the data when there is a database to ask."""
    measured = any(decided.evidence.values())
    skill = decided.candidates[0] if measured else ("sql" if context.dbs else "chat")
    if skill == "sql" and not context.dbs:
        skill = "chat"
    return Route(skill, "no rule matched, the evidence was not clear and the model gave no choice", 0.3,
                 "fallback", message, evidence=decided.evidence)
