"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Route

from llm.client import LLM
from server.api import audit as audit_api
from server.api import auth as auth_api
from server.api import chat, connections, conversations, descriptions, files, health, sql, suggestions, users
from server.api import diagnose as diagnose_api
from server.api import knowledge as knowledge_api
from server.api import qa as qa_api
from server.api.deps import build_services, current_user
from server.api.errors import install_error_handlers, model_hint
from server.api.openai import create_openai_app
from server.api_docs import mount_api_docs
from server.http_limits import BodyLimit
from server.mcp.http import McpEndpoint
from server.settings import Settings
from server.ui import mount_ui

API_PREFIX = "/api/v1"


def _routes(app: FastAPI) -> None:
    """Every route but /healthz and signing in needs a credential; the prefix is applied here, once."""
    app.include_router(health.router)
    app.include_router(auth_api.public_router, prefix=API_PREFIX)
    signed_in = [Depends(current_user)]
    for module in (chat, sql, suggestions, diagnose_api, connections, conversations, files, descriptions,
                   knowledge_api, qa_api, auth_api, users, audit_api):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=signed_in)

    @app.get("/openapi.json", include_in_schema=False, dependencies=signed_in)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())


def create_app(settings: Settings, llm: LLM | None = None, knowledge=None) -> FastAPI:
    services = build_services(settings, llm, knowledge)
    databases, knowledge = services.databases, services.knowledge

    mcp = McpEndpoint(services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        services.warmup.warm_all()  # in the background: start-up does not wait for it
        async with mcp.running():  # the MCP SDK's session manager lives as long as the app
            yield
        services.warmup.close()
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
    install_error_handlers(app, lambda: model_hint(settings))
    _routes(app)
    app.mount("/v1", create_openai_app(services))  # OpenAI-compatible, own error shape
    # MCP over streamable HTTP, for API keys (server/mcp/http.py); a route, not a mount, so that
    # tests/support/routes.py walks it with the others.
    app.router.routes.append(Route("/mcp", mcp, methods=["GET", "POST", "DELETE"], include_in_schema=False))
    mount_api_docs(app, services.users)
    mount_ui(app, services)
    # Outermost first: a request with a foreign Host (DNS rebinding) or an oversized body
    # is answered before anything else sees it.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes,
                       upload_prefixes=(f"{API_PREFIX}/knowledge/", f"{API_PREFIX}/files"))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.resolved_allowed_hosts)
    return app
