"""Interactive API docs (Swagger UI at /docs, ReDoc at /redoc) from files
installed with the package.

FastAPI's default pages load their scripts from a CDN (and ReDoc its fonts from
Google); both defaults are turned off in the app factory and the pages are
served here from fastapi-offline's copies, so reading the docs reaches nothing
outside the machine. ReDoc's script itself draws Redocly's logo from their CDN
in its menu, with no option to turn it off: that address is pointed at the
local favicon as the script is served.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
# Each page is one inline script; everything it loads comes from this server.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'")


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=1)
def _redoc_script(path: Path, logo: str) -> bytes:
    return path.read_text(encoding="utf-8").replace(REDOC_LOGO, logo).encode()


def _fenced(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CSP
    return page


def mount_api_docs(app: FastAPI, users) -> None:
    """The docs describe every route, so they too need a credential (`users` checks it)."""
    import fastapi_offline

    from server.api.deps import current_user
    from server.static_gate import SignedInOnly

    folder = Path(fastapi_offline.__file__).parent / "static"
    favicon = f"{ASSETS}/favicon.png"
    openapi_url = "/openapi.json"

    # Before the mount below, which would otherwise serve the file as installed.
    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False, dependencies=[Depends(current_user)])
    async def redoc_script() -> Response:
        return Response(_redoc_script(folder / "redoc.standalone.js", favicon), media_type="text/javascript")

    app.mount(ASSETS, SignedInOnly(StaticFiles(directory=folder), users), name="docs-assets")

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(current_user)])
    async def swagger() -> HTMLResponse:
        return _fenced(get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} API", swagger_favicon_url=favicon,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_ui_parameters={"validatorUrl": None},  # the validator badge would call validator.swagger.io
        ))

    @app.get("/redoc", include_in_schema=False, dependencies=[Depends(current_user)])
    async def redoc() -> HTMLResponse:
        return _fenced(get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API",
                                      redoc_js_url=f"{ASSETS}/redoc.standalone.js", redoc_favicon_url=favicon,
                                      with_google_fonts=False))
