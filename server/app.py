"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from llm.client import LLM, ControllerClient
from llm.model_files import ModelNotFound, cached_path, is_verified, spec_for
from server.api import audit as audit_api
from server.api import auth as auth_api
from server.api import chat, connections, conversations, health, sql, suggestions, users
from server.api import diagnose as diagnose_api
from server.api import knowledge as knowledge_api
from server.api import qa as qa_api
from server.api.deps import Services, current_user
from server.api.errors import install_error_handlers
from server.api.openai import create_openai_app
from server.api_docs import mount_api_docs
from server.auth.audit import AuditLog
from server.conversations import Conversations
from server.databases import DatabaseCatalog
from server.http_limits import BodyLimit
from server.metadata import open_metadata, open_registry, open_users
from server.settings import Settings
from server.ui import mount_ui

API_PREFIX = "/api/v1"


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


def _routes(app: FastAPI) -> None:
    """Every route but /healthz and signing in needs a credential; the prefix is applied here, once."""
    app.include_router(health.router)
    app.include_router(auth_api.public_router, prefix=API_PREFIX)
    signed_in = [Depends(current_user)]
    for module in (chat, sql, suggestions, diagnose_api, connections, conversations, knowledge_api, qa_api, auth_api,
                   users, audit_api):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=signed_in)

    @app.get("/openapi.json", include_in_schema=False, dependencies=signed_in)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())


def create_app(settings: Settings, llm: LLM | None = None, knowledge=None) -> FastAPI:
    settings.ensure_dirs()
    engine = open_metadata(settings)
    databases = DatabaseCatalog(settings, open_registry(settings, engine))
    # Knowledge loads its embedder and store on first use, not here.
    from knowledge.service import Knowledge

    knowledge = knowledge or Knowledge(settings)
    llm = llm or ControllerClient(settings.resolved_controller_url, settings.model_name,
                                  secret=settings.resolve_cluster_secret(), timeout_s=settings.llm_timeout_s,
                                  attempts=settings.llm_attempts)
    services = Services(settings=settings, databases=databases, knowledge=knowledge, llm=llm,
                        users=open_users(settings, engine), audit=AuditLog(engine), conversations=Conversations(engine))

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        databases.close()
        knowledge.close()

    app = FastAPI(
        title="DB-GPT",
        description="A local, private database assistant. Every route but /healthz needs a credential: "
                    "an API key (`Authorization: Bearer dbgpt_...`) or the chat page's session cookie.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by mount_api_docs without a CDN, behind sign-in
        redoc_url=None,
        openapi_url=None,  # served by _routes behind sign-in
    )
    app.state.services = services
    install_error_handlers(app, lambda: _model_hint(settings))
    _routes(app)
    app.mount("/v1", create_openai_app(services))  # OpenAI-compatible, own error shape
    mount_api_docs(app, services.users)
    mount_ui(app, services)
    # Outermost first: a request with a foreign Host (DNS rebinding) or an oversized body
    # is answered before anything else sees it.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes,
                       upload_prefixes=(f"{API_PREFIX}/knowledge/", f"{API_PREFIX}/files"))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.resolved_allowed_hosts)
    return app
