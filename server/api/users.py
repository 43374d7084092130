"""Users, grants and API keys: /api/v1/users and /api/v1/keys (admin only)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from server.api.deps import AdminUser, ServicesDep
from server.api.errors import ApiError

router = APIRouter(tags=["users"])


class UserOut(BaseModel):
    name: str
    role: Literal["admin", "analyst"]
    databases: list[str]
    spaces: list[str]


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["admin", "analyst"] = "analyst"
    password: str | None = Field(None, min_length=8, max_length=1024, description="Needed to sign in on the page.")


class GrantBody(BaseModel):
    kind: Literal["db", "space"]
    target: str = Field(min_length=1, max_length=128, description="A registered database or a knowledge space.")


class KeyCreate(BaseModel):
    user: str = Field(min_length=1, max_length=64)
    label: str = Field("", max_length=200)


class KeyOut(BaseModel):
    id: str
    user: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class NewKey(KeyOut):
    key: str = Field(description="The whole key; shown this once and never again.")


@router.get("/users", response_model=list[UserOut])
async def list_users(_admin: AdminUser, services: ServicesDep):
    return [u.to_dict() for u in await asyncio.to_thread(services.users.list)]


@router.post("/users", response_model=UserOut, status_code=201)
async def add_user(body: UserCreate, _admin: AdminUser, services: ServicesDep):
    user = await asyncio.to_thread(services.users.add, body.name, body.role, body.password)
    return user.to_dict()


@router.delete("/users/{name}", status_code=204)
async def remove_user(name: str, admin: AdminUser, services: ServicesDep) -> Response:
    if name == admin.name:
        raise ApiError(409, "an admin cannot remove their own account; another admin can")
    await asyncio.to_thread(services.users.remove, name)
    return Response(status_code=204)


@router.post("/users/{name}/grants", response_model=UserOut)
async def grant(name: str, body: GrantBody, _admin: AdminUser, services: ServicesDep):
    return (await asyncio.to_thread(services.users.grant, name, body.kind, body.target)).to_dict()


@router.delete("/users/{name}/grants", response_model=UserOut)
async def revoke(name: str, _admin: AdminUser, services: ServicesDep, kind: Literal["db", "space"] = Query(),
                 target: str = Query(min_length=1, max_length=128)):
    return (await asyncio.to_thread(services.users.revoke, name, kind, target)).to_dict()


@router.get("/keys", response_model=list[KeyOut])
async def list_keys(_admin: AdminUser, services: ServicesDep, user: str | None = Query(None, max_length=64)):
    return [k.to_dict() for k in await asyncio.to_thread(services.users.list_keys, user)]


@router.post("/keys", response_model=NewKey, status_code=201)
async def create_key(body: KeyCreate, _admin: AdminUser, services: ServicesDep):
    info, key = await asyncio.to_thread(services.users.create_key, body.user, body.label)
    return {**info.to_dict(), "key": key}


@router.delete("/keys/{key_id}", status_code=204)
async def revoke_key(key_id: str, _admin: AdminUser, services: ServicesDep) -> Response:
    await asyncio.to_thread(services.users.revoke_key, key_id)
    return Response(status_code=204)
