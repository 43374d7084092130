"""Knowledge over HTTP: spaces and documents, ingestion jobs, the schema and
value indexes, sensitive columns and verified examples (with the feedback
endpoint the UI uses).

Documents enter a space in two ways only: uploaded (server/uploads.py), or
named by a path under the configured file roots (server/file_roots.py).
Either way the files are indexed by a background job; a request never walks
a folder and never answers with what a folder holds.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from knowledge.errors import ExampleError, SpaceError, SpaceNotFound
from server import uploads
from server.api.deps import AccessDep, AdminUser, AuditDep, KnowledgeDep, SettingsDep
from server.api.errors import ApiError
from server.api.schemas import MAX_QUESTION_CHARS, ErrorBody
from server.file_roots import FileRoots

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}}
UPLOAD_ERRORS = {**ERRORS, **{status: {"model": ErrorBody} for status in (400, 403, 413, 415)}}
MAX_ID = 2**63 - 1  # SQLite's largest integer: ids past it are refused, not overflowed


class SpaceBody(BaseModel):
    name: str = Field(min_length=1, max_length=63)
    description: str = ""


class AddDocuments(BaseModel):
    paths: list[str] = Field(min_length=1, max_length=1000,
                             description="Files or folders on the server's disk, under the configured file roots.")


class SearchBody(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int = Field(5, ge=1, le=50)
    filters: dict[str, Any] | None = Field(None, description="Metadata that must match, e.g. {\"kind\": \"pdf\"}.")


DB = Field(min_length=1, max_length=2048, description="A registered database name.")


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
async def list_spaces(access: AccessDep, knowledge: KnowledgeDep) -> list[dict]:
    """The spaces the caller may read (an admin sees all)."""
    spaces = await _call(knowledge.documents.list)
    return [s for s in spaces if access.user.may_use_space(s["name"])]


@router.post("/spaces", status_code=201, responses=ERRORS)
async def create_space(body: SpaceBody, _admin: AdminUser, knowledge: KnowledgeDep) -> dict:
    return await _call(lambda: knowledge.documents.create(body.name, body.description))


@router.delete("/spaces/{name}", status_code=204, responses=ERRORS)
async def drop_space(name: str, _admin: AdminUser, access: AccessDep, knowledge: KnowledgeDep,
                     settings: SettingsDep) -> None:
    """Drop a space, its vectors and the files uploaded to it."""
    await _call(lambda: knowledge.documents.drop(name))
    await asyncio.to_thread(shutil.rmtree, settings.uploads_path / name, ignore_errors=True)
    access.services.users.forget_target("space", name)


@router.get("/spaces/{name}/documents", responses=ERRORS)
async def list_documents(name: str, access: AccessDep, knowledge: KnowledgeDep) -> list[dict]:
    return await _call(lambda: knowledge.documents.documents(access.space(name)))


@router.post("/spaces/{name}/documents", status_code=202, responses={**ERRORS, 403: {"model": ErrorBody}})
async def add_documents(name: str, body: AddDocuments, _admin: AdminUser, knowledge: KnowledgeDep,
                        settings: SettingsDep, _audit: AuditDep) -> dict:
    """Index files and folders from the server's disk in a background job; follow it at /jobs/{id}.

    Each path must resolve (symlinks followed) under the configured file roots
    (DBGPT_FILE_ROOTS), outside the product's own state; any other is 403, with
    the same answer whether or not it exists. Folders are walked by the job, up
    to DBGPT_MAX_INGEST_FILES files, and files found there that lead outside
    the roots are skipped. The answer is the job's id and how many paths it got.
    """
    await _call(lambda: knowledge.documents.get(name))  # an unknown space is 404 before any path is looked at
    roots = FileRoots(settings)
    paths = await asyncio.to_thread(lambda: [roots.confine(raw) for raw in body.paths])
    refused = [i for i, path in enumerate(paths) if path is None]
    if refused:
        raise ApiError(403, f"paths[{refused[0]}] is not under the folders documents may be read from "
                            "(DBGPT_FILE_ROOTS); upload the files instead")
    job = await _call(lambda: knowledge.ingestion.submit(name, paths, allow=roots.readable,
                                                         max_files=settings.max_ingest_files))
    return job.started()


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


@router.post("/spaces/{name}/upload", status_code=202, responses=UPLOAD_ERRORS, openapi_extra=UPLOAD_BODY)
async def upload_documents(name: str, request: Request, _admin: AdminUser, knowledge: KnowledgeDep,
                           settings: SettingsDep, _audit: AuditDep) -> dict:
    """Upload documents (multipart/form-data, one file part each) and index them in a background job.

    At most DBGPT_MAX_UPLOAD_FILES files (413) and DBGPT_MAX_UPLOAD_BYTES bytes
    together (413, counted as the body arrives). Only the types the loaders read
    (PDF, DOCX, CSV, text, Markdown, HTML); anything else is 415. Archives (zip,
    tar, gzip, 7z, rar, ...) are refused with 415, not unpacked: upload the
    documents inside them. Files are kept under the data dir with sanitised
    names; a file named like an earlier upload to this space replaces it. A
    refused or broken upload stores nothing. The answer is the job's id and the
    names the files were stored under; follow the job at /jobs/{id}.
    """
    await _call(lambda: knowledge.documents.get(name))
    folder = settings.uploads_path / name  # space names are plain names: letters, digits, ' ', '_', '.', '-'
    try:
        stored = await uploads.receive(request.headers.get("content-type", ""), request.stream(), folder,
                                       max_bytes=settings.max_upload_bytes, max_files=settings.max_upload_files)
    except uploads.UploadRefused as exc:
        raise ApiError(exc.status, exc.message) from exc
    job = await _call(lambda: knowledge.ingestion.submit(name, stored))
    return {**job.started(), "files": [path.name for path in stored]}


@router.delete("/spaces/{name}/documents", status_code=204, responses=ERRORS)
async def delete_document(name: str, _admin: AdminUser, knowledge: KnowledgeDep,
                          path: str = Query(min_length=1)) -> None:
    if not await _call(lambda: knowledge.documents.delete_file(name, path)):
        raise ApiError(404, f"no document '{path}' in space '{name}'")


@router.post("/spaces/{name}/search", responses=ERRORS)
async def search(name: str, body: SearchBody, access: AccessDep, knowledge: KnowledgeDep) -> list[dict]:
    hits = await _call(lambda: knowledge.documents.search(access.space(name), body.query, body.k,
                                                          filters=body.filters))
    return [h.to_dict() for h in hits]


@router.get("/jobs")
async def list_jobs(_admin: AdminUser, knowledge: KnowledgeDep) -> list[dict]:
    return [job.to_dict() for job in knowledge.ingestion.jobs()]


@router.get("/jobs/{job_id}", responses=ERRORS)
async def job_status(job_id: str, _admin: AdminUser, knowledge: KnowledgeDep) -> dict:
    job = knowledge.ingestion.get(job_id)
    if job is None:
        raise ApiError(404, f"no ingestion job '{job_id}'")
    return job.to_dict()


# Schema, values, sensitive columns ------------------------------------------------
class SyncBody(DbBody):
    force: bool = Field(False, description="Rebuild even if the schema did not change (new data: new values).")


@router.post("/schema/sync", responses=ERRORS)
async def sync_schema(body: SyncBody, _admin: AdminUser, access: AccessDep, knowledge: KnowledgeDep,
                      audit: AuditDep) -> dict:
    """Refresh the schema index (only changed tables are re-embedded); on a new
    schema, or with force, also rebuild the value index and re-check examples."""
    db = access.db(body.db)
    audit.touch(db=db)
    connector = await access.connector(db)
    schema = await asyncio.to_thread(connector.introspect)
    report = await _call(lambda: knowledge.sync(db, schema, connector, force=body.force))
    return report.to_dict()


@router.post("/schema/link", responses=ERRORS)
async def link(body: LinkBody, access: AccessDep, knowledge: KnowledgeDep, audit: AuditDep) -> dict:
    """The tables a question needs within the token budget, trimmed as the SQL pipeline gets them."""
    db = access.db(body.db)
    audit.touch(db=db, question=body.question)
    connector = await access.connector(db)
    schema = await asyncio.to_thread(connector.introspect)
    linked = await _call(lambda: knowledge.link(body.question, db, schema, body.budget_tokens, connector=connector))
    return linked.to_dict()


@router.post("/values/match", responses=ERRORS)
async def match_values(body: QuestionBody, access: AccessDep, knowledge: KnowledgeDep, audit: AuditDep) -> list[dict]:
    db = access.db(body.db)
    audit.touch(db=db, question=body.question)
    await access.connector(db)  # unknown db: 404
    matches = await _call(lambda: knowledge.match_values(db, body.question))
    return [m.to_dict() for m in matches]


@router.get("/sensitive")
async def list_sensitive(access: AccessDep, knowledge: KnowledgeDep,
                         db: str = Query(min_length=1, max_length=2048)) -> list[dict]:
    return [{"table": t, "column": c} for t, c in sorted(knowledge.sensitive(access.db(db)))]


@router.put("/sensitive", responses=ERRORS)
async def set_sensitive(body: SensitiveBody, _admin: AdminUser, access: AccessDep,
                        knowledge: KnowledgeDep) -> list[dict]:
    db = access.db(body.db)
    await _call(lambda: knowledge.set_sensitive(db, body.table, body.column, body.sensitive))
    return await list_sensitive(access, knowledge, db)


# Verified examples ---------------------------------------------------------------
async def _add_example(access: AccessDep, knowledge, audit, db: str, question: str, sql: str, source: str) -> dict:
    db = access.db(db)
    audit.touch(db=db, question=question, sql=sql)
    connector = await access.connector(db)
    schema = await asyncio.to_thread(connector.introspect)
    example = await _call(lambda: knowledge.examples(db).add(
        question, sql, source=source, schema=schema, explain=connector.explain,
        run=lambda statement: connector.run(statement, row_limit=1), created_by=access.user.name))
    return example.to_dict()


@router.get("/examples")
async def list_examples(access: AccessDep, knowledge: KnowledgeDep, db: str = Query(min_length=1, max_length=2048),
                        state: str | None = Query(None, pattern="^(ok|quarantined)$"),
                        q: str | None = Query(None, max_length=MAX_QUESTION_CHARS,
                                              description="Only pairs whose question or SQL holds this text "
                                                          "(any case).")) -> list[dict]:
    """The database's verified pairs, oldest first, with who added each and when."""
    db = access.db(db)
    return [e.to_dict() for e in await _call(lambda: knowledge.examples(db).list(state, q))]


@router.post("/examples", status_code=201, responses=ERRORS)
async def add_example(body: ExampleBody, access: AccessDep, knowledge: KnowledgeDep, audit: AuditDep) -> dict:
    """Store a verified pair. It must fit the schema, pass EXPLAIN, run read-only
    on its database and return rows; else it is refused (422) with the reason.
    A stored pair that stops fitting a changed schema is quarantined."""
    return await _add_example(access, knowledge, audit, body.db, body.question, body.sql, "api")


@router.delete("/examples/{example_id}", status_code=204, responses=ERRORS)
async def remove_example(example_id: Annotated[int, Path(ge=1, le=MAX_ID)], _admin: AdminUser, access: AccessDep,
                         knowledge: KnowledgeDep, db: str = Query(min_length=1, max_length=2048)) -> None:
    db = access.db(db)
    if not await _call(lambda: knowledge.examples(db).remove(example_id)):
        raise ApiError(404, f"no example {example_id} for '{db}'")


@router.post("/feedback", responses=ERRORS)
async def feedback(body: FeedbackBody, access: AccessDep, knowledge: KnowledgeDep, audit: AuditDep) -> dict:
    """The UI's thumbs-up / thumbs-down on an answer. A confirmed pair becomes
    a verified example, checked as POST /examples checks one (422 when it fails);
    a rejected one is not stored."""
    access.db(body.db)
    if not body.correct:
        return {"stored": False, "example": None}
    example = await _add_example(access, knowledge, audit, body.db, body.question, body.sql, "feedback")
    return {"stored": True, "example": example}
