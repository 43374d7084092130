"""Static files behind sign-in: the chat page's scripts and the API docs' assets.

Plain ASGI around a StaticFiles app; only the files the login page itself
needs are served to a stranger.
"""

from __future__ import annotations

import asyncio
import json

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from server.api.deps import identify


class SignedInOnly:
    def __init__(self, app: ASGIApp, users, open_files: frozenset[str] = frozenset()):
        self.app = app
        self.users = users
        self.open_files = open_files  # file names (the last path segment) anyone may fetch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rsplit("/", 1)[-1] not in self.open_files:
            user = await asyncio.to_thread(identify, Request(scope), self.users)
            if user is None:
                body = json.dumps({"detail": "sign in first"}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
