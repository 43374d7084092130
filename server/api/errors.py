"""Domain errors become HTTP answers here, in one table, each with a message.

No answer ever echoes the request's body: validation errors keep where and
what was wrong, never the value that was sent (it may hold a password or
megabytes of text), and an unexpected error is a 500 with no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from connectors.types import ConnectorError, GuardRefusal, QueryTimeout
from llm.client import LLMError, LLMUnavailable
from server.auth.users import AuthError, UserNotFound
from server.databases import DatabaseNotAllowed, UnknownDatabase
from server.metadata.connections import ConnectionExists, ConnectionNotFound, InvalidConnection
from server.metadata.secrets import SecretError

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.extra = extra


def _no_extra(_exc: Exception) -> dict[str, Any]:
    return {}


# Exception class -> (status, extra fields of the answer). Order matters: the
# first class an error is an instance of decides (subclasses before bases).
ERROR_TABLE: tuple[tuple[type[Exception], int, Callable[[Any], dict[str, Any]]], ...] = (
    (UnknownDatabase, 404, lambda e: {"known": e.known}),
    (DatabaseNotAllowed, 403, _no_extra),
    (ConnectionNotFound, 404, _no_extra),
    (UserNotFound, 404, _no_extra),
    (ConnectionExists, 409, _no_extra),
    (InvalidConnection, 422, _no_extra),
    (AuthError, 422, _no_extra),
    (SecretError, 500, _no_extra),
    (GuardRefusal, 400, lambda e: {"kind": "refused", "rule": e.rule}),
    (QueryTimeout, 408, lambda _e: {"kind": "timeout"}),
    (ConnectorError, 400, lambda _e: {"kind": "execution"}),
    (LLMUnavailable, 503, _no_extra),
    (LLMError, 502, lambda e: {"code": e.code}),
)


def model_hint(settings) -> str:
    """When the model file is absent, say which command brings it."""
    if settings.model_path is not None:
        return ""
    from llm.model_files import ModelNotFound, cached_path, is_verified, spec_for

    try:
        spec = spec_for(settings.model_name)
    except ModelNotFound:
        return ""
    if is_verified(cached_path(spec, settings.models_path), spec):
        return ""
    return " The model file is not downloaded: run `dbgpt model pull`, then `dbgpt serve`."


def validation_problems(exc: RequestValidationError | ValidationError) -> list[dict[str, Any]]:
    """Where and what, without the input that was sent."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]


def answer_for(exc: Exception, model_hint: Callable[[], str]) -> tuple[int, str, dict[str, Any]] | None:
    """The status, message and extra fields a domain error is answered with; None for an unexpected one.

    The HTTP handlers below and the MCP tools (server/mcp) both answer from here, so an error
    reads the same whichever way it was asked."""
    if isinstance(exc, ApiError):
        return exc.status, exc.detail, exc.extra
    for error_class, status, extra in ERROR_TABLE:
        if isinstance(exc, error_class):
            return status, str(exc) + (model_hint() if status == 503 else ""), extra(exc)
    return None


def unexpected_detail(exc: Exception) -> str:
    return f"internal error ({type(exc).__name__}); the server log has the details"


def install_error_handlers(app: FastAPI, model_hint) -> None:
    """`model_hint()` returns text naming the command that fetches a missing model."""

    def answer(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
        return JSONResponse(status_code=status, content={"detail": detail, **extra}, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(_r: Request, exc: ApiError):
        return answer(exc.status, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_r: Request, exc: RequestValidationError):
        return JSONResponse(status_code=422, content={"detail": validation_problems(exc)})

    async def domain_error(_r: Request, exc: Exception):
        status, detail, extra = answer_for(exc, model_hint)
        return answer(status, detail, **extra)

    for error_class, _status, _extra in ERROR_TABLE:
        app.add_exception_handler(error_class, domain_error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(500, unexpected_detail(exc))
