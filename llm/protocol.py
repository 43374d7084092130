"""The FastChat worker protocol as we speak it.

A generate request is a JSON object; FastChat's own fields are `model`,
`prompt`, `temperature`, `top_p`, `max_new_tokens`, `stop`, `echo`. We add
optional `messages` (chat turns, rendered with the model's own template),
`response_format` (OpenAI-style, with a JSON schema), `grammar` (GBNF),
`seed`, `top_k` and `logprobs` (true: each chunk carries the chosen tokens and
their log-probabilities so far, in FastChat's `logprobs` shape; an engine that
cannot give them leaves them out). The stream answers JSON chunks separated by
NUL bytes, each carrying the whole text so far.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# FastChat's error codes (fastchat.constants.ErrorCode), named once here.
OK = 0
INVALID_MODEL = 40301
PARAM_OUT_OF_RANGE = 40302
CONTEXT_OVERFLOW = 40303
ENGINE_OVERLOADED = 42903
INTERNAL_ERROR = 50001
CUDA_OUT_OF_MEMORY = 50002
CONTROLLER_NO_WORKER = 50005
CONTROLLER_WORKER_TIMEOUT = 50006


@dataclass
class Chunk:
    text: str
    error_code: int = OK
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    # The generated tokens so far and the log-probability the model gave each, when asked for.
    tokens: list[str] | None = None
    token_logprobs: list[float] | None = None

    def encode(self) -> bytes:
        return json.dumps(self.payload()).encode() + b"\0"

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "text": self.text,
            "error_code": self.error_code,
            "finish_reason": self.finish_reason,
            "usage": self.usage,
        }
        if self.token_logprobs is not None:
            payload["logprobs"] = {"tokens": self.tokens or [], "token_logprobs": self.token_logprobs}
        return payload

    @classmethod
    def decode(cls, raw: bytes) -> "Chunk":
        data: dict[str, Any] = json.loads(raw)
        logprobs = data.get("logprobs") or {}
        return cls(
            text=data.get("text", ""),
            error_code=data.get("error_code", OK),
            finish_reason=data.get("finish_reason"),
            usage=data.get("usage") or {},
            tokens=logprobs.get("tokens"),
            token_logprobs=logprobs.get("token_logprobs"),
        )
