"""SQL diagnosis over HTTP: POST /api/v1/sql/diagnose, and /sql/diagnose/stream as server-sent events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from assistant.diagnosis import Done, ErrorEvent, Event, diagnose_stream, report_of
from server.api.deps import Access, AccessDep, AuditDep
from server.api.schemas import ErrorBody
from server.api.sse import Events, sse_response
from server.auth.audit import AuditEntry

router = APIRouter(prefix="/sql", tags=["sql"])

MAX_SQL_CHARS = 100_000


class DiagnoseRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS, description="One SQL statement to diagnose.")
    db: str | None = Field(None, min_length=1, max_length=2048,
                           description="A registered database name; default: the server's default database.")
    dialect: Literal["sqlite", "postgres", "mysql", "duckdb"] | None = Field(
        None, description="The dialect the SQL is written in; default: the database's own.")
    verify: bool = Field(True, description="Check plans, indexes and rewrites on the database (read-only).")
    use_model: bool = Field(True, description="Let the model summarise the findings and propose rewrites.")
    timeout_s: float | None = Field(None, gt=0, le=600, description="Time limit per verification query; "
                                    "never above the server's own limit (DBGPT_QUERY_TIMEOUT_S).")

    @field_validator("sql")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the SQL text is empty")
        return value


class LocationModel(BaseModel):
    line: int
    column: int


class FindingModel(BaseModel):
    kind: str
    severity: Literal["error", "warning", "info"]
    message: str
    location: LocationModel | None
    evidence: dict[str, Any]
    suggestion: str | None
    verified: bool
    verification: str
    sql: str | None
    source: str


class DiagnoseResponse(BaseModel):
    sql: str
    dialect: str
    statement: str | None
    executed: bool
    summary: str
    summary_source: Literal["rules", "model"]
    findings: list[FindingModel]
    notes: list[str]
    timings: dict[str, float]


ERRORS = {400: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody},
          422: {"model": ErrorBody}}


async def _diagnosis(body: DiagnoseRequest, access: Access, audit: AuditEntry) -> AsyncIterator[Event]:
    """The diagnosis's events, once the database is known and the caller may use it."""
    services = access.services
    db = access.db(body.db)
    audit.touch(db=db, sql=body.sql)
    # Unknown names (404), no grant (403) and unreachable databases (400) are answered by
    # server/api/errors.py, before anything is streamed.
    connector = await access.connector(db)
    limit = services.settings.query_timeout_s
    return diagnose_stream(body.sql, connector, services.llm if body.use_model else None,
                           dialect=body.dialect, verify=body.verify, timeout_s=min(body.timeout_s or limit, limit))


@router.post("/diagnose", response_model=DiagnoseResponse, responses=ERRORS)
async def diagnose(body: DiagnoseRequest, access: AccessDep, audit: AuditDep) -> DiagnoseResponse:
    """Diagnose one statement: located findings with their evidence, verified advice and a summary."""
    report = await report_of(await _diagnosis(body, access, audit))
    return DiagnoseResponse.model_validate(report.to_dict())


async def diagnosis_events(body: DiagnoseRequest, access: Access, audit: AuditEntry) -> Events:
    """/diagnose/stream's events, once the database is checked: `finding` as each check finds
    one, `advice` once the database has checked it (an event with the same `n` replaces an
    earlier one; `withdrawn` removes one), `summary`, then `done` with the whole report
    (the very body /diagnose answers), or `error`."""
    return _framed(await _diagnosis(body, access, audit), audit)


async def _framed(events: AsyncIterator[Event], audit: AuditEntry) -> Events:
    async with aclosing(events):
        async for event in events:
            if isinstance(event, ErrorEvent):
                audit.outcome, audit.detail = "error", f"{event.kind}: {event.message}"
            data = event.data()
            if isinstance(event, Done):
                data = DiagnoseResponse.model_validate(data).model_dump(mode="json")
            yield event.name, data


@router.post("/diagnose/stream", responses=ERRORS)
async def diagnose_events(body: DiagnoseRequest, access: AccessDep, audit: AuditDep) -> StreamingResponse:
    """The same as /diagnose as server-sent events: `finding` as each check finds one, `advice`
    once the database has checked it (an event with the same `n` replaces an earlier one;
    `withdrawn` removes one), `summary` (the model's, when it has one), then `done` with the
    whole report, or `error`."""
    return sse_response(await diagnosis_events(body, access, audit))
