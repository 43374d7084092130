"""Optional bearer keys for /v1: with `api_keys` empty every caller is let in."""

from __future__ import annotations

import hmac

from fastapi import Request

from server.api.openai.errors import OpenAIError


async def require_api_key(request: Request) -> None:
    keys: list[str] = request.app.state.settings.api_keys
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OpenAIError(401, "You didn't provide an API key: send it as 'Authorization: Bearer KEY'.",
                          code="invalid_api_key")
    # Compare against every key in constant time, so timing reveals nothing.
    if not any(hmac.compare_digest(token.strip().encode(), key.encode()) for key in keys):
        raise OpenAIError(401, "Incorrect API key provided.", code="invalid_api_key")
