"""Test doubles at the LLM interface."""

from llm.client import Completion, LLMUnavailable


class ScriptedLLM:
    """The LLM interface with canned replies, recording what it was asked."""

    model = "scripted"

    def __init__(self, *replies: str, available: bool = True):
        self.replies = list(replies)
        self.available = available
        self.requests = []

    async def generate(self, request):
        self.requests.append(request)
        if not self.available:
            raise LLMUnavailable("no worker is serving model 'scripted'")
        text = self.replies.pop(0) if self.replies else '{"summary": "", "rewrites": []}'
        return Completion(text=text, finish_reason="stop", usage={"prompt_tokens": 1, "completion_tokens": 1})
