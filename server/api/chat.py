"""One chat: POST /api/v1/chat routes a message to a skill and relays that skill's own events.

The stream: `route` (the skill, why, how sure, and whether a rule, the model or
the caller chose it), `conversation` (its id: the one given, or a new one), the
skill's events exactly as its own route streams them (/sql/generate/stream,
/sql/diagnose/stream, /qa/stream; `schema` for catalog answers; `token` for a
plain reply), `turn` once the turn is stored, and last `done` (the skill's
whole answer). The same access checks and audit as the skills' routes apply.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.catalog import answer_from_catalog, answer_sources
from assistant.chat import stream_chat
from assistant.chat.redraw import redraw
from assistant.router import LastTurn, Route, RouteContext, route
from assistant.router.evidence import sources_from as evidence_sources
from assistant.router.rules import long_sql
from server.api.deps import Access, AccessDep, AuditDep
from server.api.diagnose import MAX_SQL_CHARS, DiagnoseRequest, diagnosis_events
from server.api.errors import ApiError
from server.api.qa import QaRequest, qa_events
from server.api.schemas import MAX_QUESTION_CHARS, ErrorBody, SqlGenerateRequest, SqlGenerateResponse
from server.api.sql import answer_events, sql_events
from server.api.sse import Events, sse_response
from server.auth.audit import AuditEntry
from server.conversations import StoredTurn, new_id
from server.databases import DEMO

router = APIRouter(prefix="/chat", tags=["chat"])
ERRORS = {403: {"model": ErrorBody}, 422: {"model": ErrorBody}}


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=MAX_SQL_CHARS,
                         description=f"What the user wrote: at most {MAX_QUESTION_CHARS:,} characters, or up to "
                                     f"{MAX_SQL_CHARS:,} (the diagnosis route's own cap) when it holds SQL to "
                                     "diagnose.")
    conversation_id: str | None = Field(None, min_length=1, max_length=128,
                                        description="Continue this conversation of the caller's; a new one "
                                                    "when absent (its id comes in the `conversation` event).")
    db: str | None = Field(None, min_length=1, max_length=2048,
                           description="A registered database name; default: the server's default database.")
    space: str | None = Field(None, max_length=63, description="A knowledge space for document questions; "
                                                               "every space the caller may read when absent.")
    skill: Literal["sql", "diagnose", "docs", "schema", "chat"] | None = Field(
        None, description="Answer with this skill instead of routing.")

    @field_validator("message")
    @classmethod
    def _stripped(cls, message: str) -> str:
        if not (message := message.strip()):
            raise ValueError("the message is empty")
        return message

    @model_validator(mode="after")
    def _long_only_to_diagnose(self) -> "ChatRequest":
        """Past MAX_QUESTION_CHARS a message is only taken as SQL to diagnose: a question that
        long would not fit the model's prompt, and a pasted statement should not be cut."""
        if len(self.message) <= MAX_QUESTION_CHARS:
            return self
        if self.skill not in (None, "diagnose") or long_sql(self.message) is None:
            raise ValueError(f"the message has {len(self.message):,} characters: at most {MAX_QUESTION_CHARS:,}, "
                             f"or up to {MAX_SQL_CHARS:,} when it is SQL to diagnose")
        return self


async def _context(access: Access, last: dict | None, db: str) -> RouteContext:
    """What the router may read: the previous turn, the names the caller may use, and the
    evidence of the database asked and the spaces the caller may read."""
    services = access.services
    names = await asyncio.to_thread(services.databases.names)
    spaces = access.spaces(await asyncio.to_thread(services.knowledge.documents.names))
    try:
        connector = await access.connector(db)
    except Exception:  # noqa: BLE001 - the sql skill reports an unreachable database; routing goes on
        connector = None
    catalog, documents = evidence_sources(services.knowledge, db, connector, spaces)
    return RouteContext(last=LastTurn(last["message"], last["skill"], last["latest_sql"]) if last else None,
                        dbs=[n for n in names if n == DEMO or access.user.may_use_db(n)],
                        spaces=spaces, catalog=catalog, documents=documents)


async def _schema_events(message: str, db: str, access: Access, sql: str | None = None) -> Events:
    """A catalog answer; with `sql` (the previous answer's), the tables it read. The turn keeps
    that SQL, so "why is it slow?" after "which table does that come from?" still has it."""
    connector = await access.connector(db)
    schema = await asyncio.to_thread(connector.introspect)
    answer = answer_sources(message, sql, schema) if sql else answer_from_catalog(message, schema)
    yield "schema", {"kind": answer.kind, "items": answer.items, "tables": answer.tables}
    yield "done", {**answer.to_dict(), "sql": sql} if sql else answer.to_dict()


async def _redraw_events(chosen: Route, db: str, conversation_id: str, access: Access, audit: AuditEntry) -> Events:
    """The previous answer's rows again, charted as asked: no model, no new query."""
    connector = await access.connector(db)
    answer = await redraw(chosen.message, chosen.sql, chosen.chart, connector, access.services.settings.row_limit)
    audit.touch(sql=answer.sql, row_count=len(answer.rows) if answer.error is None else None)
    response = SqlGenerateResponse.model_validate({**answer.to_dict(), "conversation_id": conversation_id})
    for name, data in answer_events(response):
        yield name, data


async def _chat_events(message: str, last: dict | None, access: Access) -> Events:
    earlier = [(last["message"], last["answer"])] if last and last["answer"] else []
    async with aclosing(stream_chat(message, access.services.llm, earlier)) as events:
        async for event in events:
            yield event["event"], event["data"]


async def _no_sql() -> Events:
    yield "error", {"kind": "no_sql", "message": "there is no SQL to diagnose: paste the statement, or ask "
                                                 "after an answer that has SQL"}


async def _skill_events(chosen: Route, body: ChatRequest, db: str, conversation_id: str, last: dict | None,
                        access: Access, audit: AuditEntry) -> Events:
    """The chosen skill's events, from the same functions its own route streams."""
    if chosen.skill == "sql" and chosen.chart and chosen.sql:
        return _redraw_events(chosen, db, conversation_id, access, audit)
    if chosen.skill == "sql":
        history = await asyncio.to_thread(access.services.conversations.history, access.user.name,
                                          conversation_id)
        request = SqlGenerateRequest(question=chosen.message, db=body.db, conversation_id=conversation_id)
        return await sql_events(request, access, audit, history)
    if chosen.skill == "diagnose":
        if not chosen.sql:
            return _no_sql()
        return await diagnosis_events(DiagnoseRequest(sql=chosen.sql, db=body.db), access, audit)
    if chosen.skill == "docs":
        return await qa_events(QaRequest(question=chosen.message, space=body.space), access, audit)
    if chosen.skill == "schema":
        return _schema_events(chosen.message, db, access, chosen.sql)
    return _chat_events(chosen.message, last, access)


async def _events(body: ChatRequest, db: str, access: Access, audit: AuditEntry) -> Events:
    services, owner = access.services, access.user.name
    last = await asyncio.to_thread(services.conversations.last_turn, owner, body.conversation_id)
    chosen = await route(body.message, await _context(access, last, db), services.llm, forced=body.skill)
    yield "route", chosen.event()
    conversation_id = body.conversation_id or new_id()
    yield "conversation", {"conversation_id": conversation_id, "new": last is None}
    done: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    try:
        events = await _skill_events(chosen, body, db, conversation_id, last, access, audit)
        async with aclosing(events):
            async for name, data in events:
                if name == "done":
                    done = data  # sent once the turn is stored
                    continue
                if name == "error":
                    error = data
                yield name, data
    except ApiError as exc:  # a space or database found missing once the skill is known
        error = {"kind": "request", "status": exc.status, "message": exc.detail}
        audit.outcome, audit.detail = "error", exc.detail
        yield "error", error
    except Exception as exc:  # noqa: BLE001 - an error is an event, never a silently closed stream
        error = {"kind": type(exc).__name__, "message": str(exc)}
        audit.outcome, audit.detail = "error", f"{type(exc).__name__}: {exc}"
        yield "error", error
    turn = StoredTurn.from_done(chosen.message, chosen.skill, db, done, error)
    turn.timings = {"route": chosen.seconds, **turn.timings}
    conversation_id, n = await asyncio.to_thread(services.conversations.add, owner, conversation_id, turn)
    yield "turn", {"conversation_id": conversation_id, "n": n}
    yield "done", done if done is not None else {"skill": chosen.skill, "error": error}


@router.post("", responses=ERRORS)
async def chat(body: ChatRequest, access: AccessDep, audit: AuditDep) -> StreamingResponse:
    """Server-sent events: `route`, `conversation`, the chosen skill's own events, `turn`, then `done`."""
    db = access.db(body.db)  # a database the caller has no grant for: 403 before anything streams
    if body.space is not None:
        access.space(body.space)
    audit.touch(db=db, question=body.message)
    return sse_response(_events(body, db, access, audit))
