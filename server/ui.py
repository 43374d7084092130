"""The browser chat UI: static files from `ui/`, served by the API itself.

The page may talk to this server only (a Content-Security-Policy says so), so
nothing a user types or sees can leave the machine through the browser.
A visitor without a session gets the login page; `/?token=...` (the one-time
URL `dbgpt serve` prints) signs the browser in and drops the token from the
address bar.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from server.api.auth import set_session_cookie
from server.api.deps import identify
from server.static_gate import SignedInOnly

UI_DIR = Path(__file__).resolve().parents[1] / "ui"
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# Set per response rather than by an HTTP middleware: such a middleware wraps
# every route and hides a client's disconnect from the API's streaming answers.
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}
# What the login page itself loads: anyone may fetch these.
LOGIN_FILES = frozenset({"login.js", "style.css"})


class _FencedFiles(StaticFiles):
    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response


def mount_ui(app: FastAPI, services, folder: Path = UI_DIR) -> None:
    """`/` is the chat page (or the login page) and `/ui/...` its scripts and styles."""
    if not (folder / "index.html").is_file():
        return  # an install without the UI still serves the API
    users, settings = services.users, services.settings

    @app.get("/", include_in_schema=False)
    async def index(request: Request, token: str | None = None) -> Response:
        if token:
            user = await asyncio.to_thread(users.use_login_token, token)
            if user is None:
                return RedirectResponse("/?login=expired", status_code=303, headers=HEADERS)
            session = await asyncio.to_thread(users.create_session, user.name, settings.session_ttl_s)
            response = RedirectResponse("/", status_code=303, headers=HEADERS)
            set_session_cookie(response, request, session, settings.session_ttl_s)
            return response
        signed_in = await asyncio.to_thread(identify, request, users) is not None
        page = "index.html" if signed_in else "login.html"
        return FileResponse(folder / page, media_type="text/html", headers=HEADERS)

    app.mount("/ui", SignedInOnly(_FencedFiles(directory=folder), users, LOGIN_FILES), name="ui")
