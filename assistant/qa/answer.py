"""The QA skill: an answer grounded in retrieved sources, with citations.

The model replies in JSON constrained by a schema: whether the sources hold
the answer, the sentence that states it, the answer, and the numbers of the
sources it used. With no relevant source the model is not asked at all. When
the model says the sources do not hold the answer, cites nothing that
exists, or its answer does not rest on the sources (see `grounding`), the
reply says so plainly, with the reason and the closest sources, instead of
passing the answer on. When its quote is verified and on the question but
its own wording is not, the source's sentence is the answer.
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
from assistant.qa.grounding import check
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
    evidence: dict[str, Any] | None = None  # {"n", "text"}: the source's sentences the answer rests on
    replaced: str | None = None  # why the answer is the source's sentence rather than the model's wording

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "answerable": self.answerable,
                "citations": self.citations, "sources": self.sources, "timings": self.timings, "usage": self.usage,
                "rejected": self.rejected, "evidence": self.evidence, "replaced": self.replaced}


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


NO_SOURCES = "no document or table in reach is close enough to the question"
DECLINED = "the model found no statement of the answer in the sources"
CITED_NOTHING = "the answer cites no source it was shown"


def finish(question: str, sources: list[Source], text: str) -> QaAnswer:
    """The answer, or "not in context" with the reason and every source
    retrieved (best first), so that the reader can look for themselves."""
    answerable, evidence, answer, cited = parse_reply(text)
    retrieved = [s.citation() for s in sources]
    if not answerable:
        return QaAnswer(question, NOT_IN_CONTEXT, False, [], retrieved, rejected=DECLINED)
    by_number = {s.n: s for s in sources}
    if not any(n in by_number for n in cited):
        return QaAnswer(question, NOT_IN_CONTEXT, False, [], retrieved, rejected=CITED_NOTHING)
    verdict = check(answer, evidence, {s.n: s.text for s in sources}, cited, question)
    if not verdict.ok:
        return QaAnswer(question, NOT_IN_CONTEXT, False, [], retrieved, rejected=verdict.why)
    quoted = {"n": verdict.evidence_n, "text": verdict.evidence} if verdict.evidence_n is not None else None
    citations = [by_number[n].citation() for n in verdict.rests_on]
    if verdict.how in ("source", "echo"):
        # The model found the right sentence but worded the answer wrongly (the sentence answers),
        # or only said yes or no to the question (the sentence, with its conditions, follows).
        title = by_number[verdict.evidence_n].title
        said = f"{title}: \u201c{verdict.evidence}\u201d" if title else f"\u201c{verdict.evidence}\u201d"
        answer = said if verdict.how == "source" else f"{answer} {said}"
    return QaAnswer(question, answer, True, citations, retrieved, evidence=quoted,
                    replaced=verdict.why if verdict.how == "source" else None)


async def _sources(knowledge, question, space, db, connector) -> list[Source]:
    return await asyncio.to_thread(gather, knowledge, question, space=space, db=db, connector=connector)


async def answer_question(question: str, knowledge, llm: LLM, *, space: str | list[str] | None = None,
                          db: str | None = None, connector=None, max_tokens: int = MAX_TOKENS) -> QaAnswer:
    started = time.perf_counter()
    sources = await _sources(knowledge, question, space, db, connector)
    retrieved_at = time.perf_counter()
    if not sources:
        return QaAnswer(question, NOT_IN_CONTEXT, False, rejected=NO_SOURCES,
                        timings={"retrieve": round(retrieved_at - started, 4)})
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
        yield {"event": "done", "data": QaAnswer(question, NOT_IN_CONTEXT, False, rejected=NO_SOURCES).to_dict()}
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
