"""Domain errors become HTTP answers here, in one place, each with a message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from connectors.types import ConnectorError, GuardRefusal, QueryTimeout
from llm.client import LLMError, LLMUnavailable
from server.databases import UnknownDatabase
from server.metadata.connections import ConnectionExists, ConnectionNotFound, InvalidConnection
from server.metadata.secrets import SecretError


class ApiError(Exception):
    def __init__(self, status: int, detail: str, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def install_error_handlers(app: FastAPI, model_hint) -> None:
    """`model_hint()` returns text naming the command that fetches a missing model."""

    def answer(status: int, detail: str, **extra: Any) -> JSONResponse:
        return JSONResponse(status_code=status, content={"detail": detail, **extra})

    @app.exception_handler(ApiError)
    async def api_error(_r: Request, exc: ApiError):
        return answer(exc.status, exc.detail, **exc.extra)

    @app.exception_handler(UnknownDatabase)
    async def unknown_database(_r: Request, exc: UnknownDatabase):
        return answer(404, str(exc), known=exc.known)

    @app.exception_handler(ConnectionNotFound)
    async def connection_not_found(_r: Request, exc: ConnectionNotFound):
        return answer(404, str(exc))

    @app.exception_handler(ConnectionExists)
    async def connection_exists(_r: Request, exc: ConnectionExists):
        return answer(409, str(exc))

    @app.exception_handler(InvalidConnection)
    async def invalid_connection(_r: Request, exc: InvalidConnection):
        return answer(422, str(exc))

    @app.exception_handler(SecretError)
    async def secret_error(_r: Request, exc: SecretError):
        return answer(500, str(exc))

    @app.exception_handler(GuardRefusal)
    async def refused(_r: Request, exc: GuardRefusal):
        return answer(400, str(exc), kind="refused", rule=exc.rule)

    @app.exception_handler(QueryTimeout)
    async def timeout(_r: Request, exc: QueryTimeout):
        return answer(408, str(exc), kind="timeout")

    @app.exception_handler(ConnectorError)
    async def database_error(_r: Request, exc: ConnectorError):
        return answer(400, str(exc), kind="execution")

    @app.exception_handler(LLMUnavailable)
    async def llm_unavailable(_r: Request, exc: LLMUnavailable):
        return answer(503, str(exc) + model_hint())

    @app.exception_handler(LLMError)
    async def llm_error(_r: Request, exc: LLMError):
        return answer(502, str(exc), code=exc.code)
