"""A scripted model at the LLM interface for QA tests (the real one runs in
test_model_e2e.py)."""

from __future__ import annotations

import json
import re

from llm.client import Completion
from llm.protocol import Chunk


class ScriptedLLM:
    """Answers like a careful model would: cites the source whose title it was
    told to look for, or declines. Records every request."""

    model = "scripted"

    def __init__(self):
        self.requests = []
        self.cite_title: str | None = None
        self.answer = "VACUUM rebuilds the database file, repacking it into a minimal amount of disk space."
        self.raw: str | None = None

    def reply(self, request) -> str:
        if self.raw is not None:
            return self.raw
        system = request.messages[0]["content"]
        blocks = re.findall(r"^\[(\d+)\] \w+: (.+?) \(.*?\)\n(.*?)(?=\n\n\[\d+\] |\Z)", system, re.M | re.S)
        chosen = [(int(n), text) for n, title, text in blocks if self.cite_title and title == self.cite_title]
        if not chosen:
            return json.dumps({"answerable": False, "evidence": "", "answer": "", "sources": []})
        # Of the passages with that title, the one that says most of what it answers.
        said = set(self.answer.lower().split())
        number, text = max(chosen, key=lambda c: len(said & set(c[1].lower().split())))
        evidence = " ".join(text.split())[:80]  # quoted word for word, as the prompt asks
        return json.dumps({"answerable": True, "evidence": evidence, "answer": self.answer, "sources": [number]})

    async def ready(self) -> bool:
        return True

    async def generate(self, request):
        self.requests.append(request)
        return Completion(text=self.reply(request), finish_reason="stop", usage={"prompt_tokens": 1})

    async def stream(self, request):
        self.requests.append(request)
        text = self.reply(request)
        for end in range(8, len(text) + 8, 8):
            yield Chunk(text=text[:end])
