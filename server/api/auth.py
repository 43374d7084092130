"""Signing in and out of the browser page: /api/v1/auth.

The page signs in with a name and password (or the one-time URL that
`dbgpt serve` prints, handled by server/ui.py) and then holds a session
cookie: HttpOnly, so no script can read it; SameSite=Strict, so no other
site's page can send it; Secure when the server is reached over TLS.
"""

from __future__ import annotations

import asyncio
import math

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from server.api.deps import SESSION_COOKIE, CurrentUser, ServicesDep
from server.api.errors import ApiError
from server.auth.audit import AuditEntry

# Signing in is the one API route a stranger may call.
public_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    name: str
    role: str
    databases: list[str]
    spaces: list[str]


def set_session_cookie(response: Response, request: Request, token: str, ttl_s: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl_s, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


@public_router.post("/login", response_model=Me, responses={401: {"description": "wrong name or password"},
                                                            429: {"description": "too many failed sign-ins"}})
async def login(body: Login, request: Request, response: Response, services: ServicesDep) -> Me:
    client = request.client.host if request.client else "unknown"
    throttle = services.login_throttle
    if (wait := throttle.retry_after(body.name, client)) is not None:
        await _audit_refusal(services, body.name, "too many failed sign-ins: refused unchecked")
        raise ApiError(429, f"too many failed sign-ins: try again in {math.ceil(wait)} s",
                       headers={"Retry-After": str(math.ceil(wait))})
    user = await asyncio.to_thread(services.users.check_password, body.name, body.password)
    if user is None:
        throttle.failed(body.name, client)
        await _audit_refusal(services, body.name, "wrong name or password")
        raise ApiError(401, "wrong name or password")
    throttle.succeeded(body.name)
    ttl = services.settings.session_ttl_s
    token = await asyncio.to_thread(services.users.create_session, user.name, ttl)
    set_session_cookie(response, request, token, ttl)
    return Me(**user.to_dict())


async def _audit_refusal(services, name: str, detail: str) -> None:
    """A refused sign-in, for the admin's audit log (the name as typed, never the password)."""
    entry = AuditEntry(user=name, route="/api/v1/auth/login", outcome="denied", detail=detail, relevant=True)
    await asyncio.to_thread(services.audit.write, entry)


@router.post("/logout", status_code=204)
async def logout(request: Request, _user: CurrentUser, services: ServicesDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await asyncio.to_thread(services.users.end_session, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
async def me(user: CurrentUser) -> Me:
    return Me(**user.to_dict())
