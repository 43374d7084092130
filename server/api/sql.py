"""Text-to-SQL over HTTP."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from assistant.sqlgen.plain import answer_plain
from server.api.schemas import (
    ErrorBody,
    RefusalBody,
    SqlGenerateRequest,
    SqlGenerateResponse,
    SqlRunRequest,
    SqlRunResponse,
)

router = APIRouter(prefix="/api/v1/sql", tags=["sql"])


@router.post(
    "/generate",
    response_model=SqlGenerateResponse,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
async def generate(body: SqlGenerateRequest, request: Request) -> SqlGenerateResponse:
    state = request.app.state
    connector = await asyncio.to_thread(state.databases.connector, body.db)
    answer = await answer_plain(
        body.question,
        connector,
        state.llm,
        execute=body.execute,
        row_limit=body.row_limit or state.settings.row_limit,
    )
    return SqlGenerateResponse.model_validate(answer.to_dict())


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
