"""The cluster secret: what the controller, its workers and the API's model
client present to each other (`Authorization: Bearer <secret>`).

Without it, anything that reaches the controller's port could register a
worker and be sent every prompt, schemas and sample values included, and
anything that reaches a worker's port could use the model. The controller
and the workers refuse every request that lacks the secret with 403.
"""

from __future__ import annotations

import hmac
import json

SCHEME = b"bearer "


def auth_headers(secret: str) -> dict[str, str]:
    """The headers every request inside the cluster carries."""
    return {"Authorization": f"Bearer {secret}"}


def _check(secret: str) -> str:
    if not secret:
        raise ValueError("an empty cluster secret would let anyone in")
    return secret


class ClusterSecretRequired:
    """ASGI middleware: HTTP and WebSocket requests without the secret get 403;
    lifespan events pass through. The comparison takes constant time."""

    def __init__(self, app, secret: str):
        self.app = app
        self._expected = SCHEME + _check(secret).encode()

    def _allowed(self, scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                # The scheme is case-insensitive (RFC 9110); the secret is not.
                given = value[:len(SCHEME)].lower() + value[len(SCHEME):]
                return hmac.compare_digest(given, self._expected)
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"detail": "this endpoint needs the cluster secret "
                                     "(Authorization: Bearer, DBGPT_CLUSTER_SECRET)"}).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
