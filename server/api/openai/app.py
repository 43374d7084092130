"""The OpenAI-compatible API as its own ASGI app, mounted at /v1.

A sub-application keeps OpenAI's error shape for everything under /v1
(validation errors and unknown paths included) without changing how the
rest of the API answers.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from server.api.openai.auth import require_api_key
from server.api.openai.errors import install_openai_error_handlers
from server.api.openai.routes import router


def create_openai_app(settings, llm) -> FastAPI:
    """`llm` is the model layer's client (llm.client.ControllerClient or LocalClient)."""
    app = FastAPI(title="DB-GPT OpenAI-compatible API", version="0.1.0",
                  dependencies=[Depends(require_api_key)])
    app.state.settings = settings
    app.state.llm = llm
    install_openai_error_handlers(app)
    app.include_router(router)
    return app
