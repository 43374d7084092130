"""Database and document questions answered from knowledge, with citations."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.qa.answer import answer_question, stream_answer
from server.api.deps import Access, AccessDep, AuditDep
from server.api.errors import ApiError
from server.api.schemas import ErrorBody, Question
from server.api.sse import Events, sse_response
from server.auth.audit import AuditEntry

router = APIRouter(prefix="/qa", tags=["qa"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}}


class QaRequest(BaseModel):
    question: Question
    space: str | None = Field(None, max_length=63, description="A knowledge space; every space the caller may "
                                                               "read when absent.")
    db: str | None = Field(None, max_length=2048,
                           description="A database whose schema and verified examples are sources too.")


class Citation(BaseModel):
    n: int
    kind: str
    document: str
    title: str
    location: str
    score: float | None
    excerpt: str = Field("", description="The start of the source's text, for the reader to check.")


class Evidence(BaseModel):
    n: int = Field(description="The source it comes from.")
    text: str = Field(description="The source's sentences that state the answer, as the model quoted them.")


class QaResponse(BaseModel):
    question: str
    answer: str
    answerable: bool
    citations: list[Citation]
    sources: list[Citation]
    timings: dict[str, float] = {}
    usage: dict[str, int] = {}
    rejected: str | None = Field(None, description="Why the answer was refused, in words; `sources` then lists "
                                                   "the closest sources, best first.")
    evidence: Evidence | None = None
    replaced: str | None = Field(None, description="Why the answer is the source's own sentence rather than the "
                                                   "model's wording.")


async def _arguments(body: QaRequest, access: Access, audit: AuditEntry) -> dict[str, Any]:
    """Check the space and database before any work, so that a typo is a 404 and a space
    or database the caller has no grant for is a 403."""
    db = access.db(body.db) if body.db else None
    audit.touch(db=db, question=body.question)
    if body.space is not None:
        access.space(body.space)
    existing = await asyncio.to_thread(access.services.knowledge.documents.names)
    if body.space is not None and body.space not in existing:
        raise ApiError(404, f"no knowledge space named '{body.space}'")
    space = body.space if body.space is not None else access.spaces(existing)
    connector = await access.connector(db) if db else None
    return {"space": space, "db": db, "connector": connector}


@router.post("", response_model=QaResponse, responses=ERRORS)
async def ask(body: QaRequest, access: AccessDep, audit: AuditDep) -> QaResponse:
    arguments = await _arguments(body, access, audit)
    answer = await answer_question(body.question, access.services.knowledge, access.services.llm, **arguments)
    return QaResponse.model_validate(answer.to_dict())


async def qa_events(body: QaRequest, access: Access, audit: AuditEntry) -> Events:
    """/stream's events, once the space and database are checked: `token` as the answer is
    written, one `citation` per cited source, then `done` with the whole answer, or `error`."""
    arguments = await _arguments(body, access, audit)
    return _qa_events(body, access, arguments)


async def _qa_events(body: QaRequest, access: Access, arguments: dict[str, Any]) -> Events:
    async with aclosing(stream_answer(body.question, access.services.knowledge, access.services.llm,
                                      **arguments)) as events:
        async for event in events:
            yield event["event"], event["data"]


@router.post("/stream", responses=ERRORS)
async def ask_stream(body: QaRequest, access: AccessDep, audit: AuditDep) -> StreamingResponse:
    """Server-sent events: `token` as the answer is written, one `citation` per
    cited source, then `done` with the whole answer (authoritative: an answer
    its sources do not support is replaced there by the "not in context" text),
    or `error`."""
    return sse_response(await qa_events(body, access, audit))
