"""One GGUF model in llama.cpp, generating from FastChat-protocol params.

Used by the llama.cpp worker and by in-process callers (the CLI without a
server). One instance holds one model and one KV cache; llama-cpp-python
reuses the cache for the longest common prompt prefix, so callers should keep
the stable part of their prompts first. Not thread-safe: callers serialise.

A caller that leaves stops the generation at the next token, or, while the
prompt is still being read, within one step of llama.cpp's graph: a whole
schema can take half a minute to read on a CPU, and the next question would
wait behind it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator

from llm.protocol import CONTEXT_OVERFLOW, Chunk
from llm.token_logprobs import ChosenTokenLogprobs, recorded


class LlamaCppEngine:
    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 use_mmap: bool = False):
        from llama_cpp import Llama  # heavy import, only where a model is loaded

        self.model_path = model_path
        self.n_ctx = n_ctx
        self.llm = Llama(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_threads=n_threads or len(os.sched_getaffinity(0)) or 1,  # the CPUs this process may use
            # Measured: with mmap the file's pages stay resident beside the CPU
            # backend's repacked copy of the weights (1.9 GB RSS after load);
            # without, only the copy (1.3 GB), at the same speed.
            use_mmap=use_mmap,
            verbose=False,
        )
        from llama_cpp import ggml_abort_callback

        self._cancelled: threading.Event | None = None
        # Held here: llama.cpp keeps only the pointer.
        self._abort = ggml_abort_callback(lambda _data: self._cancelled is not None and self._cancelled.is_set())
        self._no_abort = ggml_abort_callback()

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode(), add_bos=False, special=True))

    def _prompt_tokens(self, params: dict[str, Any]) -> int:
        if params.get("messages"):
            text = "".join(m.get("content") or "" for m in params["messages"])
            # The chat template adds a few tokens per turn.
            return self.count_tokens(text) + 8 * len(params["messages"])
        return self.count_tokens(params.get("prompt", ""))

    def stream(self, params: dict[str, Any], cancelled: threading.Event | None = None) -> Iterator[Chunk]:
        """Yield chunks with the whole text so far; the last one has finish_reason."""
        max_tokens = int(params.get("max_new_tokens", params.get("max_tokens", 256)))
        prompt_tokens = self._prompt_tokens(params)
        if prompt_tokens + max_tokens > self.n_ctx:
            yield Chunk(
                text=(
                    f"This model's maximum context length is {self.n_ctx} tokens; the prompt has "
                    f"about {prompt_tokens} and {max_tokens} more were asked for. Shorten the prompt "
                    "or lower max_new_tokens."
                ),
                error_code=CONTEXT_OVERFLOW,
            )
            return
        sampling = self._sampling(params)
        recorder = ChosenTokenLogprobs(self._token_text) if params.get("logprobs") else None
        if recorder is not None:
            from llama_cpp import LogitsProcessorList

            sampling["logits_processor"] = LogitsProcessorList([recorder])
        if params.get("messages"):
            pieces = self._chat_pieces(params, sampling, max_tokens)
        else:
            pieces = self._completion_pieces(params, sampling, max_tokens)
        text, finish, completion_tokens = "", None, 0
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 0, "total_tokens": prompt_tokens}
        self._abort_reading_on(cancelled)
        try:
            for piece, reason in pieces:
                self._abort_reading_on(None)  # the prompt is read: the check below is enough
                if cancelled is not None and cancelled.is_set():
                    finish = "cancelled"
                    break
                if piece:
                    text += piece
                    completion_tokens += 1
                if reason:
                    finish = reason
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                }
                yield Chunk(text=text, finish_reason=reason, usage=usage, **recorded(recorder))
        except RuntimeError:
            # llama_decode aborted by the callback; the tokens it had not read are
            # dropped from the KV cache on the next generation.
            if cancelled is None or not cancelled.is_set():
                raise
            finish = "cancelled"
        finally:
            self._abort_reading_on(None)
        if finish is None or finish == "cancelled":
            yield Chunk(text=text, finish_reason=finish or "stop", usage=usage, **recorded(recorder))

    def _token_text(self, token: int) -> str:
        return self.llm.detokenize([token]).decode("utf-8", errors="replace")

    def _abort_reading_on(self, cancelled: threading.Event | None) -> None:
        """While the prompt is read, llama.cpp asks `cancelled` between the steps of
        each graph (a True ends llama_decode early); None stops the asking, which
        would otherwise cost a call into Python per step of every token."""
        if cancelled is self._cancelled:
            return
        from llama_cpp import llama_set_abort_callback

        self._cancelled = cancelled
        llama_set_abort_callback(self.llm.ctx, self._abort if cancelled is not None else self._no_abort, None)

    @staticmethod
    def _sampling(params: dict[str, Any]) -> dict[str, Any]:
        temperature = float(params.get("temperature", 0.0))
        out: dict[str, Any] = {
            "temperature": temperature,
            "top_p": float(params.get("top_p", 1.0)),
            "top_k": int(params.get("top_k", 40 if temperature > 0 else 1)),
            "repeat_penalty": float(params.get("repetition_penalty", 1.0)),
            "stop": params.get("stop") or None,
        }
        if params.get("seed") is not None:
            out["seed"] = int(params["seed"])
        return out

    def _grammar(self, params: dict[str, Any]):
        from llama_cpp import LlamaGrammar

        if params.get("grammar"):
            return LlamaGrammar.from_string(params["grammar"], verbose=False)
        fmt = params.get("response_format") or {}
        schema = _schema_of(fmt)
        if schema is not None:
            return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        if fmt.get("type") == "json_object":
            return LlamaGrammar.from_json_schema(json.dumps({"type": "object"}), verbose=False)
        return None

    def _chat_pieces(self, params, sampling, max_tokens) -> Iterator[tuple[str, str | None]]:
        stream = self.llm.create_chat_completion(
            messages=params["messages"],
            max_tokens=max_tokens,
            stream=True,
            grammar=self._grammar(params),
            **sampling,
        )
        try:
            for event in stream:
                choice = event["choices"][0]
                yield choice["delta"].get("content") or "", choice.get("finish_reason")
        finally:
            stream.close()

    def _completion_pieces(self, params, sampling, max_tokens) -> Iterator[tuple[str, str | None]]:
        stream = self.llm.create_completion(
            prompt=params.get("prompt", ""),
            max_tokens=max_tokens,
            stream=True,
            grammar=self._grammar(params),
            **sampling,
        )
        try:
            for event in stream:
                choice = event["choices"][0]
                yield choice.get("text") or "", choice.get("finish_reason")
        finally:
            stream.close()


def _schema_of(response_format: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of an OpenAI-style response_format, in either of its shapes."""
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    if response_format.get("type") == "json_object" and response_format.get("schema"):
        return response_format["schema"]
    return None
