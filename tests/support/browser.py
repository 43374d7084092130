"""A real browser (Chromium through Playwright) and an app served on a real port.

Chromium comes from the system (`make system-deps` installs Debian's); where it
is absent the browser tests skip with that reason, except under
DBGPT_REQUIRE_SERVICES=1, where its absence fails the run. The fixtures are
registered once for the whole run from tests/conftest.py. Each test gets its
own Playwright and Chromium, stopped after it: a Playwright sync instance holds
an event loop on the main thread while it lives, and every later test that
calls asyncio.run() would fail beside it.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from tests.support.helpers import missing


def chromium_path() -> str | None:
    return os.environ.get("DBGPT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser():
    path = chromium_path()
    if path is None:
        missing("Chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page whose requests may reach 127.0.0.1 only; any other is
    aborted and fails the test, so the UI is shown to need nothing outside."""
    context = browser.new_context()
    outside: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert outside == [], f"the page tried to reach outside the machine: {outside}"
    assert errors == [], f"the page raised: {errors}"
