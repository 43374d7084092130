"""The user's database connections: /api/v1/connections."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from server.api.deps import AccessDep, AdminUser, AuditDep, CurrentUser, DatabasesDep, ServicesDep, SettingsDep
from server.api.errors import ApiError
from server.databases import DEMO
from server.imports import remove_files
from server.metadata.connections import split_url, with_password

router = APIRouter(prefix="/connections", tags=["connections"])


class ConnectionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=1, description="A SQLAlchemy URL; a password in it (user part or ?password=) "
                                               "is stored encrypted.")
    password: str | None = Field(None, description="The password, if not in the URL.")
    description: str = ""
    test: bool = Field(True, description="Connect once before saving; refuse to save when that fails.")


class ConnectionUpdate(BaseModel):
    url: str | None = None
    password: str | None = None
    description: str | None = None


class ConnectionOut(BaseModel):
    name: str
    url: str
    engine: str
    description: str
    has_password: bool
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class TestResult(BaseModel):
    ok: bool
    engine: str | None = None
    elapsed_ms: float
    detail: str | None = None
    warnings: list[str] = Field(default_factory=list, description="The account's dangerous privileges, each "
                                "with why it matters; connect with a low-privilege, read-only account instead.")


class RefreshResult(BaseModel):
    fingerprint: str
    tables: int
    changed: bool


def _out(info) -> ConnectionOut:
    return ConnectionOut(**vars(info))


def _demo_out(settings) -> ConnectionOut:
    path = settings.demo_db_path
    return ConnectionOut(name=DEMO, url=f"sqlite:///{path}", engine="sqlite", builtin=True,
                         description="The embedded demo shop database.", has_password=False)


def _check(connector) -> TestResult:
    """SELECT 1, then the account's dangerous privileges as warnings."""
    from connectors.privileges import dangerous_privileges

    start = time.perf_counter()
    try:
        connector.run("SELECT 1")
        elapsed_ms = (time.perf_counter() - start) * 1000
        warnings = [f"{p.name}: {p.reason}" for p in dangerous_privileges(connector)]
    except Exception as exc:  # any failure to reach the database is the test's answer
        return TestResult(ok=False, elapsed_ms=(time.perf_counter() - start) * 1000, detail=str(exc))
    return TestResult(ok=True, engine=connector.engine_name, elapsed_ms=elapsed_ms, warnings=warnings)


def _probe(databases, url: str) -> TestResult:
    """Open `url` as the catalog would (confined, its account checked), check it and close it."""
    connector = databases.open(url)
    try:
        return _check(connector)
    finally:
        connector.close()


@router.get("", response_model=list[ConnectionOut])
async def list_connections(user: CurrentUser, databases: DatabasesDep, settings: SettingsDep):
    """The databases the caller may use (an admin sees all)."""
    mine = [i for i in databases.registry.list() if user.may_use_db(i.name)]
    return [_demo_out(settings), *(_out(i) for i in mine)]


@router.post("", response_model=ConnectionOut, status_code=201)
async def create_connection(body: ConnectionCreate, _admin: AdminUser, services: ServicesDep,
                            audit: AuditDep):
    """Register a connection. A file outside the file roots is refused before anything is opened;
    with DBGPT_REFUSE_PRIVILEGED=1 the account is checked (so connected to) even without `test`."""
    databases, settings = services.databases, services.settings
    audit.touch(db=body.name)
    bare, secret = split_url(body.url, body.password)  # an unsupported URL is refused before we connect
    databases.confine(bare)
    if body.test or settings.refuse_privileged:
        result = await asyncio.to_thread(_probe, databases, with_password(bare, secret))
        if not result.ok:
            raise ApiError(400, f"cannot connect: {result.detail}")
    info = databases.registry.add(body.name, body.url, password=body.password, description=body.description,
                                  reserved=(DEMO,))
    services.warmup.warm(info.name)
    return _out(info)


@router.get("/{name}", response_model=ConnectionOut)
async def get_connection(name: str, access: AccessDep, databases: DatabasesDep, settings: SettingsDep):
    if name == DEMO:
        return _demo_out(settings)
    return _out(databases.registry.get(access.db(name)))


@router.patch("/{name}", response_model=ConnectionOut)
async def update_connection(name: str, body: ConnectionUpdate, _admin: AdminUser, services: ServicesDep):
    """Change a connection. A new URL drops the stored password unless a new one is given."""
    databases = services.databases
    if body.url is not None:
        databases.confine(body.url)
    info = databases.registry.update(name, url=body.url, password=body.password, description=body.description)
    databases.forget(name)
    services.warmup.warm(info.name)
    return _out(info)


@router.delete("/{name}", status_code=204)
async def delete_connection(name: str, _admin: AdminUser, services: ServicesDep):
    """Forget a connection and the grants to it; a database made by importing files is deleted too."""
    url = services.databases.registry.full_url(name)
    services.databases.registry.remove(name)
    services.databases.forget(name)
    services.users.forget_target("db", name)
    await asyncio.to_thread(remove_files, services.settings, url)
    return Response(status_code=204)


@router.post("/{name}/test", response_model=TestResult)
async def test_connection(name: str, access: AccessDep, audit: AuditDep):
    audit.touch(db=name, sql="SELECT 1")
    connector = await access.connector(name)
    return await asyncio.to_thread(_check, connector)


@router.post("/{name}/refresh", response_model=RefreshResult)
async def refresh_connection(name: str, access: AccessDep, databases: DatabasesDep, audit: AuditDep):
    audit.touch(db=name)
    db = access.db(name)
    schema, changed = await asyncio.to_thread(databases.refresh, db)
    if changed:
        access.services.warmup.warm(db)
    return RefreshResult(fingerprint=schema.fingerprint, tables=len(schema.tables), changed=changed)
