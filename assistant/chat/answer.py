"""A plain reply from the model, streamed: `token` as it is written, then `done` (or `error`).

The model sees the message and the conversation's previous exchange only:
no schema, no rows, no documents.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from assistant.chat import prompts
from llm.client import LLM, GenerateRequest

MAX_TOKENS = 256
EARLIER_CHARS = 400


def messages_for(message: str, earlier: list[tuple[str, str]]) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": prompts.render("chat_system")}]
    for question, answer in earlier:
        messages += [{"role": "user", "content": question[:EARLIER_CHARS]},
                     {"role": "assistant", "content": answer[:EARLIER_CHARS]}]
    return messages + [{"role": "user", "content": message}]


async def stream_chat(message: str, llm: LLM, earlier: list[tuple[str, str]] | None = None,
                      max_tokens: int = MAX_TOKENS) -> AsyncIterator[dict[str, Any]]:
    """`earlier`: (message, answer) pairs of the conversation, oldest first."""
    started = time.perf_counter()
    request = GenerateRequest(messages=messages_for(message, earlier or []), max_tokens=max_tokens,
                              temperature=0.2)
    text, usage = "", {}
    try:
        async for chunk in llm.stream(request):
            if len(chunk.text) > len(text):
                yield {"event": "token", "data": {"text": chunk.text[len(text):]}}
            text, usage = chunk.text, chunk.usage or usage
    except Exception as exc:  # noqa: BLE001 - reported as an event, the stream stays well-formed
        yield {"event": "error", "data": {"kind": "llm", "message": str(exc)}}
        return
    yield {"event": "done", "data": {"question": message, "answer": text.strip(), "usage": usage,
                                     "timings": {"total": round(time.perf_counter() - started, 4)}}}
