"""The browser chat UI: static files from `ui/`, served by the API itself.

The page may talk to this server only (a Content-Security-Policy says so), so
nothing a user types or sees can leave the machine through the browser.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

UI_DIR = Path(__file__).resolve().parents[1] / "ui"
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# Set per response rather than by an HTTP middleware: such a middleware wraps
# every route and hides a client's disconnect from the API's streaming answers.
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class _FencedFiles(StaticFiles):
    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response


def mount_ui(app: FastAPI, folder: Path = UI_DIR) -> None:
    """`/` is the chat page and `/ui/...` its scripts and styles; the API keeps every other path."""
    if not (folder / "index.html").is_file():
        return  # an install without the UI still serves the API

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(folder / "index.html", media_type="text/html", headers=HEADERS)

    app.mount("/ui", _FencedFiles(directory=folder), name="ui")
