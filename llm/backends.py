"""Build the engine a worker serves, by backend name.

Each backend's heavy library is imported only when that backend is chosen,
so a llama.cpp worker never loads torch and a CPU machine never needs vLLM.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("llamacpp", "transformers", "vllm", "embedding")


@dataclass
class EngineOptions:
    n_ctx: int | None = None
    n_threads: int | None = None
    dtype: str = "auto"
    attn_implementation: str = "sdpa"
    quantization: str | None = None
    device_map: str | None = "auto"
    conv_template: str | None = None
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float = 0.9
    max_num_seqs: int = 64
    device: str | None = None


def build_engine(backend: str, model_path: Path, options: EngineOptions):
    if backend == "llamacpp":
        from llm.llamacpp_engine import LlamaCppEngine

        return LlamaCppEngine(model_path, n_ctx=options.n_ctx or 4096, n_threads=options.n_threads)
    if backend == "transformers":
        from llm.transformers_engine import TransformersEngine

        return TransformersEngine.load(
            model_path, dtype=options.dtype, attn_implementation=options.attn_implementation,
            quantization=options.quantization, device_map=options.device_map,
            conv_template=options.conv_template, n_ctx=options.n_ctx, n_threads=options.n_threads,
        )
    if backend == "vllm":
        from llm.vllm_engine import VllmEngine

        return VllmEngine(
            model_path, dtype=options.dtype, tensor_parallel_size=options.tensor_parallel_size,
            gpu_memory_utilization=options.gpu_memory_utilization, max_model_len=options.n_ctx,
            max_num_seqs=options.max_num_seqs, conv_template=options.conv_template,
        )
    if backend == "embedding":
        from llm.embedding_engine import EmbeddingEngine

        return EmbeddingEngine(model_path, device=options.device, n_threads=options.n_threads)
    raise ValueError(f"unknown backend '{backend}'; available: {', '.join(BACKENDS)}")
