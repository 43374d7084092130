"""Text-to-SQL and the user's own SQL over HTTP."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from assistant.sqlgen.answer import SqlAnswer
from assistant.sqlgen.chart import suggest_chart
from assistant.sqlgen.full import SqlOptions, Turn, answer_full
from assistant.sqlgen.knowledge_context import from_knowledge
from assistant.sqlgen.plain import answer_plain
from assistant.sqlgen.tables_read import key_columns
from server.api.schemas import (
    ErrorBody,
    RefusalBody,
    SqlGenerateRequest,
    SqlGenerateResponse,
    SqlRunRequest,
    SqlRunResponse,
)
from server.api.deps import Access, AccessDep, AuditDep
from server.api.sse import Events, sse_response
from server.auth.audit import AuditEntry
from server.conversations import StoredTurn

router = APIRouter(prefix="/sql", tags=["sql"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}}


async def _answer(body: SqlGenerateRequest, access: Access, audit: AuditEntry, on_stage=None,
                  history: list[Turn] | None = None) -> SqlAnswer:
    services = access.services
    db = access.db(body.db)
    audit.touch(db=db, question=body.question)
    connector = await access.connector(db)
    row_limit = body.row_limit or services.settings.row_limit
    if body.pipeline == "plain":
        answer = await answer_plain(body.question, connector, services.llm, execute=body.execute,
                                    row_limit=row_limit)
    else:
        options = SqlOptions(execute=body.execute, row_limit=row_limit, candidates=body.candidates)
        answer = await answer_full(body.question, connector, services.llm, options, history=history,
                                   knowledge=from_knowledge(services.knowledge, db, connector), on_stage=on_stage)
    audit.touch(sql=answer.sql, row_count=len(answer.rows) if answer.error is None else None)
    if answer.error is not None:
        audit.outcome, audit.rule, audit.detail = ("refused" if answer.error.rule else "error"), \
            answer.error.rule, answer.error.message
    return answer


async def _history(body: SqlGenerateRequest, access: Access) -> list[Turn]:
    """The caller's own earlier turns of this conversation (another user's id reads nothing)."""
    if body.pipeline == "plain" or not body.conversation_id:
        return []
    return await asyncio.to_thread(access.services.conversations.history, access.user.name, body.conversation_id)


async def _remember(body: SqlGenerateRequest, access: Access, response: SqlGenerateResponse) -> None:
    if body.conversation_id:
        turn = StoredTurn.from_done(body.question, "sql", access.db(body.db), response.model_dump())
        await asyncio.to_thread(access.services.conversations.add, access.user.name, body.conversation_id, turn)


def _response(answer: SqlAnswer, body: SqlGenerateRequest) -> SqlGenerateResponse:
    return SqlGenerateResponse.model_validate({**answer.to_dict(), "conversation_id": body.conversation_id})


@router.post("/generate", response_model=SqlGenerateResponse, responses=ERRORS)
async def generate(body: SqlGenerateRequest, access: AccessDep, audit: AuditDep) -> SqlGenerateResponse:
    """Turn a question into SQL, check it, run it read-only and return rows and a chart suggestion."""
    response = _response(await _answer(body, access, audit, history=await _history(body, access)), body)
    await _remember(body, access, response)
    return response


def answer_events(response: SqlGenerateResponse, executed: bool = True) -> list[tuple[str, dict]]:
    """An answer's events once it is there: `sql` (with its warnings), `rows` and `chart`
    where it ran, `error` where there is one, and `done` with the whole answer."""
    events = [("sql", {"sql": response.sql, "explanation": response.explanation, "warnings": response.warnings})]
    if response.error is None and executed:
        events.append(("rows", {"columns": response.columns, "rows": response.rows, "truncated": response.truncated}))
        if response.chart:
            events.append(("chart", response.chart))
    if response.error is not None:
        events.append(("error", response.error.model_dump()))
    return events + [("done", response.model_dump())]


async def sql_events(body: SqlGenerateRequest, access: Access, audit: AuditEntry,
                     history: list[Turn] | None = None) -> Events:
    """/generate/stream's events: `stage` as each stage ends, then `sql` (with its warnings),
    `rows`, `chart`, `error` where there is one, and `done` with the whole answer. The
    database is checked first (unknown: 404, no grant: 403), before anything is streamed."""
    await access.connector(body.db)
    return _sql_events(body, access, audit, history)


async def _sql_events(body: SqlGenerateRequest, access: Access, audit: AuditEntry,
                      history: list[Turn] | None) -> Events:
    queue: asyncio.Queue = asyncio.Queue()

    def on_stage(name: str, seconds: float) -> None:
        queue.put_nowait(("stage", {"stage": name, "seconds": seconds}))

    async def run() -> None:
        try:
            answer = await _answer(body, access, audit, on_stage, history)
            for item in answer_events(_response(answer, body), body.execute):
                queue.put_nowait(item)
        except Exception as exc:  # an error is an event, never a silently closed stream
            audit.outcome, audit.detail = "error", f"{type(exc).__name__}: {exc}"
            queue.put_nowait(("error", {"kind": type(exc).__name__, "message": str(exc)}))
        finally:
            queue.put_nowait(None)

    task = asyncio.create_task(run())
    try:
        while (item := await queue.get()) is not None:
            yield item
    finally:
        task.cancel()


@router.post("/generate/stream", responses=ERRORS)
async def generate_stream(body: SqlGenerateRequest, access: AccessDep, audit: AuditDep) -> StreamingResponse:
    """The same as /generate as server-sent events: `stage` as each stage ends, then
    `sql` (with its warnings), `rows`, `chart`, `error` where there is one, and `done`
    with the whole answer."""
    events = await sql_events(body, access, audit, await _history(body, access))

    async def remembered() -> Events:
        async with aclosing(events):
            async for name, data in events:
                if name == "done":
                    await _remember(body, access, SqlGenerateResponse.model_validate(data))
                yield name, data

    return sse_response(remembered())


@router.post(
    "/run",
    response_model=SqlRunResponse,
    responses={400: {"model": RefusalBody}, 404: {"model": ErrorBody}, 408: {"model": RefusalBody}},
)
async def run(body: SqlRunRequest, access: AccessDep, audit: AuditDep) -> SqlRunResponse:
    """Run the user's own SQL through the guard, read-only, with a chart suggestion
    for its rows; a refusal names its rule."""
    db = access.db(body.db)
    audit.touch(db=db, sql=body.sql)
    connector = await access.connector(db)
    result = await asyncio.to_thread(connector.run, body.sql, row_limit=body.row_limit)
    audit.touch(row_count=len(result.rows))
    schema = await asyncio.to_thread(connector.introspect)
    chart = suggest_chart(result.columns, result.rows, key_columns(body.sql, schema))
    return SqlRunResponse(columns=result.columns, rows=result.rows, truncated=result.truncated,
                          elapsed_s=result.elapsed_s, chart=chart)
