"""The model's step of the router: a short prompt and an answer constrained to one skill.

The default model reads about 40 prompt tokens a second on a laptop CPU, so
the prompt stays under about 120 tokens: the fixed instructions first (their KV cache
is kept from one message to the next), then the user's databases and spaces,
then the previous turn and the message, both cut short.
"""

from __future__ import annotations

import json
import time

from assistant.router import prompts
from assistant.router.types import SKILLS, Route, RouteContext
from llm.client import LLM, GenerateRequest

MESSAGE_CHARS = 200
LAST_CHARS = 60
# Not calibrated: a model's choice is trusted less than a rule's.
MODEL_CONFIDENCE = 0.7
ROUTE_SCHEMA = {
    "type": "object",
    "properties": {"skill": {"type": "string", "enum": list(SKILLS)}},
    "required": ["skill"],
}
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "route", "schema": ROUTE_SCHEMA}}


def _cut(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars] + "…"


def messages_for(message: str, context: RouteContext) -> list[dict[str, str]]:
    system = prompts.render("route_system", dbs=", ".join(context.dbs) or "none",
                           spaces=", ".join(context.spaces) or "none")
    last = ""
    if context.last is not None:
        with_sql = ", SQL" if context.last.sql else ""
        last = f"Previous ({context.last.skill}{with_sql}): {_cut(context.last.message, LAST_CHARS)}\n"
    return [{"role": "system", "content": system},
            {"role": "user", "content": prompts.render("route_user", last=last,
                                                       message=_cut(message, MESSAGE_CHARS))}]


async def route_by_model(message: str, context: RouteContext, llm: LLM) -> Route:
    """The model's choice; a reply that names no skill is an error (ValueError)."""
    request = GenerateRequest(messages=messages_for(message, context), max_tokens=16, temperature=0.0,
                              response_format=RESPONSE_FORMAT)
    completion = await llm.generate(request)
    try:
        skill = json.loads(completion.text)["skill"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the model's route is not JSON with a skill: {completion.text[:80]!r}") from exc
    if skill not in SKILLS:
        raise ValueError(f"the model chose no known skill: {skill!r}")
    return Route(skill, "the model chose it", MODEL_CONFIDENCE, "model", message)


def timed(route_: Route, started: float) -> Route:
    route_.seconds = round(time.perf_counter() - started, 4)
    return route_
