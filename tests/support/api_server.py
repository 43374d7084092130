"""The real API served by uvicorn on a free port, with HTTP clients signed in as its users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from server.app import create_app
from server.settings import Settings
from tests.support.auth import api_key, bearer
from tests.support.helpers import serve_app


@dataclass
class Served:
    url: str
    settings: Settings
    services: object  # the app's Services: its catalog, registry, knowledge
    admin: httpx.Client

    def client(self, user: str, role: str = "analyst", **grants: list[str]) -> httpx.Client:
        """A client signed in as `user` (created with `role`), with grants such as db=["shop"]."""
        key = api_key(self.settings, user, role, grants=grants)
        return httpx.Client(base_url=self.url, headers=bearer(key), timeout=60)


@contextmanager
def served(settings: Settings, **app_options) -> Iterator[Served]:
    """`create_app(settings, **app_options)` served; an admin client comes with it."""
    app = create_app(settings, **app_options)
    with serve_app(app) as url, httpx.Client(base_url=url, headers=bearer(api_key(settings)), timeout=60) as admin:
        yield Served(url, settings, app.state.services, admin)
