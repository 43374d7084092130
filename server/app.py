"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from llm.client import LLM, ControllerClient
from llm.model_files import ModelNotFound, cached_path, is_verified, spec_for
from server.api import connections, health, sql
from server.api import knowledge as knowledge_api
from server.api import qa as qa_api
from server.api import diagnose as diagnose_api
from server.api.errors import install_error_handlers
from server.api.openai import create_openai_app
from server.conversations import Conversations
from server.databases import DatabaseCatalog
from server.settings import Settings
from server.api_docs import mount_api_docs
from server.ui import mount_ui


def _model_hint(settings: Settings) -> str:
    """When the model file is absent, say which command brings it."""
    if settings.model_path is not None:
        return ""
    try:
        spec = spec_for(settings.model_name)
    except ModelNotFound:
        return ""
    if is_verified(cached_path(spec, settings.models_path), spec):
        return ""
    return " The model file is not downloaded: run `dbgpt model pull`, then `dbgpt serve`."


def create_app(settings: Settings, llm: LLM | None = None, knowledge=None) -> FastAPI:
    databases = DatabaseCatalog(settings)
    # Knowledge loads its embedder and store on first use, not here.
    from knowledge.service import Knowledge

    knowledge = knowledge or Knowledge(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        databases.close()
        knowledge.close()

    app = FastAPI(
        title="DB-GPT",
        description="A local, private database assistant.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by mount_api_docs without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.databases = databases
    app.state.knowledge = knowledge
    app.state.conversations = Conversations()
    app.state.llm = llm or ControllerClient(
        settings.resolved_controller_url, settings.model_name, secret=settings.resolve_cluster_secret(),
        timeout_s=settings.llm_timeout_s, attempts=settings.llm_attempts,
    )

    install_error_handlers(app, lambda: _model_hint(settings))
    app.include_router(health.router)
    app.include_router(sql.router)
    app.include_router(connections.router)
    app.include_router(diagnose_api.router)
    app.include_router(knowledge_api.router)
    app.include_router(qa_api.router)
    app.mount("/v1", create_openai_app(settings, app.state.llm))  # OpenAI-compatible, own error shape
    mount_api_docs(app)
    mount_ui(app)
    return app
