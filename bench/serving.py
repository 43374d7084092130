"""Serving speed of the whole stack (API -> controller -> llama.cpp worker).

1. Side by side, same prompt, alternating: tokens/s and time to first token
   through `dbgpt serve` (OpenAI API, streamed) versus bare llama-cpp-python
   in this process. Target: stack/bare tokens/s >= 0.95.
2. Prefix reuse: TTFT of a second question on the same ~1,500-token schema
   prefix (the worker reuses the prefix's KV cache) versus the same question
   after another prompt evicted it. Target: >= 5x faster.
3. `--clients` concurrent clients for `--duration` seconds: errors,
   throughput, p50/p95 latency.
4. Resident memory of the llama.cpp worker (peak). Target: < 2 GB.

    .venv/bin/python bench/serving.py                 # the full run (~6 minutes on 2 cores)
    .venv/bin/python bench/serving.py --duration 30   # a shorter concurrency part

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.auth import cli_key  # noqa: E402
from tests.support.helpers import free_port, model_file, offline_env  # noqa: E402

HEADERS: dict[str, str] = {}  # an admin's API key for the stack under test

MODEL = "qwen2.5-coder-1.5b-instruct"
SIDE_PROMPT = [
    {"role": "system", "content": "You are an expert SQL writer."},
    {"role": "user", "content": "Write ten different SQLite queries over a table orders(id, customer, total, "
                                "day). Number them."},
]


def schema_prompt(tables: int = 24) -> str:
    """About 1,500 tokens of CREATE TABLE statements, like a full demo schema."""
    columns = ["id INTEGER PRIMARY KEY", "name TEXT NOT NULL", "created_at TIMESTAMP", "status TEXT",
               "amount NUMERIC(10, 2)", "owner_id INTEGER", "region TEXT", "notes TEXT"]
    parts = []
    for i in range(tables):
        cols = ",\n  ".join(f"{c.split()[0]}_{i} {' '.join(c.split()[1:])}" if j else c
                            for j, c in enumerate(columns))
        parts.append(f"CREATE TABLE table_{i:02d} (\n  {cols}\n);")
    return "Answer with one SQLite query for this schema.\n" + "\n".join(parts)


class Stack:
    """`dbgpt serve` in a temporary data dir."""

    def __init__(self, n_ctx: int):
        self.data = Path(tempfile.mkdtemp(prefix="bench-serving-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = offline_env({
            "DBGPT_DATA_DIR": str(self.data), "DBGPT_MODEL_PATH": str(model_file()), "DBGPT_PORT": str(self.port),
            "DBGPT_CONTROLLER_PORT": str(free_port()), "DBGPT_WORKER_PORT": str(free_port()),
            "DBGPT_N_CTX": str(n_ctx), "DBGPT_LLM_TIMEOUT_S": "600", "DBGPT_WORKER_QUEUE_SIZE": "16",
            # The concurrency part sends every client's requests with one key.
            "DBGPT_MAX_IN_FLIGHT_PER_USER": "64",
        })
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", "serve"], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the stack did not start; see {self.data / 'logs'}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        HEADERS.update(cli_key(env))

    def worker_pid(self) -> int:
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return next(int(line.split()[0]) for line in out.splitlines() if " worker " in line)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)


def kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def stack_chat(url: str, messages, max_tokens: int) -> dict:
    """One streamed chat completion through the API: TTFT, decode tokens/s, tokens."""
    start = time.perf_counter()
    first = last = None
    usage = {}
    body = {"model": MODEL, "messages": messages, "max_tokens": max_tokens, "temperature": 0, "stream": True,
            "stream_options": {"include_usage": True}}
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, headers=HEADERS, timeout=900) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                usage = event["usage"]
            if any(c["delta"].get("content") for c in event.get("choices", [])):
                last = time.perf_counter()
                first = first or last
    return _timing(start, first, last, usage.get("completion_tokens", 0))


def bare_chat(llm, messages, max_tokens: int) -> dict:
    start = time.perf_counter()
    first = last = None
    tokens = 0
    for event in llm.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=0.0, top_k=1,
                                            top_p=1.0, repeat_penalty=1.0, stream=True):
        if event["choices"][0]["delta"].get("content"):
            tokens += 1
            last = time.perf_counter()
            first = first or last
    return _timing(start, first, last, tokens)


def _timing(start, first, last, tokens) -> dict:
    decode = (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0
    return {"ttft": (first or time.perf_counter()) - start, "tps": decode, "tokens": tokens}


def side_by_side(url: str, n_ctx: int, rounds: int, max_tokens: int) -> dict:
    from llama_cpp import Llama

    # The worker's settings (llm.llamacpp_engine): same threads, context and loading.
    llm = Llama(model_path=str(model_file()), n_ctx=n_ctx, n_threads=os.cpu_count() or 1, use_mmap=False,
                verbose=False)
    stack, bare = [], []
    for r in range(rounds):
        # A new first line each round: neither side reuses the previous round's cache.
        messages = [{"role": "system", "content": f"Round {r}. " + SIDE_PROMPT[0]["content"]}, SIDE_PROMPT[1]]
        order = [("bare", bare), ("stack", stack)] if r % 2 == 0 else [("stack", stack), ("bare", bare)]
        for name, results in order:
            results.append(bare_chat(llm, messages, max_tokens) if name == "bare"
                           else stack_chat(url, messages, max_tokens))
        print(f"  round {r}: bare {bare[-1]}  stack {stack[-1]}", file=sys.stderr)
    del llm
    med = lambda rows, key: statistics.median(row[key] for row in rows)  # noqa: E731
    return {"bare_tps": med(bare, "tps"), "stack_tps": med(stack, "tps"), "bare_ttft": med(bare, "ttft"),
            "stack_ttft": med(stack, "ttft"), "tokens": stack[-1]["tokens"], "bare_tokens": bare[-1]["tokens"]}


def prefix_reuse(url: str) -> dict:
    system = {"role": "system", "content": schema_prompt()}
    tokens = httpx.post(url + "/v1/chat/completions", timeout=900, headers=HEADERS, json={
        "model": MODEL, "max_tokens": 1, "temperature": 0,
        "messages": [system, {"role": "user", "content": "How many rows are in table_03?"}]}).json()
    prompt_tokens = tokens["usage"]["prompt_tokens"]  # this first call also warms the prefix
    second = [system, {"role": "user", "content": "Which table_07 rows have status 'open'?"}]
    warm = stack_chat(url, second, 1)["ttft"]
    stack_chat(url, [{"role": "user", "content": "Say hello."}], 1)  # another prompt takes the cache
    cold = stack_chat(url, second, 1)["ttft"]
    return {"prompt_tokens": prompt_tokens, "warm": warm, "cold": cold}


async def concurrency(url: str, clients: int, duration: float, worker_pid: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    tokens = 0
    peak_rss = 0
    deadline = time.monotonic() + duration

    async def client(i: int, http: httpx.AsyncClient) -> None:
        nonlocal tokens
        n = 0
        while time.monotonic() < deadline:
            n += 1
            body = {"model": MODEL, "max_tokens": 16, "temperature": 0, "messages": [
                {"role": "system", "content": "You write SQLite SQL for: CREATE TABLE t(id int, name text);"},
                {"role": "user", "content": f"Client {i}, question {n}: count the rows of t."}]}
            started = time.monotonic()
            try:
                response = await http.post(url + "/v1/chat/completions", json=body)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                tokens += response.json()["usage"]["completion_tokens"]
                latencies.append(time.monotonic() - started)
            except httpx.HTTPError as exc:
                errors.append(repr(exc))

    async def watch_memory() -> None:
        nonlocal peak_rss
        while time.monotonic() < deadline:
            peak_rss = max(peak_rss, kb(worker_pid, "VmRSS"))
            await asyncio.sleep(0.5)

    started = time.monotonic()
    async with httpx.AsyncClient(headers=HEADERS, timeout=600) as http:
        await asyncio.gather(watch_memory(), *(client(i, http) for i in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)] if latencies else float("nan")
    return {"requests": len(latencies), "errors": errors, "elapsed": elapsed, "tokens": tokens,
            "p50": statistics.median(latencies) if latencies else float("nan"), "p95": p95, "rss_kb": peak_rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="side-by-side rounds (median taken)")
    parser.add_argument("--max-tokens", type=int, default=96, help="tokens generated per side-by-side request")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of the concurrency part")
    parser.add_argument("--n-ctx", type=int, default=4096)
    args = parser.parse_args()

    print(f"starting the stack (dbgpt serve, {os.cpu_count()} CPUs)...", file=sys.stderr)
    stack = Stack(args.n_ctx)
    try:
        print("side by side...", file=sys.stderr)
        side = side_by_side(stack.url, args.n_ctx, args.rounds, args.max_tokens)
        print("prefix reuse (two ~40 s cold prompts on 2 cores)...", file=sys.stderr)
        prefix = prefix_reuse(stack.url)
        print(f"{args.clients} clients for {args.duration:.0f} s...", file=sys.stderr)
        pid = stack.worker_pid()
        load = asyncio.run(concurrency(stack.url, args.clients, args.duration, pid))
        peak_kb = max(kb(pid, "VmHWM"), load["rss_kb"])
    finally:
        stack.stop()

    ratio = side["stack_tps"] / side["bare_tps"] if side["bare_tps"] else 0.0
    speedup = prefix["cold"] / prefix["warm"] if prefix["warm"] else 0.0
    ok = lambda good: "pass" if good else "FAIL"  # noqa: E731
    rows = [
        ("decode tokens/s, bare llama-cpp-python", f"{side['bare_tps']:.2f}", "", ""),
        ("decode tokens/s, API -> controller -> worker", f"{side['stack_tps']:.2f}", "", ""),
        ("ratio stack / bare", f"{ratio:.3f}", ">= 0.95", ok(ratio >= 0.95)),
        ("TTFT bare / stack (s)", f"{side['bare_ttft']:.2f} / {side['stack_ttft']:.2f}", "", ""),
        ("tokens per answer (bare / stack)", f"{side['bare_tokens']} / {side['tokens']}", "equal",
         ok(side["bare_tokens"] == side["tokens"])),
        (f"TTFT 2nd question, {prefix['prompt_tokens']}-token prefix, reused (s)", f"{prefix['warm']:.2f}", "", ""),
        ("TTFT same question, prefix not cached (s)", f"{prefix['cold']:.2f}", "", ""),
        ("prefix reuse speed-up", f"{speedup:.1f}x", ">= 5x", ok(speedup >= 5)),
        (f"{args.clients} clients x {load['elapsed']:.0f} s: requests / errors",
         f"{load['requests']} / {len(load['errors'])}", "0 errors", ok(not load["errors"] and load["requests"])),
        ("throughput (requests/s, completion tokens/s)",
         f"{load['requests'] / load['elapsed']:.2f}, {load['tokens'] / load['elapsed']:.2f}", "", ""),
        ("latency p50 / p95 (s)", f"{load['p50']:.2f} / {load['p95']:.2f}", "", ""),
        ("llama.cpp worker peak RSS (GB)", f"{peak_kb / 1024**2:.2f}", "< 2 GB", ok(peak_kb < 2 * 1024**2)),
    ]
    print(f"\n`bench/serving.py --rounds {args.rounds} --max-tokens {args.max_tokens} --clients {args.clients} "
          f"--duration {args.duration:.0f}` on {os.cpu_count()} CPUs, {MODEL} Q4_K_M, n_ctx {args.n_ctx}\n")
    print("| measure | value | target | result |\n| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if load["errors"]:
        print("\nerrors:", *load["errors"][:5], sep="\n  ")


if __name__ == "__main__":
    main()
