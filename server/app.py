"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from llm.client import LLM, ControllerClient, LLMError, LLMUnavailable
from llm.model_files import is_verified, spec_for, cached_path
from server.api import health, sql
from server.databases import DatabaseCatalog, UnknownDatabase
from server.settings import Settings


def _model_hint(settings: Settings) -> str:
    """When the model file is absent, say which command brings it."""
    if settings.model_path is not None:
        return ""
    try:
        spec = spec_for(settings.model_name)
    except Exception:
        return ""
    if is_verified(cached_path(spec, settings.models_path), spec):
        return ""
    return " The model file is not downloaded: run `dbgpt model pull`, then `dbgpt serve`."


def create_app(settings: Settings, llm: LLM | None = None) -> FastAPI:
    databases = DatabaseCatalog(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        databases.close()

    app = FastAPI(
        title="DB-GPT",
        description="A local, private database assistant.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.databases = databases
    app.state.llm = llm or ControllerClient(
        settings.resolved_controller_url, settings.model_name, timeout_s=settings.llm_timeout_s
    )

    @app.exception_handler(UnknownDatabase)
    async def unknown_database(_request: Request, exc: UnknownDatabase):
        return JSONResponse(status_code=404, content={"detail": str(exc), "known": exc.known})

    @app.exception_handler(LLMUnavailable)
    async def llm_unavailable(_request: Request, exc: LLMUnavailable):
        return JSONResponse(status_code=503, content={"detail": str(exc) + _model_hint(settings)})

    @app.exception_handler(LLMError)
    async def llm_error(_request: Request, exc: LLMError):
        return JSONResponse(status_code=502, content={"detail": str(exc), "code": exc.code})

    app.include_router(health.router)
    app.include_router(sql.router)
    return app
