"""The one interface the rest of the product uses to reach a model.

`ControllerClient` goes through the FastChat controller to any worker (and
retries on another worker when one is unreachable before it has answered);
`LocalClient` runs an engine in this process, for the CLI without a server.
Both stream `Chunk`s carrying the whole text so far.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Protocol

import httpx

from llm.protocol import CONTEXT_OVERFLOW, ENGINE_OVERLOADED, OK, Chunk
from llm.thread_stream import Engine, thread_stream


class LLMUnavailable(Exception):
    """No worker can serve the model now (HTTP 503 at the edge)."""


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
        return out


@dataclass
class Completion:
    text: str
    finish_reason: str | None
    usage: dict[str, int]


class LLM(Protocol):
    model: str

    def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]: ...

    async def generate(self, request: GenerateRequest) -> Completion: ...


def _raise_for_chunk(chunk: Chunk) -> None:
    if chunk.error_code == OK:
        return
    if chunk.error_code == ENGINE_OVERLOADED:
        raise LLMUnavailable(chunk.text)
    if chunk.error_code >= 50000:
        raise LLMUnavailable(chunk.text)
    raise LLMError(chunk.text, chunk.error_code)


async def _collect(chunks: AsyncIterator[Chunk]) -> Completion:
    last = Chunk(text="")
    async for chunk in chunks:
        last = chunk
    return Completion(text=last.text, finish_reason=last.finish_reason, usage=last.usage)


class LocalClient:
    """An engine in this process; requests are serialised like a worker's."""

    def __init__(self, engine: Engine, model: str):
        self.engine = engine
        self.model = model
        self._lock = asyncio.Lock()

    async def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]:
        async with self._lock:
            async for chunk in thread_stream(self.engine, request.params(self.model)):
                _raise_for_chunk(chunk)
                yield chunk

    async def generate(self, request: GenerateRequest) -> Completion:
        return await _collect(self.stream(request))


class ControllerClient:
    """Any worker of `model` registered with the FastChat controller."""

    def __init__(self, controller_url: str, model: str, *, timeout_s: float = 300.0, attempts: int = 3):
        self.controller_url = controller_url.rstrip("/")
        self.model = model
        self.timeout = httpx.Timeout(timeout_s, connect=5.0)
        self.attempts = attempts

    async def _controller(self, client: httpx.AsyncClient, path: str, payload: dict | None = None):
        try:
            response = await client.post(self.controller_url + path, json=payload or {}, timeout=5.0)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"the model controller at {self.controller_url} is not reachable ({exc})") from exc

    async def list_models(self) -> list[str]:
        async with httpx.AsyncClient() as client:
            return (await self._controller(client, "/list_models"))["models"]

    async def worker_address(self, client: httpx.AsyncClient) -> str:
        address = (await self._controller(client, "/get_worker_address", {"model": self.model}))["address"]
        if not address:
            raise LLMUnavailable(
                f"no worker is serving model '{self.model}'; start one with `dbgpt worker` or `dbgpt serve`"
            )
        return address

    async def ready(self) -> bool:
        """True when a worker of the model is registered and answers."""
        async with httpx.AsyncClient() as client:
            try:
                address = await self.worker_address(client)
                response = await client.post(address + "/worker_get_status", timeout=5.0)
                return response.status_code == 200 and self.model in response.json()["model_names"]
            except (LLMUnavailable, httpx.HTTPError, KeyError, ValueError):
                return False

    async def stream(self, request: GenerateRequest) -> AsyncIterator[Chunk]:
        params = request.params(self.model)
        last_error: Exception | None = None
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for _attempt in range(self.attempts):
                address = await self.worker_address(client)
                started = False
                try:
                    async with client.stream("POST", address + "/worker_generate_stream", json=params) as response:
                        if response.status_code == 429:
                            body = json.loads(await response.aread())
                            last_error = LLMUnavailable(body.get("text", "worker busy"))
                            continue
                        response.raise_for_status()
                        buffer = b""
                        async for raw in response.aiter_bytes():
                            buffer += raw
                            *complete, buffer = buffer.split(b"\0")
                            for piece in complete:
                                if piece.strip():
                                    chunk = Chunk.decode(piece)
                                    _raise_for_chunk(chunk)
                                    started = True
                                    yield chunk
                    return
                except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                    if started:
                        raise LLMUnavailable(f"the model worker at {address} failed mid-answer ({exc})") from exc
                    last_error = LLMUnavailable(f"the model worker at {address} is not reachable ({exc})")
        raise last_error or LLMUnavailable("no model worker answered")

    async def generate(self, request: GenerateRequest) -> Completion:
        return await _collect(self.stream(request))
