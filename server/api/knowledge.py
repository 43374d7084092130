"""Knowledge over HTTP: spaces and documents, ingestion jobs, the schema and
value indexes, sensitive columns and verified examples (with the feedback
endpoint the UI uses)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from knowledge.errors import ExampleError, SpaceError, SpaceNotFound
from server.api.errors import ApiError
from server.api.schemas import MAX_QUESTION_CHARS, ErrorBody

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}}


class SpaceBody(BaseModel):
    name: str = Field(min_length=1, max_length=63)
    description: str = ""


class AddDocuments(BaseModel):
    paths: list[str] = Field(min_length=1, description="Files or folders on the server's disk.")


class SearchBody(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int = Field(5, ge=1, le=50)
    filters: dict[str, Any] | None = Field(None, description="Metadata that must match, e.g. {\"kind\": \"pdf\"}.")


DB = Field(min_length=1, description="A known database name or a SQLAlchemy URL.")


class DbBody(BaseModel):
    db: str = DB


class QuestionBody(DbBody):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)


class LinkBody(QuestionBody):
    budget_tokens: int | None = Field(None, ge=50, le=100_000)


class SensitiveBody(DbBody):
    table: str = Field(min_length=1)
    column: str = Field(min_length=1)
    sensitive: bool = True


class ExampleBody(QuestionBody):
    sql: str = Field(min_length=1)


class FeedbackBody(ExampleBody):
    correct: bool = Field(description="The user confirmed the SQL answers the question.")


def _knowledge(request: Request):
    return request.app.state.knowledge


async def _call(function, *args, **kwargs):
    """Run blocking knowledge work in a thread; its errors become HTTP answers."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except SpaceNotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except (SpaceError, ExampleError) as exc:
        raise ApiError(422, str(exc)) from exc


# Spaces and documents --------------------------------------------------------------
@router.get("/spaces")
async def list_spaces(request: Request) -> list[dict]:
    return await _call(lambda: _knowledge(request).documents.list())


@router.post("/spaces", status_code=201, responses=ERRORS)
async def create_space(body: SpaceBody, request: Request) -> dict:
    return await _call(lambda: _knowledge(request).documents.create(body.name, body.description))


@router.delete("/spaces/{name}", status_code=204, responses=ERRORS)
async def drop_space(name: str, request: Request) -> None:
    await _call(lambda: _knowledge(request).documents.drop(name))


@router.get("/spaces/{name}/documents", responses=ERRORS)
async def list_documents(name: str, request: Request) -> list[dict]:
    return await _call(lambda: _knowledge(request).documents.documents(name))


@router.post("/spaces/{name}/documents", status_code=202, responses=ERRORS)
async def add_documents(name: str, body: AddDocuments, request: Request) -> dict:
    """Start a background ingestion job; follow it at /jobs/{id}."""
    job = await _call(lambda: _knowledge(request).ingestion.submit(name, body.paths))
    return job.to_dict()


@router.delete("/spaces/{name}/documents", status_code=204, responses=ERRORS)
async def delete_document(name: str, request: Request, path: str = Query(min_length=1)) -> None:
    if not await _call(lambda: _knowledge(request).documents.delete_file(name, path)):
        raise ApiError(404, f"no document '{path}' in space '{name}'")


@router.post("/spaces/{name}/search", responses=ERRORS)
async def search(name: str, body: SearchBody, request: Request) -> list[dict]:
    hits = await _call(lambda: _knowledge(request).documents.search(name, body.query, body.k, filters=body.filters))
    return [h.to_dict() for h in hits]


@router.get("/jobs")
async def list_jobs(request: Request) -> list[dict]:
    return [job.to_dict() for job in _knowledge(request).ingestion.jobs()]


@router.get("/jobs/{job_id}", responses=ERRORS)
async def job_status(job_id: str, request: Request) -> dict:
    job = _knowledge(request).ingestion.get(job_id)
    if job is None:
        raise ApiError(404, f"no ingestion job '{job_id}'")
    return job.to_dict()


# Schema, values, sensitive columns ------------------------------------------------
async def _connector(request: Request, db: str):
    return await asyncio.to_thread(request.app.state.databases.connector, db)


class SyncBody(DbBody):
    force: bool = Field(False, description="Rebuild even if the schema did not change (new data: new values).")


@router.post("/schema/sync", responses=ERRORS)
async def sync_schema(body: SyncBody, request: Request) -> dict:
    """Refresh the schema index (only changed tables are re-embedded); on a new
    schema, or with force, also rebuild the value index and re-check examples."""
    db = body.db
    connector = await _connector(request, db)
    schema = await asyncio.to_thread(connector.introspect)
    report = await _call(lambda: _knowledge(request).sync(db, schema, connector, force=body.force))
    return report.to_dict()


@router.post("/schema/link", responses=ERRORS)
async def link(body: LinkBody, request: Request) -> dict:
    """The tables a question needs within the token budget, trimmed as the SQL pipeline gets them."""
    db = body.db
    connector = await _connector(request, db)
    schema = await asyncio.to_thread(connector.introspect)
    linked = await _call(lambda: _knowledge(request).link(body.question, db, schema, body.budget_tokens,
                                                          connector=connector))
    return linked.to_dict()


@router.post("/values/match", responses=ERRORS)
async def match_values(body: QuestionBody, request: Request) -> list[dict]:
    await _connector(request, body.db)  # unknown db: 404
    matches = await _call(lambda: _knowledge(request).match_values(body.db, body.question))
    return [m.to_dict() for m in matches]


@router.get("/sensitive")
async def list_sensitive(request: Request, db: str = Query(min_length=1)) -> list[dict]:
    return [{"table": t, "column": c} for t, c in sorted(_knowledge(request).sensitive(db))]


@router.put("/sensitive", responses=ERRORS)
async def set_sensitive(body: SensitiveBody, request: Request) -> list[dict]:
    await _call(lambda: _knowledge(request).set_sensitive(body.db, body.table, body.column, body.sensitive))
    return await list_sensitive(request, body.db)


# Verified examples ---------------------------------------------------------------
async def _add_example(request: Request, db: str, question: str, sql: str, source: str) -> dict:
    connector = await _connector(request, db)
    schema = await asyncio.to_thread(connector.introspect)
    example = await _call(lambda: _knowledge(request).examples(db).add(
        question, sql, source=source, schema=schema, explain=connector.explain))
    return example.to_dict()


@router.get("/examples")
async def list_examples(request: Request, db: str = Query(min_length=1),
                        state: str | None = Query(None, pattern="^(ok|quarantined)$")) -> list[dict]:
    return [e.to_dict() for e in await _call(lambda: _knowledge(request).examples(db).list(state))]


@router.post("/examples", status_code=201, responses=ERRORS)
async def add_example(body: ExampleBody, request: Request) -> dict:
    """Store a verified pair; it is checked against the schema and EXPLAIN at once
    (a pair that fails is stored quarantined, with the reason)."""
    return await _add_example(request, body.db, body.question, body.sql, "api")


@router.delete("/examples/{example_id}", status_code=204, responses=ERRORS)
async def remove_example(example_id: int, request: Request, db: str = Query(min_length=1)) -> None:
    if not await _call(lambda: _knowledge(request).examples(db).remove(example_id)):
        raise ApiError(404, f"no example {example_id} for '{db}'")


@router.post("/feedback", responses=ERRORS)
async def feedback(body: FeedbackBody, request: Request) -> dict:
    """The UI's thumbs-up / thumbs-down on an answer. A confirmed pair becomes
    a verified example; a rejected one is not stored."""
    if not body.correct:
        return {"stored": False, "example": None}
    return {"stored": True, "example": await _add_example(request, body.db, body.question, body.sql, "feedback")}
