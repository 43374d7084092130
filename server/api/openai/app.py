"""The OpenAI-compatible API as its own ASGI app, mounted at /v1.

A sub-application keeps OpenAI's error shape for everything under /v1
(validation errors and unknown paths included) without changing how the
rest of the API answers. It takes the same API keys and session as the rest.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from server.api.deps import current_user
from server.api.openai.errors import install_openai_error_handlers
from server.api.openai.routes import router


def create_openai_app(services) -> FastAPI:
    """`services` is the parent app's server.api.deps.Services."""
    app = FastAPI(title="DB-GPT OpenAI-compatible API", version="0.1.0", dependencies=[Depends(current_user)],
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.settings = services.settings
    app.state.llm = services.llm
    install_openai_error_handlers(app)
    app.include_router(router)
    return app
