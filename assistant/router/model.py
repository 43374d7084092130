"""The model's step of the router: a short prompt and an answer constrained to one skill.

The default model reads about 40 prompt tokens a second on a laptop CPU, so
the prompt stays under about 150 tokens: the fixed instructions first (their KV cache
is kept from one message to the next), then the user's databases and spaces,
then the previous turn, the evidence (the message's words the database knows,
the closest document) and the message, all cut short. The router asks the model
only where the evidence is not clear, and offers it only the skills the evidence
leaves open.
"""

from __future__ import annotations

import json
import time

from assistant.router import prompts
from assistant.router.types import SKILLS, Route, RouteContext
from llm.client import LLM, GenerateRequest

MESSAGE_CHARS = 200
LAST_CHARS = 60
EVIDENCE_WORDS = 6
# Not calibrated: a model's choice is trusted less than a rule's.
MODEL_CONFIDENCE = 0.7


def response_format(skills: tuple[str, ...] | list[str] = SKILLS) -> dict:
    """An answer constrained to one of `skills`."""
    schema = {"type": "object", "properties": {"skill": {"type": "string", "enum": list(skills)}},
              "required": ["skill"]}
    return {"type": "json_schema", "json_schema": {"name": "route", "schema": schema}}


def _cut(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars] + "…"


def evidence_text(evidence: dict | None) -> str:
    """One short line of what the database and the documents know of the message, or ""."""
    parts = []
    if catalog := (evidence or {}).get("catalog"):
        known = catalog["named"] + catalog["valued"]
        parts.append(f"database knows: {', '.join(known[:EVIDENCE_WORDS]) or 'none'}")
    if documents := (evidence or {}).get("documents"):
        parts.append(f"closest document: {_cut(documents['title'], LAST_CHARS) or 'none'} "
                     f"({documents['similarity']:.2f})")
    return f"Evidence: {'; '.join(parts)}\n" if parts else ""


def messages_for(message: str, context: RouteContext, evidence: dict | None = None) -> list[dict[str, str]]:
    system = prompts.render("route_system", dbs=", ".join(context.dbs) or "none",
                           spaces=", ".join(context.spaces) or "none")
    last = ""
    if context.last is not None:
        with_sql = ", SQL" if context.last.sql else ""
        last = f"Previous ({context.last.skill}{with_sql}): {_cut(context.last.message, LAST_CHARS)}\n"
    return [{"role": "system", "content": system},
            {"role": "user", "content": prompts.render("route_user", last=last, evidence=evidence_text(evidence),
                                                       message=_cut(message, MESSAGE_CHARS))}]


async def route_by_model(message: str, context: RouteContext, llm: LLM,
                         candidates: list[str] | None = None, evidence: dict | None = None) -> Route:
    """The model's choice among `candidates` (default: every skill), shown the `evidence`;
    a reply that names none of them is an error (ValueError)."""
    allowed = list(candidates or SKILLS)
    request = GenerateRequest(messages=messages_for(message, context, evidence), max_tokens=16, temperature=0.0,
                              response_format=response_format(allowed))
    completion = await llm.generate(request)
    try:
        skill = json.loads(completion.text)["skill"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the model's route is not JSON with a skill: {completion.text[:80]!r}") from exc
    if skill not in allowed:
        raise ValueError(f"the model chose no skill it was offered: {skill!r}")
    return Route(skill, "the model chose it", MODEL_CONFIDENCE, "model", message, evidence=evidence)


def timed(route_: Route, started: float) -> Route:
    route_.seconds = round(time.perf_counter() - started, 4)
    return route_
