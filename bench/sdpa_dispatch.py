"""Cost of one decode-shaped `scaled_dot_product_attention` call per SDPA kernel.

A decode step attends one query to a key cache that grows by one each step;
this times that shape (40 heads of 128, keys around 2,048, bf16) with a fixed
and with a growing key length, under torch's default dispatch and with each
kernel forced. It is why `llm/transformers_engine.py` keeps SDPA off cuDNN
(docs/benchmarks.md, serving on a GPU).

    python bench/sdpa_dispatch.py        # needs a CUDA GPU, ~1 minute
"""

from __future__ import annotations

import contextlib
import time

CALLS = 200


def time_calls(q, backends, growing: bool) -> tuple[float, float]:
    """(first pass, second pass) in ms per call; the second is the steady state."""
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import sdpa_kernel

    times = []
    with sdpa_kernel(backends) if backends else contextlib.nullcontext():
        for second in (0, 1):
            torch.cuda.synchronize()
            started = time.perf_counter()
            for i in range(CALLS):
                length = 2048 + i + CALLS * second if growing else 2048
                k = torch.randn(1, 40, length, 128, device=q.device, dtype=q.dtype)
                F.scaled_dot_product_attention(q, k, k)
            torch.cuda.synchronize()
            times.append((time.perf_counter() - started) / CALLS * 1e3)
    return times[0], times[1]


def main() -> None:
    import torch
    from torch.nn.attention import SDPBackend

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU visible: this probe measures GPU kernels")
    q = torch.randn(1, 40, 1, 128, device="cuda", dtype=torch.bfloat16)
    kernels = [("default", None), ("cudnn", [SDPBackend.CUDNN_ATTENTION]), ("flash", [SDPBackend.FLASH_ATTENTION]),
               ("efficient", [SDPBackend.EFFICIENT_ATTENTION]), ("math", [SDPBackend.MATH])]
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    for name, backends in kernels:
        for growing in (False, True):
            try:
                first, steady = time_calls(q, backends, growing)
            except RuntimeError as exc:
                print(f"{name:10s} failed: {str(exc)[:120]}")
                break
            shape = "growing kv len" if growing else "fixed kv len"
            print(f"{name:10s} {shape}: {steady:.3f} ms/call (first pass {first:.3f})", flush=True)


if __name__ == "__main__":
    main()
