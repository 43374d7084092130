"""LocalClient: an engine in this process, one request at a time."""

from __future__ import annotations

import asyncio
import threading
import time

from llm.client import GenerateRequest, LocalClient
from llm.protocol import Chunk


class OverlapEngine:
    """Records whether two generations ever ran on it at once (llama.cpp would crash)."""

    n_ctx = 512

    def __init__(self):
        self.active = 0
        self.overlapped = False
        self.stopped_early = 0
        self.lock = threading.Lock()

    def count_tokens(self, text):
        return len(text.split())

    def stream(self, params, cancelled=None):
        with self.lock:
            self.active += 1
            self.overlapped |= self.active > 1
        try:
            text = ""
            for i in range(20):
                if cancelled is not None and cancelled.is_set():
                    self.stopped_early += 1
                    return
                time.sleep(0.02)
                text += f"t{i} "
                yield Chunk(text=text, usage={"prompt_tokens": 1, "completion_tokens": i + 1})
        finally:
            with self.lock:
                self.active -= 1


def test_a_caller_that_stops_early_never_overlaps_the_next_request():
    engine = OverlapEngine()
    client = LocalClient(engine, "m")
    request = GenerateRequest(prompt="x", max_tokens=20)

    async def go():
        chunks = client.stream(request)
        async for _chunk in chunks:
            break  # the caller has what it needs
        await chunks.aclose()
        completion = await client.generate(request)
        return completion.text

    text = asyncio.run(go())
    assert text.startswith("t0 t1") and text.endswith("t19 ")
    assert engine.stopped_early == 1 and not engine.overlapped
