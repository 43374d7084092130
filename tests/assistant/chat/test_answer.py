"""The plain reply: no data reaches the model; its text streams as tokens."""

import asyncio

from assistant.chat import prompts, stream_chat
from llm.client import LLMUnavailable
from llm.protocol import Chunk


class StreamLLM:
    def __init__(self, text="Hello there.", fail=False):
        self.text, self.fail, self.requests = text, fail, []

    async def stream(self, request):
        self.requests.append(request)
        if self.fail:
            raise LLMUnavailable("no worker")
        for end in range(4, len(self.text) + 4, 4):
            yield Chunk(text=self.text[:end])


def collect(agen):
    async def run():
        return [event async for event in agen]
    return asyncio.run(run())


def test_tokens_then_done_with_the_previous_exchange_only():
    llm = StreamLLM()
    events = collect(stream_chat("hi", llm, [("what tables are there?", "city, store")]))
    assert "".join(e["data"]["text"] for e in events if e["event"] == "token") == "Hello there."
    assert events[-1]["event"] == "done" and events[-1]["data"]["answer"] == "Hello there."
    roles = [m["role"] for m in llm.requests[0].messages]
    assert roles == ["system", "user", "assistant", "user"]


def test_an_unavailable_model_is_an_error_event():
    events = collect(stream_chat("hi", StreamLLM(fail=True)))
    assert events == [{"event": "error", "data": {"kind": "llm", "message": "no worker"}}]


def test_every_prompt_renders():
    assert prompts.names() == ["chat_system"] and "DB-GPT" in prompts.render("chat_system")
