"""The semantic layer over HTTP: what each table and column means.

Anyone who may use a database reads its descriptions; only admins write them,
since every user's questions are answered with them.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from server.api.deps import AccessDep, AdminUser, AuditDep, DatabasesDep
from server.api.errors import ApiError
from server.api.schemas import ErrorBody
from server.databases import UnknownDatabase
from server.metadata.descriptions import MAX_DESCRIPTION_CHARS, InvalidDescription, layer

router = APIRouter(prefix="/knowledge/descriptions", tags=["knowledge"])
ERRORS = {403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}}


class DescriptionBody(BaseModel):
    db: str = Field(min_length=1, max_length=128, description="A registered database name.")
    table: str = Field(min_length=1, max_length=256)
    column: str | None = Field(None, min_length=1, max_length=256, description="None describes the table.")
    description: str = Field(max_length=MAX_DESCRIPTION_CHARS, description="Empty removes the description.")


@router.get("", responses=ERRORS)
async def read(access: AccessDep, databases: DatabasesDep, audit: AuditDep,
               db: str = Query(min_length=1, max_length=128)) -> dict:
    name = access.db(db)
    audit.touch(db=name)
    connector = await access.connector(name)
    schema = await asyncio.to_thread(connector.introspect)
    stored = await asyncio.to_thread(databases.descriptions.list, name)
    return {"db": name, "tables": layer(schema, stored)}


@router.put("", responses=ERRORS)
async def write(body: DescriptionBody, _admin: AdminUser, access: AccessDep, databases: DatabasesDep,
                audit: AuditDep) -> dict:
    name = access.db(body.db)
    audit.touch(db=name)
    try:
        changed = await asyncio.to_thread(databases.describe, name, body.table, body.column, body.description)
    except UnknownDatabase as exc:
        raise ApiError(404, str(exc)) from exc
    except InvalidDescription as exc:
        raise ApiError(422, str(exc)) from exc
    return {"db": name, "table": body.table, "column": body.column, "changed": changed}
