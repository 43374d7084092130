"""The QA skill: an answer grounded in retrieved sources, with citations.

The model replies in JSON constrained by a schema: whether the sources hold
the answer, the answer, and the numbers of the sources it used. With no
relevant source the model is not asked at all. When the model says the
sources do not hold the answer, cites nothing that exists, quotes evidence
that is not in what it cites, or names things its sources do not (see
`grounding`), the reply says so plainly instead of passing the answer on.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from assistant.qa import prompts
from assistant.qa.context import Source, gather
from assistant.qa.grounding import grounded
from llm.client import LLM, GenerateRequest

NOT_IN_CONTEXT = "The documents and schema I have do not contain the answer to this question."
REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "answerable": {"type": "boolean"},
        "evidence": {"type": "string"},
        "answer": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["answerable", "evidence", "answer", "sources"],
}
MAX_TOKENS = 400
_DECLINED = re.compile(r'"answerable"\s*:\s*false')


@dataclass
class QaAnswer:
    question: str
    answer: str
    answerable: bool
    citations: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)  # everything retrieved, cited or not
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    rejected: str | None = None  # why the model's answer was not passed on, when it was not

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "answerable": self.answerable,
                "citations": self.citations, "sources": self.sources, "timings": self.timings, "usage": self.usage,
                "rejected": self.rejected}


def messages_for(question: str, sources: list[Source]) -> list[dict[str, str]]:
    rendered = "\n\n".join(
        prompts.render("qa_source", n=str(s.n), kind=s.kind, title=s.title, location=s.location or s.title,
                       text=s.text)
        for s in sources
    )
    return [
        {"role": "system", "content": prompts.render("qa_system", sources=rendered)},
        {"role": "user", "content": prompts.render("qa_user", question=question)},
    ]


def parse_reply(text: str) -> tuple[bool, str, str, list[int]]:
    """(answerable, evidence, answer, cited numbers); a reply that is not the
    JSON asked for counts as "not answerable"."""
    try:
        data = json.loads(text)
    except ValueError:
        return False, "", "", []
    if not isinstance(data, dict):
        return False, "", "", []
    answer = data.get("answer") if isinstance(data.get("answer"), str) else ""
    evidence = data.get("evidence") if isinstance(data.get("evidence"), str) else ""
    cited = [n for n in data.get("sources") or [] if isinstance(n, int) and not isinstance(n, bool)]
    return bool(data.get("answerable")) and bool(answer.strip()), evidence.strip(), answer.strip(), cited


def finish(question: str, sources: list[Source], text: str) -> QaAnswer:
    answerable, evidence, answer, cited = parse_reply(text)
    by_number = {s.n: s for s in sources}
    used = [by_number[n] for n in dict.fromkeys(cited) if n in by_number]
    retrieved = [s.citation() for s in sources]
    if not answerable or not used:
        # An answer that cites no real source is not grounded: say so.
        return QaAnswer(question, NOT_IN_CONTEXT, False, [], retrieved)
    ok, why = grounded(answer, evidence, "\n".join(s.text for s in used), question)
    if not ok:
        return QaAnswer(question, NOT_IN_CONTEXT, False, [], retrieved, rejected=why)
    return QaAnswer(question, answer, True, [s.citation() for s in used], retrieved)


async def _sources(knowledge, question, space, db, connector) -> list[Source]:
    return await asyncio.to_thread(gather, knowledge, question, space=space, db=db, connector=connector)


async def answer_question(question: str, knowledge, llm: LLM, *, space: str | list[str] | None = None,
                          db: str | None = None, connector=None, max_tokens: int = MAX_TOKENS) -> QaAnswer:
    started = time.perf_counter()
    sources = await _sources(knowledge, question, space, db, connector)
    retrieved_at = time.perf_counter()
    if not sources:
        return QaAnswer(question, NOT_IN_CONTEXT, False, timings={"retrieve": round(retrieved_at - started, 4)})
    completion = await llm.generate(_request(question, sources, max_tokens))
    answer = finish(question, sources, completion.text)
    answer.usage = completion.usage
    answer.timings = {"retrieve": round(retrieved_at - started, 4),
                      "generate": round(time.perf_counter() - retrieved_at, 4)}
    return answer


def _request(question: str, sources: list[Source], max_tokens: int) -> GenerateRequest:
    return GenerateRequest(messages=messages_for(question, sources), max_tokens=max_tokens, temperature=0.0,
                           response_format={"type": "json_object", "schema": REPLY_SCHEMA})


def partial_answer(text: str) -> str | None:
    """The "answer" string of an unfinished JSON reply, as far as it goes
    (None before it starts). Escapes cut in half are left for the next chunk."""
    key = text.find('"answer"')
    if key < 0:
        return None
    colon = text.find(":", key + 8)
    quote = text.find('"', colon + 1) if colon >= 0 else -1
    if quote < 0:
        return None
    out, i = [], quote + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            break
        if char == "\\":
            escape = text[i : i + 6] if text[i + 1 : i + 2] == "u" else text[i : i + 2]
            if len(escape) < (6 if escape[1:2] == "u" else 2):
                break
            try:
                out.append(json.loads(f'"{escape}"'))
            except ValueError:
                pass
            i += len(escape)
            continue
        out.append(char)
        i += 1
    return "".join(out)


async def stream_answer(question: str, knowledge, llm: LLM, *, space: str | list[str] | None = None,
                        db: str | None = None, connector=None, max_tokens: int = MAX_TOKENS) -> AsyncIterator[dict[str, Any]]:
    """Typed events: `token` (answer text as it is written), `citation` (one
    per cited source), `error`, and `done` with the whole answer."""
    started = time.perf_counter()
    try:
        sources = await _sources(knowledge, question, space, db, connector)
    except Exception as exc:  # noqa: BLE001 - reported as an event, the stream stays well-formed
        yield {"event": "error", "data": {"kind": "retrieval", "message": str(exc)}}
        return
    if not sources:
        yield {"event": "token", "data": {"text": NOT_IN_CONTEXT}}
        yield {"event": "done", "data": QaAnswer(question, NOT_IN_CONTEXT, False).to_dict()}
        return
    sent, text, declined = "", "", False
    try:
        async for chunk in llm.stream(_request(question, sources, max_tokens)):
            text = chunk.text
            declined = declined or bool(_DECLINED.search(text))
            so_far = partial_answer(text)
            if so_far and not declined and len(so_far) > len(sent):
                yield {"event": "token", "data": {"text": so_far[len(sent):]}}
                sent = so_far
    except Exception as exc:  # noqa: BLE001
        yield {"event": "error", "data": {"kind": "llm", "message": str(exc)}}
        return
    answer = finish(question, sources, text)
    answer.timings = {"total": round(time.perf_counter() - started, 4)}
    if not answer.answerable and not sent:
        yield {"event": "token", "data": {"text": NOT_IN_CONTEXT}}
    for citation in answer.citations:
        yield {"event": "citation", "data": citation}
    yield {"event": "done", "data": answer.to_dict()}
