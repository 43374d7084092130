"""Bridge a blocking engine's chunk iterator into asyncio."""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any, AsyncIterator, Protocol

import anyio

from llm.protocol import INTERNAL_ERROR, Chunk


class Engine(Protocol):
    n_ctx: int

    def stream(self, params: dict[str, Any], cancelled: threading.Event | None = None): ...

    def count_tokens(self, text: str) -> int: ...


_engine_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_engine_locks_guard = threading.Lock()


def engine_lock(engine: Engine) -> threading.Lock:
    """The one lock every generation on `engine` holds: llama.cpp asserts, or
    crashes the process, when two threads decode on one context."""
    with _engine_locks_guard:
        lock = _engine_locks.get(engine)
        if lock is None:
            lock = _engine_locks[engine] = threading.Lock()
        return lock


async def thread_stream(engine: Engine, params: dict[str, Any]) -> AsyncIterator[Chunk]:
    """Run the blocking engine in a thread and hand its chunks to the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancelled = threading.Event()
    done = object()

    def produce() -> None:
        try:
            # The lock, not the caller's await, keeps generations apart: a
            # cancelled caller may stop waiting before this thread has finished.
            with engine_lock(engine):
                if cancelled.is_set():
                    return  # the caller left while this request waited its turn
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
        # The caller went away (or we finished): stop generating, then wait, so
        # the caller's slot is freed only when the engine is. Shielded: Starlette
        # cancels a disconnected response's scope, which would cut this wait short.
        cancelled.set()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(thread.join)
