"""A cap on request bodies, as plain ASGI so streaming answers keep seeing a client leave.

A body declared larger than the cap is refused before it is read; a body sent
without a length is counted as it arrives and refused once past the cap.
Uploads (multipart routes) have their own, larger cap.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body reading passes it on as the 413 it is."""

    def __init__(self, cap: int):
        super().__init__(413, f"the request body is larger than {cap} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int, upload_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.upload_prefixes = upload_prefixes

    def _cap(self, scope: Scope) -> int:
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        uploads = content_type.startswith(b"multipart/form-data") and scope["path"].startswith(self.upload_prefixes)
        return self.upload_bytes if uploads else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self._cap(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _too_large(send, cap)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(cap)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, cap)


async def _too_large(send: Send, cap: int) -> None:
    body = json.dumps({"detail": f"the request body is larger than {cap} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
