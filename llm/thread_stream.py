"""Bridge a blocking engine's chunk iterator into asyncio."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, AsyncIterator, Protocol

from llm.protocol import INTERNAL_ERROR, Chunk


class Engine(Protocol):
    n_ctx: int

    def stream(self, params: dict[str, Any], cancelled: threading.Event | None = None): ...

    def count_tokens(self, text: str) -> int: ...


async def thread_stream(engine: Engine, params: dict[str, Any]) -> AsyncIterator[Chunk]:
    """Run the blocking engine in a thread and hand its chunks to the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancelled = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for chunk in engine.stream(params, cancelled):
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
        except Exception as exc:  # the engine's error becomes a protocol error chunk
            loop.call_soon_threadsafe(queue.put_nowait, Chunk(text=f"worker error: {exc}", error_code=INTERNAL_ERROR))
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, done)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while (item := await queue.get()) is not done:
            yield item
    finally:
        # The caller went away (or we finished): stop generating, then wait so
        # the next request never overlaps this one on the same engine.
        cancelled.set()
        await asyncio.to_thread(thread.join)
