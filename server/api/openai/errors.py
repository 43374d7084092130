"""Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

OpenAI clients read `error.message` and branch on the HTTP status, so every
failure under /v1 (validation, auth, unknown model, no worker) answers here
and never in FastAPI's {"detail": ...} shape.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from llm.client import LLMBusy, LLMError, LLMUnavailable
from llm.protocol import CONTEXT_OVERFLOW
from server.api.errors import ApiError

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    429: "rate_limit_error",
}


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, *, type: str | None = None, param: str | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type or _TYPE_BY_STATUS.get(status, "server_error")
        self.param = param
        self.code = code

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(status_code=self.status, content=self.body())


def from_llm_error(exc: Exception) -> OpenAIError:
    """The model layer's exceptions, as the HTTP answer an OpenAI client expects."""
    if isinstance(exc, LLMBusy):
        return OpenAIError(429, str(exc), code="worker_busy")
    if isinstance(exc, LLMUnavailable):
        return OpenAIError(503, str(exc), type="server_error", code="model_unavailable")
    if isinstance(exc, LLMError):
        if exc.code == CONTEXT_OVERFLOW:
            return OpenAIError(400, str(exc), param="messages", code="context_length_exceeded")
        if exc.code < 50000:
            return OpenAIError(400, str(exc), code=str(exc.code))
        return OpenAIError(502, str(exc), type="server_error", code=str(exc.code))
    return OpenAIError(500, f"internal error: {exc}", type="server_error")


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "invalid request", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        return f"the request body is not valid JSON ({(first.get('ctx') or {}).get('error', 'parse error')})", None
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = ".".join(loc) or None
    message = first.get("msg", "invalid value").removeprefix("Value error, ")
    return (f"{param}: {message}" if param else message), param


def install_openai_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_r: Request, exc: ApiError):
        # Sign-in (401), role (403) and requests-in-flight (429) answers, in OpenAI's shape.
        code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(exc.status)
        response = OpenAIError(exc.status, exc.detail, code=code).response()
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(OpenAIError)
    async def openai_error(_r: Request, exc: OpenAIError):
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(_r: Request, exc: RequestValidationError):
        message, param = _validation_message(exc)
        return OpenAIError(400, message, param=param).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_r: Request, exc: StarletteHTTPException):
        return OpenAIError(exc.status_code, str(exc.detail)).response()

    @app.exception_handler(LLMUnavailable)
    async def unavailable(_r: Request, exc: LLMUnavailable):
        return from_llm_error(exc).response()

    @app.exception_handler(LLMError)
    async def llm_error(_r: Request, exc: LLMError):
        return from_llm_error(exc).response()
