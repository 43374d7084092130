"""GET /v1/models, POST /v1/chat/completions, /v1/completions, /v1/embeddings.

Each route turns the OpenAI request into the model layer's `GenerateRequest`
and goes through `llm.client`; nothing here knows about workers.
"""

from __future__ import annotations

import asyncio
import base64
import struct
from contextlib import suppress
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from llm.client import GenerateRequest, LLMError, LLMUnavailable
from llm.protocol import Chunk
from server.api.deps import AuditDep
from server.api.openai import schemas as s
from server.api.openai.errors import OpenAIError, from_llm_error

router = APIRouter()
T = TypeVar("T")

_FINISH = {"stop", "length", "content_filter", "tool_calls"}


async def _client_for(request: Request, model: str):
    """The model layer's client for `model`: 404 for a model nobody serves, 503
    for one this deployment serves whose workers are all gone."""
    llm = request.app.state.llm
    settings = request.app.state.settings
    served = await llm.list_models()
    if model in served:
        return llm.for_model(model)
    if not served or model in (settings.model_name, settings.embedding_model_name):
        raise LLMUnavailable(
            f"no worker is serving model '{model}' now; start one with `dbgpt worker` (workers register "
            "with the controller and service resumes by itself)"
        )
    raise OpenAIError(404, f"The model '{model}' does not exist here; available: {', '.join(served)}",
                      param="model", code="model_not_found")


async def _unless_caller_leaves(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result; cancelled (which stops the worker) if the caller hangs up first.

    Starlette cancels a streaming answer whose client went away, but not an
    ordinary one: without this a long answer nobody waits for keeps a worker busy.
    """
    task = asyncio.ensure_future(work)
    while True:
        done, _ = await asyncio.wait({task}, timeout=0.5)
        if done:
            return task.result()
        if await request.is_disconnected():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            raise OpenAIError(499, "the client closed the request before the answer was ready")


def _finish(reason: str | None) -> str | None:
    if reason is None:
        return None
    return reason if reason in _FINISH else "stop"


def _usage(chunk: Chunk | None) -> s.Usage:
    return s.Usage(**{k: v for k, v in ((chunk.usage if chunk else {}) or {}).items() if k in s.Usage.model_fields})


@router.get("/models", response_model=s.ModelList)
async def list_models(request: Request) -> s.ModelList:
    models = await request.app.state.llm.list_models()
    return s.ModelList(data=[s.ModelCard(id=m, created=s.now()) for m in models])


@router.post("/chat/completions", response_model=s.ChatCompletion)
async def chat_completions(body: s.ChatCompletionRequest, request: Request, audit: AuditDep):
    audit.touch(question=body.messages[-1].text())
    client = await _client_for(request, body.model)
    generate = GenerateRequest(
        messages=[{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in body.messages],
        max_tokens=body.token_budget, temperature=body.temperature, top_p=body.top_p, stop=body.stop,
        seed=body.seed, response_format=body.response_format.for_worker() if body.response_format else None,
        logprobs=bool(body.logprobs),
    )
    completion_id, created = s.new_id("chatcmpl"), s.now()
    if not body.stream:
        done = await _unless_caller_leaves(request, client.generate(generate))
        logprobs = s.ChoiceLogprobs.of(done.tokens, done.token_logprobs) if body.logprobs else None
        return s.ChatCompletion(
            id=completion_id, created=created, model=body.model, usage=_usage(Chunk(text="", usage=done.usage)),
            choices=[s.ChatChoice(message=s.AssistantMessage(content=done.text),
                                  finish_reason=_finish(done.finish_reason) or "stop", logprobs=logprobs)],
        )
    sent = 0  # tokens whose log-probabilities went out with earlier events

    def event(delta: dict[str, Any], finish: str | None, chunk: Chunk | None = None) -> dict[str, Any]:
        nonlocal sent
        logprobs = None
        if body.logprobs and chunk is not None:
            logprobs = s.ChoiceLogprobs.of((chunk.tokens or [])[sent:], (chunk.token_logprobs or [])[sent:])
            sent = max(sent, len(chunk.token_logprobs or []))
            logprobs = logprobs.model_dump() if logprobs.content else None
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": body.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": logprobs}]}

    def usage_event(last: Chunk | None) -> dict[str, Any]:
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": body.model,
                "choices": [], "usage": _usage(last).model_dump()}

    opening = event({"role": "assistant", "content": ""}, None)
    # The finish event carries the log-probabilities an engine recorded after the last text (its last token's).
    return await _stream(client.stream(generate), lambda delta, chunk: event({"content": delta}, None, chunk),
                         lambda reason, last: event({}, reason, last), usage_event if body.include_usage else None,
                         opening)


@router.post("/completions", response_model=s.Completion)
async def completions(body: s.CompletionRequest, request: Request, audit: AuditDep):
    audit.touch(question=body.prompt if isinstance(body.prompt, str) else str(body.prompt))
    client = await _client_for(request, body.model)
    generate = GenerateRequest(prompt=body.prompt, max_tokens=body.max_tokens, temperature=body.temperature,
                               top_p=body.top_p, stop=body.stop, seed=body.seed)
    completion_id, created = s.new_id("cmpl"), s.now()
    echo = body.prompt if body.echo else ""
    if not body.stream:
        done = await _unless_caller_leaves(request, client.generate(generate))
        return s.Completion(
            id=completion_id, created=created, model=body.model, usage=_usage(Chunk(text="", usage=done.usage)),
            choices=[s.CompletionChoice(text=echo + done.text, finish_reason=_finish(done.finish_reason) or "stop")],
        )

    def event(text: str, finish: str | None) -> dict[str, Any]:
        return {"id": completion_id, "object": "text_completion", "created": created, "model": body.model,
                "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}]}

    def usage_event(last: Chunk | None) -> dict[str, Any]:
        return {"id": completion_id, "object": "text_completion", "created": created, "model": body.model,
                "choices": [], "usage": _usage(last).model_dump()}

    opening = event(echo, None) if echo else None
    return await _stream(client.stream(generate), lambda delta, chunk: event(delta, None),
                         lambda reason, last: event("", reason),
                         usage_event if body.include_usage else None, opening)


@router.post("/embeddings", response_model=s.EmbeddingList)
async def embeddings(body: s.EmbeddingRequest, request: Request, audit: AuditDep) -> s.EmbeddingList:
    audit.touch(question=f"embeddings of {1 if isinstance(body.input, str) else len(body.input)} input(s)")
    client = await _client_for(request, body.model)
    result = await client.embed(body.input)
    data = [s.EmbeddingItem(index=i, embedding=_encode(v, body.encoding_format)) for i, v in enumerate(result.vectors)]
    return s.EmbeddingList(data=data, model=body.model,
                           usage=s.Usage(prompt_tokens=result.tokens, total_tokens=result.tokens))


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _sse(payload: dict[str, Any] | str) -> bytes:
    import json

    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


async def _stream(chunks: AsyncIterator[Chunk], delta_event: Callable[[str, Chunk], dict],
                  finish_event: Callable[[str, Chunk | None], dict],
                  usage_event: Callable | None, opening: dict | None) -> StreamingResponse:
    """Server-sent events from the model's chunks.

    The first chunk is awaited before answering, so a request that cannot be
    served (no worker, context overflow) gets its proper HTTP status; a failure
    after that is sent as an error event, which OpenAI clients raise.
    """
    try:
        first = await anext(chunks, None)
    except BaseException:
        await chunks.aclose()
        raise

    async def events() -> AsyncIterator[bytes]:
        shown, last = "", None
        try:
            if opening is not None:
                yield _sse(opening)
            chunk = first
            while chunk is not None:
                last = chunk
                # Chunks carry the whole text so far; clients want only what is new.
                delta = chunk.text[len(shown):] if chunk.text.startswith(shown) else chunk.text
                shown = chunk.text
                if delta:
                    yield _sse(delta_event(delta, chunk))
                chunk = await anext(chunks, None)
            yield _sse(finish_event(_finish(last.finish_reason if last else None) or "stop", last))
            if usage_event is not None:
                yield _sse(usage_event(last))
        except (LLMUnavailable, LLMError) as exc:
            yield _sse(from_llm_error(exc).body())
        finally:
            await chunks.aclose()  # the caller went away: the worker stops generating
        yield _sse("[DONE]")

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
