"""Text-to-SQL and the user's own SQL over HTTP."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from assistant.sqlgen.answer import SqlAnswer
from assistant.sqlgen.full import SqlOptions, Turn, answer_full
from assistant.sqlgen.knowledge_context import from_knowledge
from assistant.sqlgen.plain import answer_plain
from server.api.schemas import (
    ErrorBody,
    RefusalBody,
    SqlGenerateRequest,
    SqlGenerateResponse,
    SqlRunRequest,
    SqlRunResponse,
)
from server.api.sse import sse_event

router = APIRouter(prefix="/api/v1/sql", tags=["sql"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}}


async def _answer(body: SqlGenerateRequest, request: Request, on_stage=None) -> SqlAnswer:
    state = request.app.state
    connector = await asyncio.to_thread(state.databases.connector, body.db)
    row_limit = body.row_limit or state.settings.row_limit
    if body.pipeline == "plain":
        return await answer_plain(body.question, connector, state.llm, execute=body.execute, row_limit=row_limit)
    options = SqlOptions(execute=body.execute, row_limit=row_limit, candidates=body.candidates)
    answer = await answer_full(body.question, connector, state.llm, options,
                               history=state.conversations.history(body.conversation_id),
                               knowledge=from_knowledge(state.knowledge, body.db, connector), on_stage=on_stage)
    state.conversations.add(body.conversation_id, Turn(body.question, answer.sql))
    return answer


def _response(answer: SqlAnswer, body: SqlGenerateRequest) -> SqlGenerateResponse:
    return SqlGenerateResponse.model_validate({**answer.to_dict(), "conversation_id": body.conversation_id})


@router.post("/generate", response_model=SqlGenerateResponse, responses=ERRORS)
async def generate(body: SqlGenerateRequest, request: Request) -> SqlGenerateResponse:
    """Turn a question into SQL, check it, run it read-only and return rows and a chart suggestion."""
    return _response(await _answer(body, request), body)


@router.post("/generate/stream", responses=ERRORS)
async def generate_stream(body: SqlGenerateRequest, request: Request) -> StreamingResponse:
    """The same as /generate as server-sent events: `stage` as each stage ends, then
    `sql` (with its warnings), `rows`, `chart`, `error` where there is one, and `done`
    with the whole answer."""
    await asyncio.to_thread(request.app.state.databases.connector, body.db)  # unknown db: 404 before streaming
    queue: asyncio.Queue = asyncio.Queue()

    def on_stage(name: str, seconds: float) -> None:
        queue.put_nowait(("stage", {"stage": name, "seconds": seconds}))

    async def run() -> None:
        try:
            answer = await _answer(body, request, on_stage)
            response = _response(answer, body)
            queue.put_nowait(("sql", {"sql": response.sql, "explanation": response.explanation,
                                      "warnings": response.warnings}))
            if response.error is None and body.execute:
                queue.put_nowait(("rows", {"columns": response.columns, "rows": response.rows,
                                           "truncated": response.truncated}))
                if response.chart:
                    queue.put_nowait(("chart", response.chart))
            if response.error is not None:
                queue.put_nowait(("error", response.error.model_dump()))
            queue.put_nowait(("done", response.model_dump()))
        except Exception as exc:  # an error is an event, never a silently closed stream
            queue.put_nowait(("error", {"kind": type(exc).__name__, "message": str(exc)}))
        finally:
            queue.put_nowait(None)

    async def events() -> AsyncIterator[bytes]:
        task = asyncio.create_task(run())
        try:
            while (item := await queue.get()) is not None:
                yield sse_event(*item)
        finally:
            task.cancel()

    return StreamingResponse(events(), media_type="text/event-stream")


@router.post(
    "/run",
    response_model=SqlRunResponse,
    responses={400: {"model": RefusalBody}, 404: {"model": ErrorBody}, 408: {"model": RefusalBody}},
)
async def run(body: SqlRunRequest, request: Request) -> SqlRunResponse:
    """Run the user's own SQL through the guard, read-only; a refusal names its rule."""
    connector = await asyncio.to_thread(request.app.state.databases.connector, body.db)
    result = await asyncio.to_thread(connector.run, body.sql, row_limit=body.row_limit)
    return SqlRunResponse(columns=result.columns, rows=result.rows, truncated=result.truncated,
                          elapsed_s=result.elapsed_s)
