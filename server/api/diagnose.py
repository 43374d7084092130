"""SQL diagnosis over HTTP: POST /api/v1/sql/diagnose."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from assistant.diagnosis import diagnose as run_diagnosis
from server.api.deps import AccessDep, AuditDep
from server.api.schemas import ErrorBody

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


@router.post(
    "/diagnose",
    response_model=DiagnoseResponse,
    responses={400: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
async def diagnose(body: DiagnoseRequest, access: AccessDep, audit: AuditDep) -> DiagnoseResponse:
    services = access.services
    db = access.db(body.db)
    audit.touch(db=db, sql=body.sql)
    # Unknown names (404) and unreachable databases (400) are answered by server/api/errors.py.
    connector = await access.connector(db)
    limit = services.settings.query_timeout_s
    report = await run_diagnosis(
        body.sql, connector, services.llm if body.use_model else None,
        dialect=body.dialect, verify=body.verify, timeout_s=min(body.timeout_s or limit, limit),
    )
    return DiagnoseResponse.model_validate(report.to_dict())
