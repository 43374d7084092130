"""A Hugging Face causal LM (the LLaMA family: vicuna, ExpertLLaMA, ...) in
transformers, generating from FastChat-protocol params.

`model.generate` runs in its own thread and hands token ids to `stream`
through a streamer; a stopping criterion watches the caller's cancel event.
Attention is always set explicitly (`sdpa` by default, `flash_attention_2`
for FlashAttention-2, `eager` only for comparison) so a model never silently
falls back to the slow path. Not thread-safe: the worker runs one request at
a time.
"""

from __future__ import annotations

import importlib.util
import queue
import threading
from pathlib import Path
from typing import Any, Iterator

from llm.chat_format import conversation_stop, cut_at_stop, render_chat
from llm.protocol import CONTEXT_OVERFLOW, CUDA_OUT_OF_MEMORY, PARAM_OUT_OF_RANGE, Chunk
from llm.token_logprobs import ChosenTokenLogprobs, recorded

ATTENTION = ("sdpa", "flash_attention_2", "eager")
DTYPES = ("auto", "float16", "bfloat16", "float32")
QUANTIZATION = (None, "8bit", "4bit")


class EngineLoadError(Exception):
    """The model cannot be loaded as asked (say why, and what would fix it)."""


def _torch_dtype(name: str, on_gpu: bool):
    import torch

    if name == "auto":
        if not on_gpu:
            return torch.float32  # half precision on CPU is slow and lossy
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return getattr(torch, name)


def _quantization_config(quantization: str | None, dtype):
    if quantization is None:
        return None
    if importlib.util.find_spec("bitsandbytes") is None:
        raise EngineLoadError(
            f"{quantization} loading needs the bitsandbytes package and a CUDA GPU "
            "(pip install bitsandbytes==0.50.2)"
        )
    from transformers import BitsAndBytesConfig

    if quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype)


def _keep_sdpa_off_cudnn() -> None:
    """Let SDPA pick FlashAttention or memory-efficient attention, not cuDNN.

    Measured on an H200 (torch 2.11, vicuna-13b shape, docs/benchmarks.md): with
    torch's default dispatch each decode step, whose key length grows by one,
    costs far more on the CPU, and decoding ran at 10-12 tokens/s against 28-36
    with cuDNN left out. One model per worker process, so the global switch is ours.
    """
    import torch

    torch.backends.cuda.enable_cudnn_sdp(False)


class TransformersEngine:
    def __init__(self, model, tokenizer, *, conv_template: str | None = None, n_ctx: int | None = None):
        """Wrap a loaded model; `load` builds one from a folder."""
        self.model = model
        self.tokenizer = tokenizer
        # None: the tokenizer's own chat template when it has one, else vicuna v1.1.
        self.conv_template = conv_template
        self.n_ctx = n_ctx or int(getattr(model.config, "max_position_embeddings", 2048))
        self.eos_ids = self._eos_ids()
        if model.device.type == "cuda":
            _keep_sdpa_off_cudnn()

    @classmethod
    def load(
        cls,
        model_path: Path | str,
        *,
        dtype: str = "auto",
        attn_implementation: str = "sdpa",
        quantization: str | None = None,
        device_map: str | dict | None = "auto",
        conv_template: str | None = None,
        n_ctx: int | None = None,
        n_threads: int | None = None,
    ) -> "TransformersEngine":
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if n_threads:
            # On a busy CPU, fewer threads than cores avoids OpenMP spin contention.
            torch.set_num_threads(n_threads)

        if attn_implementation not in ATTENTION:
            raise EngineLoadError(f"attn_implementation must be one of {ATTENTION}, not {attn_implementation!r}")
        if dtype not in DTYPES:
            raise EngineLoadError(f"dtype must be one of {DTYPES}, not {dtype!r}")
        if quantization not in QUANTIZATION:
            raise EngineLoadError(f"quantization must be 8bit or 4bit, not {quantization!r}")
        on_gpu = torch.cuda.is_available()
        if quantization and not on_gpu:
            raise EngineLoadError(f"{quantization} loading needs a CUDA GPU; none is visible")
        if attn_implementation == "flash_attention_2" and not on_gpu:
            raise EngineLoadError("flash_attention_2 needs a CUDA GPU; use --attn-implementation sdpa on CPU")
        torch_dtype = _torch_dtype(dtype, on_gpu)
        path = str(model_path)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            path,
            dtype=torch_dtype,
            attn_implementation=attn_implementation,
            device_map=device_map if on_gpu else None,
            quantization_config=_quantization_config(quantization, torch_dtype),
            local_files_only=True,
        )
        model.eval()
        return cls(model, tokenizer, conv_template=conv_template, n_ctx=n_ctx)

    def _eos_ids(self) -> set[int]:
        ids = set()
        for source in (getattr(self.model, "generation_config", None), self.model.config, self.tokenizer):
            value = getattr(source, "eos_token_id", None)
            if value is not None:
                ids.update(value if isinstance(value, (list, tuple)) else [value])
        return ids

    @property
    def attn_implementation(self) -> str:
        return self.model.config._attn_implementation

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    @property
    def uses_chat_template(self) -> bool:
        return self.conv_template is None and bool(getattr(self.tokenizer, "chat_template", None))

    def render(self, params: dict[str, Any]) -> str:
        if params.get("messages"):
            return render_chat(params["messages"], self.tokenizer, self.conv_template)
        return params.get("prompt", "")

    def stream(self, params: dict[str, Any], cancelled: threading.Event | None = None) -> Iterator[Chunk]:
        """Yield chunks with the whole text so far; the last one has finish_reason."""
        import torch

        if params.get("grammar") or (params.get("response_format") or {}).get("type") in ("json_schema", "json_object"):
            yield Chunk(
                text="The transformers backend does not constrain output to a schema or grammar; "
                     "serve this model with the llamacpp or vllm backend for guided decoding.",
                error_code=PARAM_OUT_OF_RANGE,
            )
            return
        max_tokens = int(params.get("max_new_tokens", params.get("max_tokens", 256)))
        prompt = self.render(params)
        # A model's chat template writes its own BOS; other prompts get the tokenizer's.
        own_template = bool(params.get("messages")) and self.uses_chat_template
        encoded = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=not own_template)
        prompt_tokens = int(encoded.input_ids.shape[1])
        if prompt_tokens + max_tokens > self.n_ctx:
            yield Chunk(
                text=(
                    f"This model's maximum context length is {self.n_ctx} tokens; the prompt has "
                    f"{prompt_tokens} and {max_tokens} more were asked for. Shorten the prompt "
                    "or lower max_new_tokens."
                ),
                error_code=CONTEXT_OVERFLOW,
            )
            return
        stops = [s for s in (params.get("stop") or []) if s]
        if params.get("messages"):
            stops += conversation_stop(self.conv_template)
        try:
            yield from self._generate(encoded, params, max_tokens, stops, prompt_tokens, cancelled)
        except torch.cuda.OutOfMemoryError as exc:
            yield Chunk(text=f"the GPU ran out of memory: {exc}", error_code=CUDA_OUT_OF_MEMORY)

    def _generate(self, encoded, params, max_tokens, stops, prompt_tokens, cancelled) -> Iterator[Chunk]:
        import torch

        # generate() stops when the caller cancels or when we stop reading (EOS, stop string).
        done_reading = threading.Event()
        caller = cancelled or threading.Event()
        streamer = _TokenQueue()
        kwargs = self._generate_kwargs(encoded, params, max_tokens, stops, streamer,
                                       lambda: caller.is_set() or done_reading.is_set())
        recorder = None
        if params.get("logprobs"):
            from transformers import LogitsProcessorList

            recorder = ChosenTokenLogprobs(lambda token: self.tokenizer.decode([token]))
            kwargs["logits_processor"] = LogitsProcessorList([_Recording(recorder)])
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as exc:  # handed to the consuming thread
                failure.append(exc)
            finally:
                streamer.end()

        seed = params.get("seed")
        if seed is not None:
            torch.manual_seed(int(seed))  # one request at a time: global RNG is ours
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ids: list[int] = []
        shown, finish = "", None
        try:
            for token in streamer:
                if token in self.eos_ids and not params.get("ignore_eos"):
                    finish = "stop"
                    break
                ids.append(token)
                text, stopped = cut_at_stop(self.tokenizer.decode(ids, skip_special_tokens=True), stops)
                if stopped:
                    shown, finish = text, "stop"
                    break
                if text != shown:
                    shown = text
                    yield Chunk(text=shown, usage=_usage(prompt_tokens, len(ids)), **recorded(recorder))
        finally:
            done_reading.set()
            thread.join()
        if failure:
            raise failure[0]
        if finish is None:
            if caller.is_set():
                finish = "cancelled"
            elif len(ids) >= max_tokens:
                finish = "length"
            else:
                finish = "stop"
            # Held-back text that never became a stop string is shown at the end.
            shown = self.tokenizer.decode(ids, skip_special_tokens=True)
        yield Chunk(text=shown, finish_reason=finish, usage=_usage(prompt_tokens, len(ids)), **recorded(recorder))

    def _generate_kwargs(self, encoded, params, max_tokens, stops, streamer, should_stop) -> dict[str, Any]:
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                import torch

                return torch.full((input_ids.shape[0],), should_stop(), dtype=torch.bool, device=input_ids.device)

        temperature = float(params.get("temperature", 0.0))
        device = self.model.device
        kwargs: dict[str, Any] = {
            "input_ids": encoded.input_ids.to(device),
            "attention_mask": encoded.attention_mask.to(device),
            "max_new_tokens": max_tokens,
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([Cancelled()]),
            "pad_token_id": self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
            else next(iter(self.eos_ids), 0),
            "repetition_penalty": float(params.get("repetition_penalty", 1.0)),
        }
        if temperature > 1e-5:
            kwargs.update(do_sample=True, temperature=temperature, top_p=float(params.get("top_p", 1.0)),
                          top_k=int(params.get("top_k", 0)))
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if stops:
            # generate() checks stop strings on token boundaries; we cut the text.
            kwargs.update(stop_strings=stops, tokenizer=self.tokenizer)
        if params.get("ignore_eos"):
            kwargs["min_new_tokens"] = max_tokens  # benchmarks: always the full length
        return kwargs


class _Recording:
    """A transformers logits processor that hands the first sequence's logits to the recorder."""

    def __init__(self, recorder: ChosenTokenLogprobs):
        self.recorder = recorder

    def __call__(self, input_ids, scores):
        self.recorder(input_ids[0].tolist(), scores[0].float().cpu().numpy())
        return scores


class _TokenQueue:
    """A generate() streamer that hands each new token id to another thread."""

    _END = object()

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.prompt_seen = False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() first pushes the prompt itself
            self.prompt_seen = True
            return
        for token in value.reshape(-1).tolist():
            self.queue.put(int(token))

    def end(self) -> None:
        self.queue.put(self._END)

    def __iter__(self):
        while (item := self.queue.get()) is not self._END:
            yield item


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}
