"""Server-sent events as the product's streaming routes write them."""

from __future__ import annotations

import json
from typing import Any


def sse_event(name: str, data: Any) -> bytes:
    """One named event whose data is JSON (values JSON cannot hold, such as dates, as text)."""
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n".encode()
