"""Database and document questions answered from knowledge, with citations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.qa.answer import answer_question, stream_answer
from server.api.errors import ApiError
from server.api.schemas import ErrorBody, Question
from server.api.sse import sse_event

router = APIRouter(prefix="/api/v1/qa", tags=["qa"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}}


class QaRequest(BaseModel):
    question: Question
    space: str | None = Field(None, description="A knowledge space; every space when absent.")
    db: str | None = Field(None, description="A database whose schema and verified examples are sources too.")


class Citation(BaseModel):
    n: int
    kind: str
    document: str
    title: str
    location: str
    score: float | None


class QaResponse(BaseModel):
    question: str
    answer: str
    answerable: bool
    citations: list[Citation]
    sources: list[Citation]
    timings: dict[str, float] = {}
    usage: dict[str, int] = {}
    rejected: str | None = None


async def _arguments(body: QaRequest, request: Request) -> dict[str, Any]:
    """Check the space and database before any work, so that a typo is a 404."""
    state = request.app.state
    knowledge = state.knowledge
    if body.space is not None and body.space not in await asyncio.to_thread(knowledge.documents.names):
        raise ApiError(404, f"no knowledge space named '{body.space}'")
    connector = await asyncio.to_thread(state.databases.connector, body.db) if body.db else None
    return {"space": body.space, "db": body.db, "connector": connector}


@router.post("", response_model=QaResponse, responses=ERRORS)
async def ask(body: QaRequest, request: Request) -> QaResponse:
    arguments = await _arguments(body, request)
    answer = await answer_question(body.question, request.app.state.knowledge, request.app.state.llm, **arguments)
    return QaResponse.model_validate(answer.to_dict())


@router.post("/stream", responses=ERRORS)
async def ask_stream(body: QaRequest, request: Request) -> StreamingResponse:
    """Server-sent events: `token` as the answer is written, one `citation` per
    cited source, then `done` with the whole answer (authoritative: an answer
    its sources do not support is replaced there by the "not in context" text),
    or `error`."""
    arguments = await _arguments(body, request)

    async def events() -> AsyncIterator[bytes]:
        async for event in stream_answer(body.question, request.app.state.knowledge, request.app.state.llm,
                                         **arguments):
            yield sse_event(event["event"], event["data"])

    return StreamingResponse(events(), media_type="text/event-stream")
