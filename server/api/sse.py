"""Server-sent events as the product's streaming routes write them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi.responses import StreamingResponse

# A skill's events as (name, JSON data), before they are framed: /api/v1/chat relays them.
Events = AsyncIterator[tuple[str, Any]]


def sse_event(name: str, data: Any) -> bytes:
    """One named event whose data is JSON (values JSON cannot hold, such as dates, as text)."""
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n".encode()


def sse_response(events: Events) -> StreamingResponse:
    """A streaming response of `events`; when the caller leaves, the events are closed."""

    async def frames() -> AsyncIterator[bytes]:
        async with aclosing(events):
            async for name, data in events:
                yield sse_event(name, data)

    return StreamingResponse(frames(), media_type="text/event-stream")
