"""Files as tables: /api/v1/files.

A user uploads CSV, TSV, spreadsheets, Parquet or JSON; they become one DuckDB
database (one table per file, or per sheet), registered as a connection under
the name given, ready for /sql/run, /sql/generate and the rest at once
(server/imports.py has the steps and what a failure leaves: nothing).

Importing registers a connection, which is an admin's act. Analysts may import
only where the server allows it (DBGPT_ANALYST_IMPORTS=1); each database an
analyst imports is granted to that analyst alone, and they cannot replace or
remove it (admins can).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from connectors.file_import import SUFFIXES, ZIP_SUFFIXES, FileRejected
from server import imports, uploads
from server.api.deps import AuditDep, CurrentUser, ServicesDep, SettingsDep
from server.api.errors import ApiError
from server.api.schemas import ErrorBody
from server.auth.users import User

router = APIRouter(prefix="/files", tags=["files"])

IMPORTABLE = uploads.Accepted(SUFFIXES, ZIP_SUFFIXES, what="files")
STATUS = {"unsupported": 415, "malformed": 422, "too_many_rows": 413, "too_large": 413}
ERRORS = {status: {"model": ErrorBody} for status in (400, 403, 409, 413, 415, 422)}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "name": {"type": "string", "description": "The connection name; default: made from the first file's name."},
    }}}}}}


class ImportedColumn(BaseModel):
    name: str
    type: str


class ImportedTable(BaseModel):
    name: str
    source: str
    rows: int
    columns: list[ImportedColumn]


class ImportOut(BaseModel):
    name: str
    tables: list[ImportedTable]


def may_import(user: CurrentUser, settings: SettingsDep) -> User:
    if user.is_admin or settings.analyst_imports:
        return user
    raise ApiError(403, f"importing a file registers a database, which needs the admin role; '{user.name}' is an "
                        f"{user.role} (an admin can let analysts import with DBGPT_ANALYST_IMPORTS=1)")


Importer = Annotated[User, Depends(may_import)]


def rejected(exc: FileRejected) -> ApiError:
    where = {k: v for k, v in (("line", exc.line), ("column", exc.column)) if v is not None}
    return ApiError(STATUS.get(exc.kind, 422), exc.message, kind=exc.kind, file=exc.file, **where)


@router.post("", status_code=201, response_model=ImportOut, responses=ERRORS, openapi_extra=UPLOAD_BODY)
async def import_files(request: Request, user: Importer, services: ServicesDep, audit: AuditDep):
    """Upload files (multipart/form-data, one file part each, and an optional `name` field) and
    make them one database: a table per file, or per sheet of a spreadsheet.

    CSV and TSV (types detected by DuckDB's sniffer), XLSX/XLSM/XLS/ODS, Parquet, JSON and
    NDJSON; anything else is 415. At most DBGPT_MAX_UPLOAD_FILES files and
    DBGPT_MAX_UPLOAD_BYTES bytes together (413), and DBGPT_MAX_IMPORT_ROWS rows a table
    (413). A file a reader cannot read is 422, naming the file and, where the reader says,
    the line and column. A name that a connection has is 409. A refused import leaves
    nothing registered and nothing on disk.
    """
    settings = services.settings
    staging = settings.imports_path / f".upload-{uuid.uuid4().hex}"
    try:
        form = await uploads.receive_form(request.headers.get("content-type", ""), request.stream(), staging,
                                          max_bytes=settings.max_upload_bytes, max_files=settings.max_upload_files,
                                          accepted=IMPORTABLE)
        name = form.fields.get("name", "").strip() or None
        audit.touch(db=name)

        def grant(imported: str) -> None:
            services.users.grant(user.name, "db", imported)

        done = await asyncio.to_thread(imports.import_files, settings, services.databases.registry, form.files,
                                       name=name, move=True, grant=None if user.is_admin else grant)
    except uploads.UploadRefused as exc:
        raise ApiError(exc.status, exc.message) from exc
    except FileRejected as exc:
        raise rejected(exc) from exc
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)
    audit.touch(db=done.name, row_count=sum(t.rows for t in done.tables))
    services.warmup.warm(done.name)
    return done.to_dict()
