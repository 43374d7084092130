"""GPU serving speed: a vicuna-13b-shaped LLaMA with random bf16 weights.

Speed does not depend on the weights' values, so a LlamaConfig with
vicuna-13b's shape (40 layers, hidden 5120, 40 heads, vocab 32000) and random
weights made on the GPU is a fair benchmark without the real weights. Runs
through our transformers engine (llm.transformers_engine), SDPA versus
eager attention (and FlashAttention-2 where flash-attn is installed): TTFT,
decode tokens/s and peak GPU memory; `--torch-default-sdpa` measures SDPA
under torch's default kernel dispatch, which the engine avoids; then vLLM
(llm.vllm_engine, dummy weights of the same shape) if vLLM is installed:
one stream and `--batch` concurrent streams.

    python bench/serving_gpu.py --repeat 2       # on a machine with a CUDA GPU (~3 minutes)
    python bench/serving_gpu.py --dry-run        # tiny shape, any device: checks the script itself

Needs torch and transformers (vLLM optional); nothing is downloaded.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VICUNA_13B = dict(vocab_size=32000, hidden_size=5120, intermediate_size=13824, num_hidden_layers=40,
                  num_attention_heads=40, num_key_value_heads=40, max_position_embeddings=4096,
                  rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2)
TINY = dict(VICUNA_13B, hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
            num_key_value_heads=2)


def word_tokenizer(vocab_size: int):
    """A word-level tokenizer covering every id, so any generated id decodes."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, **{f"w{i}": i for i in range(3, vocab_size)}}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def prompt_of(tokens: int) -> str:
    return " ".join(f"w{3 + (i * 7919) % 31000}" for i in range(tokens))


def measure(engine, prompt_tokens: int, new_tokens: int) -> dict:
    import torch

    gpu = engine.model.device.type == "cuda"
    params = {"prompt": prompt_of(prompt_tokens - 1), "max_new_tokens": new_tokens, "ignore_eos": True}
    list(engine.stream({**params, "max_new_tokens": 8}))  # warm-up: kernels chosen, caches allocated
    if gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    first = last = None
    usage = {}
    for chunk in engine.stream(params):
        now = time.perf_counter()
        first = first or now
        last = now
        usage = chunk.usage
    peak = 0.0
    if gpu:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() / 1024**3
    n = usage.get("completion_tokens", 0)
    return {"ttft": first - start, "tps": (n - 1) / (last - first) if n > 1 else 0.0, "tokens": n,
            "peak_gb": peak, "prompt": usage.get("prompt_tokens", 0)}


def measure_median(engine, prompt_tokens: int, new_tokens: int, repeat: int) -> dict:
    """Median TTFT and tokens/s over `repeat` runs (one GPU run can hit a clock change), the highest peak."""
    runs = [measure(engine, prompt_tokens, new_tokens) for _ in range(repeat)]
    return {**runs[0], "ttft": statistics.median(r["ttft"] for r in runs),
            "tps": statistics.median(r["tps"] for r in runs), "peak_gb": max(r["peak_gb"] for r in runs),
            "runs": repeat}


def attentions(asked: list[str]) -> list[str]:
    """The asked implementations; FlashAttention-2 only where its package is installed."""
    found = importlib.util.find_spec("flash_attn") is not None
    if "flash_attention_2" in asked and not found:
        print("  flash_attention_2: skipped, the flash-attn package is not installed", file=sys.stderr)
    return [a for a in asked if a != "flash_attention_2" or found]


def transformers_rows(shape: dict, lengths: list[int], new_tokens: int, device: str, repeat: int,
                      asked: list[str], torch_default_sdpa: bool = False) -> list[dict]:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from llm.transformers_engine import TransformersEngine

    config = LlamaConfig(**shape)
    started = time.perf_counter()
    with torch.device(device):
        model = LlamaForCausalLM._from_config(config, dtype=torch.bfloat16, attn_implementation="sdpa")
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    print(f"  built {params / 1e9:.2f} B parameters on {device} in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    engine = TransformersEngine(model, word_tokenizer(shape["vocab_size"]), n_ctx=shape["max_position_embeddings"])
    if torch_default_sdpa:
        torch.backends.cuda.enable_cudnn_sdp(True)
    rows = []
    for attention in attentions(asked):
        model.set_attn_implementation(attention)
        assert engine.attn_implementation == attention, engine.attn_implementation
        for length in lengths:
            label = f"{attention} (torch default dispatch)" if torch_default_sdpa and attention == "sdpa" else attention
            row = {"backend": "transformers", "attention": label, **measure_median(engine, length, new_tokens, repeat)}
            print(f"  {row}", file=sys.stderr)
            rows.append(row)
    del engine, model
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
    return rows


async def _vllm_stream(engine, params) -> dict:
    start = time.perf_counter()
    first = last = None
    usage = {}
    async for chunk in engine.astream(params):
        now = time.perf_counter()
        first = first or now
        last = now
        usage = chunk.usage
    n = usage.get("completion_tokens", 0)
    return {"ttft": first - start, "tps": (n - 1) / (last - first) if n > 1 else 0.0, "tokens": n,
            "prompt": usage.get("prompt_tokens", 0), "end": last}


def vllm_rows(shape: dict, length: int, new_tokens: int, batch: int, eager: bool) -> list[dict]:
    import torch
    from transformers import LlamaConfig

    from llm.vllm_engine import VllmEngine, vllm_missing_reason

    reason = vllm_missing_reason()
    if reason:
        print(f"  vLLM skipped: {reason}", file=sys.stderr)
        return [{"backend": f"vLLM skipped: {reason}"}]
    folder = Path(tempfile.mkdtemp(prefix="vicuna13b-shape-"))
    LlamaConfig(**shape, torch_dtype="bfloat16").save_pretrained(folder)
    word_tokenizer(shape["vocab_size"]).save_pretrained(folder)
    engine = VllmEngine(folder, dtype="bfloat16", load_format="dummy", max_model_len=shape["max_position_embeddings"],
                        gpu_memory_utilization=0.85, max_num_seqs=max(batch, 8), enforce_eager=eager)
    params = {"prompt": prompt_of(length - 1), "max_new_tokens": new_tokens, "ignore_eos": True}

    async def run() -> list[dict]:
        await _vllm_stream(engine, {**params, "max_new_tokens": 8})
        single = await _vllm_stream(engine, params)
        started = time.perf_counter()
        many = await asyncio.gather(*(_vllm_stream(engine, {**params, "prompt": f"w{3 + i} " + params["prompt"]})
                                      for i in range(batch)))
        elapsed = max(r["end"] for r in many) - started
        total = sum(r["tokens"] for r in many)
        batched = {"ttft": sum(r["ttft"] for r in many) / batch, "tps": total / elapsed, "tokens": total,
                   "prompt": many[0]["prompt"]}
        return [single, batched]

    single, batched = asyncio.run(run())
    peak = torch.cuda.mem_get_info()
    used_gb = (peak[1] - peak[0]) / 1024**3  # vLLM preallocates its KV cache: report what it holds
    return [{"backend": "vLLM", "attention": "vLLM default", **single, "peak_gb": used_gb},
            {"backend": f"vLLM, {batch} streams (aggregate)", "attention": "vLLM default", **batched,
             "peak_gb": used_gb}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", default="512,2048,3584", help="prompt lengths in tokens, comma separated")
    parser.add_argument("--attentions", default="sdpa,eager,flash_attention_2",
                        help="attention implementations to measure, comma separated")
    parser.add_argument("--torch-default-sdpa", action="store_true",
                        help="let SDPA use cuDNN as torch does by default (the engine keeps it off)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median is reported")
    parser.add_argument("--new-tokens", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32, help="concurrent vLLM streams")
    parser.add_argument("--no-vllm", action="store_true")
    parser.add_argument("--vllm-eager", action="store_true", help="skip CUDA graphs (faster start, slower decode)")
    parser.add_argument("--dry-run", action="store_true", help="a tiny shape: check the script, not the GPU")
    parser.add_argument("--device", default="cuda", help="cuda; cpu only with --dry-run")
    args = parser.parse_args()

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU visible: run this on a GPU machine (bench/serving.py covers CPUs)")
    if args.device != "cuda" and not args.dry_run:
        raise SystemExit("a 13B model off the GPU is not a benchmark: use --dry-run with --device cpu")
    shape = TINY if args.dry_run else VICUNA_13B
    lengths = [int(x) for x in args.lengths.split(",")]
    device_name = torch.cuda.get_device_name(0) if args.device == "cuda" else "CPU"
    print(f"device: {device_name}, torch {torch.__version__}", file=sys.stderr)
    rows = transformers_rows(shape, lengths, args.new_tokens, args.device, args.repeat, args.attentions.split(","),
                             args.torch_default_sdpa)
    if not args.no_vllm and args.device == "cuda":
        rows += vllm_rows(shape, lengths[0], args.new_tokens, args.batch, args.vllm_eager)

    import transformers

    name = "tiny (dry run)" if args.dry_run else "vicuna-13b shape, random bf16 weights"
    print(f"\n`python bench/serving_gpu.py {' '.join(sys.argv[1:])}` on {device_name}, "
          f"{name}, torch {torch.__version__}, transformers {transformers.__version__}, "
          f"{args.new_tokens} new tokens, greedy, median of {args.repeat} runs per transformers row\n")
    print("| backend | attention | prompt tokens | TTFT (s) | decode tokens/s | peak GPU memory (GB) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        if "tps" not in row:
            print(f"| {row['backend']} | | | | | |")
            continue
        print(f"| {row['backend']} | {row['attention']} | {row['prompt']} | {row['ttft']:.3f} | "
              f"{row['tps']:.1f} | {row['peak_gb']:.1f} |")
    print("\n" + json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
