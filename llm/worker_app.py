"""The HTTP side of a model worker: FastChat's worker routes over any engine.

The engine is anything with `stream(params, cancelled) -> Iterator[Chunk]`
(blocking: run in a thread) or `astream(params) -> AsyncIterator[Chunk]`
(an async engine that batches, such as vLLM), `count_tokens(text)`, and for
embedding models `embed(texts)`. `engine.concurrency` requests run at once
(default one) and at most `queue_size` wait, beyond which the worker answers
"busy" at once instead of queueing without bound. Every route needs the
cluster secret (llm.cluster_auth): the API's client, and the controller when
it checks on the worker, send it.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing, asynccontextmanager
from typing import AsyncIterator, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from llm.cluster_auth import ClusterSecretRequired
from llm.protocol import ENGINE_OVERLOADED, INTERNAL_ERROR, INVALID_MODEL, Chunk
from llm.thread_stream import thread_stream


class Slots:
    """`concurrency` running requests, a bounded number waiting."""

    def __init__(self, queue_size: int, concurrency: int = 1):
        self.queue_size = queue_size
        self.concurrency = concurrency
        self.semaphore = asyncio.Semaphore(concurrency)
        self.waiting = 0
        self.running = 0

    @property
    def length(self) -> int:
        return self.waiting + self.running

    def full(self) -> bool:
        return self.running >= self.concurrency and self.waiting >= self.queue_size

    async def __aenter__(self):
        self.waiting += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        return self

    async def __aexit__(self, *exc):
        self.running -= 1
        self.semaphore.release()


def engine_stream(engine, params: dict) -> AsyncIterator[Chunk]:
    """The engine's chunks on the event loop, whichever kind of engine it is."""
    if hasattr(engine, "astream"):
        return engine.astream(params)
    if hasattr(engine, "stream"):
        return thread_stream(engine, params)
    return _single(Chunk(text="this worker serves an embedding model; it does not generate text",
                         error_code=INVALID_MODEL))


async def _single(chunk: Chunk) -> AsyncIterator[Chunk]:
    yield chunk


def busy_response() -> JSONResponse:
    chunk = Chunk(text="The model worker is busy: its queue is full. Retry shortly.", error_code=ENGINE_OVERLOADED)
    return JSONResponse(status_code=429, content={"text": chunk.text, "error_code": chunk.error_code})


def create_worker_app(worker, *, secret: str, on_startup: Callable[[], None] | None = None) -> FastAPI:
    """`worker` is a FastChat worker holding `.engine`, `.slots`, `.model_names`.

    `on_startup` runs (in a thread) once the server listens: registration with
    the controller goes there, so no request is routed here before we answer.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if on_startup is not None:
            asyncio.get_running_loop().run_in_executor(None, on_startup)
        yield

    app = FastAPI(title="DB-GPT model worker", lifespan=lifespan)
    app.add_middleware(ClusterSecretRequired, secret=secret)

    @app.post("/worker_generate_stream")
    async def generate_stream(request: Request):
        params = await request.json()
        if worker.slots.full():
            return busy_response()

        async def body() -> AsyncIterator[bytes]:
            # aclosing: a client that goes away stops the engine before the slot is freed.
            async with worker.slots, aclosing(engine_stream(worker.engine, params)) as chunks:
                worker.call_ct += 1
                async for chunk in chunks:
                    yield chunk.encode()

        return StreamingResponse(body(), media_type="application/octet-stream")

    @app.post("/worker_generate")
    async def generate(request: Request):
        params = await request.json()
        if worker.slots.full():
            return busy_response()
        last = Chunk(text="")
        async with worker.slots:
            worker.call_ct += 1
            async for chunk in engine_stream(worker.engine, params):
                last = chunk
        return JSONResponse(last.payload())

    @app.post("/worker_get_status")
    async def status():
        return worker.get_status()

    @app.post("/count_token")
    async def count_token(request: Request):
        params = await request.json()
        return {"count": worker.engine.count_tokens(params.get("prompt", "")), "error_code": 0}

    @app.post("/worker_get_conv_template")
    async def conv_template():
        return worker.get_conv_template()

    @app.post("/model_details")
    async def model_details():
        return {"context_length": worker.engine.n_ctx}

    @app.post("/worker_get_embeddings")
    async def embeddings(request: Request):
        params = await request.json()
        if not hasattr(worker.engine, "embed"):
            return JSONResponse(status_code=400, content={
                "text": f"model {worker.model_names[0]} does not serve embeddings", "error_code": INVALID_MODEL})
        texts = params.get("input", [])
        texts = [texts] if isinstance(texts, str) else texts
        if not texts or not all(isinstance(t, str) for t in texts):
            return JSONResponse(status_code=400, content={
                "text": "input must be a string or a non-empty list of strings", "error_code": INVALID_MODEL})
        if worker.slots.full():
            return busy_response()
        async with worker.slots:
            worker.call_ct += 1
            try:
                vectors, tokens = await asyncio.to_thread(worker.engine.embed, texts)
            except Exception as exc:  # the engine's failure is the caller's error, not a crash
                return JSONResponse(status_code=500, content={"text": f"worker error: {exc}",
                                                              "error_code": INTERNAL_ERROR})
        return {"embedding": vectors, "token_num": tokens}

    return app
