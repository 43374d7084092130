"""vLLM for GPU throughput: the async engine, continuous batching, guided decoding.

Written against vLLM's stable surface: `AsyncEngineArgs`,
`AsyncLLMEngine.from_engine_args` (an alias of the V1 `AsyncLLM`) and
`generate(prompt, sampling_params, request_id)`, which FastChat's own vLLM
worker stopped matching at vLLM 0.6.2. Guided decoding uses
`StructuredOutputsParams` where vLLM has it and `GuidedDecodingParams` on
older releases. vLLM is imported only when this engine is built; the prompt
is rendered here with the model's tokenizer, so token counts and chat
templates do not depend on vLLM's internals.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from typing import Any, AsyncIterator

from llm.chat_format import conversation_stop, render_chat
from llm.llamacpp_engine import _schema_of
from llm.protocol import CONTEXT_OVERFLOW, INTERNAL_ERROR, PARAM_OUT_OF_RANGE, Chunk
from llm.transformers_engine import EngineLoadError


def vllm_missing_reason() -> str | None:
    """Why vLLM cannot run here, or None when it can."""
    if importlib.util.find_spec("vllm") is None:
        return "vLLM is not installed (pip install vllm on a machine with a CUDA GPU)"
    import torch

    if not torch.cuda.is_available():
        return "vLLM needs a CUDA GPU and none is visible"
    return None


def sampling_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """FastChat-protocol params as vLLM SamplingParams keyword arguments."""
    temperature = float(params.get("temperature", 0.0))
    greedy = temperature <= 1e-5
    out: dict[str, Any] = {
        "n": 1,
        "temperature": 0.0 if greedy else temperature,
        "top_p": 1.0 if greedy else float(params.get("top_p", 1.0)),
        "top_k": -1 if greedy else int(params.get("top_k", -1)),  # -1: all tokens, in every vLLM release
        "max_tokens": int(params.get("max_new_tokens", params.get("max_tokens", 256))),
        "repetition_penalty": float(params.get("repetition_penalty", 1.0)),
        "stop": [s for s in (params.get("stop") or []) if s] or None,
        "ignore_eos": bool(params.get("ignore_eos", False)),
    }
    if params.get("seed") is not None:
        out["seed"] = int(params["seed"])
    return out


def constraint(params: dict[str, Any]) -> dict[str, Any] | None:
    """The guided-decoding constraint asked for, as vLLM's field and value."""
    if params.get("grammar"):
        return {"grammar": params["grammar"]}
    fmt = params.get("response_format") or {}
    schema = _schema_of(fmt)
    if schema is not None:
        return {"json": schema}
    if fmt.get("type") == "json_object":
        return {"json_object": True}
    return None


def _guided(vllm_sampling, wanted: dict[str, Any] | None) -> dict[str, Any]:
    if wanted is None:
        return {}
    if hasattr(vllm_sampling, "StructuredOutputsParams"):
        return {"structured_outputs": vllm_sampling.StructuredOutputsParams(**wanted)}
    return {"guided_decoding": vllm_sampling.GuidedDecodingParams(**wanted)}


class VllmEngine:
    def __init__(
        self,
        model_path: Path | str,
        *,
        dtype: str = "auto",
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int | None = None,
        max_num_seqs: int = 64,
        conv_template: str | None = None,
        load_format: str = "auto",
        enforce_eager: bool = False,
    ):
        reason = vllm_missing_reason()
        if reason:
            raise EngineLoadError(reason)
        from transformers import AutoConfig, AutoTokenizer
        from vllm import AsyncEngineArgs, AsyncLLMEngine
        from vllm import sampling_params as vllm_sampling

        self._sampling = vllm_sampling
        path = str(model_path)
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.conv_template = conv_template
        self.n_ctx = max_model_len or int(getattr(AutoConfig.from_pretrained(path), "max_position_embeddings", 2048))
        self.concurrency = max_num_seqs  # continuous batching: this many run at once
        args = AsyncEngineArgs(
            model=path, dtype=dtype, tensor_parallel_size=tensor_parallel_size,
            gpu_memory_utilization=gpu_memory_utilization, max_model_len=self.n_ctx,
            max_num_seqs=max_num_seqs, load_format=load_format, enforce_eager=enforce_eager,
            disable_log_stats=True,
        )
        self.engine = AsyncLLMEngine.from_engine_args(args)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    def render(self, params: dict[str, Any]) -> str:
        if params.get("messages"):
            return render_chat(params["messages"], self.tokenizer, self.conv_template)
        return params.get("prompt", "")

    async def astream(self, params: dict[str, Any]) -> AsyncIterator[Chunk]:
        """Yield chunks with the whole text so far; the last one has finish_reason."""
        prompt = self.render(params)
        kwargs = sampling_kwargs(params)
        if params.get("messages"):
            kwargs["stop"] = (kwargs["stop"] or []) + conversation_stop(self.conv_template) or None
        # Tokenised here, once: a chat template writes its own BOS, other prompts get one.
        own_template = bool(params.get("messages")) and self.conv_template is None \
            and bool(getattr(self.tokenizer, "chat_template", None))
        token_ids = self.tokenizer(prompt, add_special_tokens=not own_template).input_ids
        prompt_tokens = len(token_ids)
        if prompt_tokens + kwargs["max_tokens"] > self.n_ctx:
            yield Chunk(
                text=(f"This model's maximum context length is {self.n_ctx} tokens; the prompt has "
                      f"{prompt_tokens} and {kwargs['max_tokens']} more were asked for. Shorten the prompt "
                      "or lower max_new_tokens."),
                error_code=CONTEXT_OVERFLOW,
            )
            return
        try:
            sampling = self._sampling.SamplingParams(**kwargs, **_guided(self._sampling, constraint(params)))
        except (ValueError, TypeError) as exc:  # vLLM validates its parameters on construction
            yield Chunk(text=f"invalid sampling parameters: {exc}", error_code=PARAM_OUT_OF_RANGE)
            return
        request_id = uuid.uuid4().hex
        finished = False
        try:
            async for output in self.engine.generate({"prompt_token_ids": token_ids}, sampling, request_id):
                choice = output.outputs[0]
                finished = output.finished
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(choice.token_ids),
                         "total_tokens": prompt_tokens + len(choice.token_ids)}
                reason = (choice.finish_reason or "stop") if finished else None
                yield Chunk(text=choice.text, finish_reason=reason, usage=usage)
        except Exception as exc:  # a failed request must not take the worker down
            yield Chunk(text=f"vLLM failed this request: {exc}", error_code=INTERNAL_ERROR)
        finally:
            if not finished:
                # The caller went away: free the sequence's batch slot and KV blocks now.
                await self.engine.abort(request_id)
