"""The one interface the rest of the product uses to reach a model.

`ControllerClient` goes through the FastChat controller to any worker: it
generates, streams and embeds; a worker that cannot be reached, or is busy,
is passed over for another (the controller is told to drop workers that no
longer answer, so new requests go to the survivors at once, not after the
heartbeat expiry); a caller that stops reading closes the worker's stream,
which stops generation there. Every request carries the cluster secret,
which the controller and the workers require. `LocalClient` runs an engine in this process,
for the CLI without a server. Both stream `Chunk`s carrying the whole text
so far.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Protocol

import httpx

from llm.cluster_auth import auth_headers
from llm.protocol import ENGINE_OVERLOADED, OK, Chunk
from llm.thread_stream import Engine, thread_stream


class LLMUnavailable(Exception):
    """No worker can serve the model now (HTTP 503 at the edge)."""


class LLMBusy(LLMUnavailable):
    """Every worker of the model has a full queue (HTTP 429 where the edge can say so)."""


class LLMError(Exception):
    """The worker refused or failed this request."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


@dataclass
class GenerateRequest:
    messages: list[dict[str, str]] | None = None
    prompt: str | None = None
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    grammar: str | None = None
    logprobs: bool = False  # ask for the chosen tokens' log-probabilities

    def params(self, model: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": model,
            "max_new_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "stop": self.stop,
            "echo": False,
        }
        if self.messages is not None:
            out["messages"] = self.messages
            # Workers that only know FastChat's fields still get a prompt.
            out["prompt"] = "\n\n".join(m["content"] for m in self.messages)
        else:
            out["prompt"] = self.prompt or ""
        for key in ("seed", "response_format", "grammar"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.logprobs:
            out["logprobs"] = True
        return out


@dataclass
class Completion:
    text: str
    finish_reason: str | None
    usage: dict[str, int]
    tokens: list[str] | None = None
    token_logprobs: list[float] | None = None


@dataclass
class Embeddings:
    vectors: list[list[float]]
    tokens: int


class LLM(Protocol):
    model: str

    def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]: ...

    async def generate(self, request: GenerateRequest) -> Completion: ...


def _raise_for_chunk(chunk: Chunk) -> None:
    if chunk.error_code == OK:
        return
    if chunk.error_code == ENGINE_OVERLOADED:
        raise LLMBusy(chunk.text)
    if chunk.error_code >= 50000:
        raise LLMUnavailable(chunk.text)
    raise LLMError(chunk.text, chunk.error_code)


async def _collect(chunks: AsyncIterator[Chunk]) -> Completion:
    last = Chunk(text="")
    async for chunk in chunks:
        last = chunk
    return Completion(text=last.text, finish_reason=last.finish_reason, usage=last.usage,
                      tokens=last.tokens, token_logprobs=last.token_logprobs)


class LocalClient:
    """An engine in this process; requests are serialised like a worker's."""

    def __init__(self, engine: Engine, model: str):
        self.engine = engine
        self.model = model
        self._lock = asyncio.Lock()

    async def list_models(self) -> list[str]:
        return [self.model]

    def for_model(self, model: str) -> "LocalClient":
        if model != self.model:
            raise LLMUnavailable(f"model '{model}' is not loaded here; this process serves '{self.model}'")
        return self

    async def ready(self) -> bool:
        return True

    async def embed(self, texts: list[str]) -> Embeddings:
        raise LLMUnavailable("no embedding model runs in this process; start an embedding worker "
                             "(`dbgpt worker --backend embedding`) and use the controller")

    async def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]:
        # aclosing: when our caller stops early, the engine thread is stopped and
        # joined before the lock is let go, so requests never overlap on the engine.
        async with self._lock, aclosing(thread_stream(self.engine, request.params(self.model))) as chunks:
            async for chunk in chunks:
                _raise_for_chunk(chunk)
                yield chunk

    async def generate(self, request: GenerateRequest) -> Completion:
        return await _collect(self.stream(request))




class _WorkerDown(Exception):
    """The worker could not be reached, or broke off its answer."""


class _WorkerBusy(Exception):
    """The worker's queue is full."""


class ControllerClient:
    """Any worker of `model` registered with the FastChat controller."""

    def __init__(self, controller_url: str, model: str, *, secret: str, timeout_s: float = 300.0,
                 attempts: int = 3):
        self.controller_url = controller_url.rstrip("/")
        self.model = model
        self.secret = secret
        self.headers = auth_headers(secret)
        self.timeout_s = timeout_s
        # `timeout_s` bounds the wait for each next byte (prompt processing included).
        self.timeout = httpx.Timeout(timeout_s, connect=5.0)
        self.attempts = attempts

    def for_model(self, model: str) -> "ControllerClient":
        """The same controller, another model (an embedding model, a second LLM)."""
        return ControllerClient(self.controller_url, model, secret=self.secret, timeout_s=self.timeout_s,
                                attempts=self.attempts)

    def _http(self, **options) -> httpx.AsyncClient:
        return httpx.AsyncClient(headers=self.headers, **options)

    async def _controller(self, client: httpx.AsyncClient, path: str, payload: dict | None = None):
        try:
            response = await client.post(self.controller_url + path, json=payload or {}, timeout=10.0)
            if response.status_code == 403:
                raise LLMUnavailable(f"the model controller at {self.controller_url} refused this server's "
                                     "cluster secret (DBGPT_CLUSTER_SECRET); give the API the controller's")
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"the model controller at {self.controller_url} is not reachable ({exc})") from exc

    async def list_models(self) -> list[str]:
        async with self._http() as client:
            return sorted((await self._controller(client, "/list_models"))["models"])

    async def worker_address(self, client: httpx.AsyncClient) -> str:
        address = (await self._controller(client, "/get_worker_address", {"model": self.model}))["address"]
        if not address:
            raise LLMUnavailable(
                f"no worker is serving model '{self.model}'; start one with `dbgpt worker` or `dbgpt serve`"
            )
        return address

    async def _untried_worker(self, client: httpx.AsyncClient, tried: list[str]) -> str | None:
        """A worker not tried yet for this request, or None when there is none.

        Asking again is how to reach another worker: the controller counts each
        pick into that worker's queue (shortest_queue) or draws again (lottery).
        """
        for _ask in range(4):
            address = await self.worker_address(client)
            if address not in tried:
                return address
        return None

    async def _drop_dead_workers(self, client: httpx.AsyncClient) -> None:
        # The controller asks every worker for its status and forgets those that
        # do not answer; one that was only slow registers again at its next heartbeat.
        try:
            await client.post(self.controller_url + "/refresh_all_workers", timeout=30.0)
        except httpx.HTTPError:
            pass

    async def ready(self) -> bool:
        """True when a worker of the model is registered and answers."""
        async with self._http() as client:
            try:
                address = await self.worker_address(client)
                response = await client.post(address + "/worker_get_status", timeout=5.0)
                return response.status_code == 200 and self.model in response.json()["model_names"]
            except (LLMUnavailable, httpx.HTTPError, KeyError, ValueError):
                return False

    async def _from_worker(self, client: httpx.AsyncClient, address: str, params: dict) -> AsyncIterator[Chunk]:
        try:
            async with client.stream("POST", address + "/worker_generate_stream", json=params) as response:
                if response.status_code == 429:
                    raise _WorkerBusy(json.loads(await response.aread()).get("text", "worker busy"))
                if response.status_code >= 400:
                    raise _WorkerDown(f"HTTP {response.status_code}")
                buffer = b""
                async for raw in response.aiter_bytes():
                    buffer += raw
                    *complete, buffer = buffer.split(b"\0")
                    for piece in complete:
                        if piece.strip():
                            yield Chunk.decode(piece)
        except httpx.TransportError as exc:
            raise _WorkerDown(str(exc) or type(exc).__name__) from exc

    async def _chunks(self, params: dict, *, retry_mid_answer: bool) -> AsyncIterator[Chunk]:
        tried: list[str] = []
        last_error: LLMUnavailable | None = None
        async with self._http(timeout=self.timeout) as client:
            for _attempt in range(self.attempts):
                address = await self._untried_worker(client, tried)
                if address is None:
                    break  # the controller knows no other worker for this model
                tried.append(address)
                started = False
                try:
                    async with aclosing(self._from_worker(client, address, params)) as chunks:
                        async for chunk in chunks:
                            _raise_for_chunk(chunk)
                            started = True
                            yield chunk
                    if not started:
                        raise _WorkerDown("the stream ended without an answer")
                    return
                except _WorkerBusy as exc:
                    last_error = LLMBusy(f"the model worker at {address} is busy: {exc}")
                except _WorkerDown as exc:
                    await self._drop_dead_workers(client)
                    if started and not retry_mid_answer:
                        raise LLMUnavailable(
                            f"the model worker at {address} stopped mid-answer ({exc}); "
                            "the answer is incomplete, retry the request"
                        ) from exc
                    last_error = LLMUnavailable(f"the model worker at {address} did not answer ({exc})")
        raise last_error or LLMUnavailable(f"no worker of model '{self.model}' answered")

    async def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]:
        """Retried on another worker only until the first chunk is handed out."""
        async with aclosing(self._chunks(request.params(self.model), retry_mid_answer=False)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def generate(self, request: GenerateRequest) -> Completion:
        """Nothing is handed out before the end, so a worker lost mid-answer is retried too."""
        async with aclosing(self._chunks(request.params(self.model), retry_mid_answer=True)) as chunks:
            return await _collect(chunks)

    async def embed(self, texts: list[str]) -> Embeddings:
        tried: list[str] = []
        last_error: LLMUnavailable | None = None
        async with self._http(timeout=self.timeout) as client:
            for _attempt in range(self.attempts):
                address = await self._untried_worker(client, tried)
                if address is None:
                    break
                tried.append(address)
                try:
                    response = await client.post(address + "/worker_get_embeddings",
                                                 json={"model": self.model, "input": texts})
                except httpx.TransportError as exc:
                    await self._drop_dead_workers(client)
                    last_error = LLMUnavailable(f"the embedding worker at {address} did not answer ({exc})")
                    continue
                body = response.json()
                if response.status_code == 429:
                    last_error = LLMBusy(f"the embedding worker at {address} is busy: {body.get('text')}")
                    continue
                if response.status_code != 200:
                    raise LLMError(body.get("text", f"HTTP {response.status_code}"), body.get("error_code", 0))
                return Embeddings(vectors=body["embedding"], tokens=int(body.get("token_num", 0)))
        raise last_error or LLMUnavailable(f"no worker of model '{self.model}' answered")
