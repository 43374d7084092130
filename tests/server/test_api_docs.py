"""/docs (Swagger UI) and /redoc from installed files: they render in a real
browser with every outside request refused and nothing in the console, and
neither points at a CDN."""

import pytest

from tests.support.auth import sign_in
from tests.support.helpers import serve_app


def test_docs_load_their_assets_from_this_server(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text and "cdn." not in page.text
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    redoc = client.get("/redoc")
    assert "/docs-assets/redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text
    script = client.get("/docs-assets/redoc.standalone.js")
    assert script.status_code == 200 and "cdn.redoc.ly" not in script.text and "/docs-assets/favicon.png" in script.text
    assert client.get("/openapi.json").json()["info"]["title"] == "DB-GPT"


@pytest.mark.parametrize("path, operation", [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")])
def test_docs_render_the_operations_in_a_browser_offline(client, page, path, operation):
    console = []  # a request the CSP refuses never reaches the network, only the console
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    with serve_app(client.app) as url:
        sign_in(page, url, client.app.state.services.settings)
        page.goto(url + path)
        page.wait_for_selector(operation)
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
    assert "/api/v1/sql/generate" in text
    assert console == []
