"""/mcp on the API: the MCP server over streamable HTTP, for the REST API's own API keys.

A request without a valid key (`Authorization: Bearer dbgpt_...`) is answered 401 before the
MCP SDK sees it; a valid one carries its user to the tools, which check that user's grants.
The app's middleware (the Host check, the body limit) runs before this, as for every route.

The transport is stateless with JSON answers: every POST stands alone and is authenticated
alone, so no MCP session outlives a revoked key or passes from one key to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from server.api.deps import Services, bearer_token
from server.auth.users import User
from server.mcp import build_server

USER_KEY = "dbgpt.user"  # where the authenticated user rides in the ASGI scope
NO_KEY = "send 'Authorization: Bearer <API key>' (dbgpt key create --user NAME makes one)"


def request_user(request: Request | None) -> User:
    """The user the endpoint authenticated for this request."""
    if request is None or USER_KEY not in request.scope:
        raise RuntimeError("an MCP request over HTTP without an authenticated user")
    return request.scope[USER_KEY]


class McpEndpoint:
    """The ASGI app behind /mcp; `running()` belongs in the app's lifespan."""

    def __init__(self, services: Services):
        self.services = services
        self.server = build_server(services, request_user)
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A session manager runs once; each run of the app gets its own. The Host check is the
        # app's (DBGPT_ALLOWED_HOSTS), so the SDK's own, which knows only localhost, stays off.
        self.server.streamable_http_app(
            stateless_http=True, json_response=True, max_request_body_size=self.services.settings.max_body_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = bearer_token(Request(scope))
        user: User | None = None
        if token is not None:
            user = await asyncio.to_thread(self.services.users.user_for_key, token)
        if user is None:
            answer = JSONResponse({"detail": f"sign in first: {NO_KEY}"}, status_code=401,
                                  headers={"WWW-Authenticate": "Bearer"})
            await answer(scope, receive, send)
            return
        if self.manager is None:
            await JSONResponse({"detail": "the MCP endpoint is not running"}, status_code=503)(scope, receive, send)
            return
        await self.manager.handle_request({**scope, USER_KEY: user}, receive, send)
