"""What grammar-constrained decoding costs on the CPU: the same text-to-SQL
prompt answered free (a fenced query) and under the pipeline's JSON schema,
alternating, with the default model in this process.

    .venv/bin/python bench/constrained_decoding.py [--rounds 4]

The full text-to-SQL pipeline generates free text and asks again under the
JSON schema only when an answer holds no query; this measures why. Prints a
markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.sqlgen.full import RESPONSE_FORMAT  # noqa: E402
from llm.llamacpp_engine import LlamaCppEngine  # noqa: E402
from tests.support.helpers import model_file  # noqa: E402

SYSTEM = ("You write SQLite queries for these tables:\n"
          "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT);\n"
          "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), "
          "total REAL, created_at TEXT);\n")
QUESTION = "Total spent per city in 2023, highest first, with the number of customers in each city"
FREE = "Answer with the query in a ```sql block, then one short sentence that explains it."
JSON_ASK = 'Answer with JSON: {"sql": "...", "explanation": "one short sentence"}'


def run_once(engine: LlamaCppEngine, ask: str, response_format) -> tuple[float, int]:
    params = {"messages": [{"role": "system", "content": SYSTEM + ask}, {"role": "user", "content": QUESTION}],
              "max_new_tokens": 200, "temperature": 0.0}
    if response_format:
        params["response_format"] = response_format
    for _ in engine.stream({**params, "max_new_tokens": 1}):  # warm the prompt's KV cache: time decoding
        pass
    start = time.perf_counter()
    last = None
    for last in engine.stream(params):
        pass
    return time.perf_counter() - start, last.usage["completion_tokens"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    engine = LlamaCppEngine(model_file(), n_ctx=4096)
    rates: dict[str, list[float]] = {"free": [], "json_schema": []}
    tokens: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, ask, fmt in (("free", FREE, None), ("json_schema", JSON_ASK, RESPONSE_FORMAT)):
            seconds, count = run_once(engine, ask, fmt)
            rates[name].append(count / seconds)
            tokens[name] = count
    free, constrained = statistics.median(rates["free"]), statistics.median(rates["json_schema"])
    print("| decoding | tokens/s (median) | tokens per answer |")
    print("| --- | --- | --- |")
    print(f"| free (fenced SQL) | {free:.1f} | {tokens['free']} |")
    print(f"| JSON schema grammar | {constrained:.1f} | {tokens['json_schema']} |")
    print(f"\nconstrained/free tokens/s: {constrained / free:.2f}")
    print(json.dumps({"free_tok_s": round(free, 2), "json_schema_tok_s": round(constrained, 2),
                      "ratio": round(constrained / free, 3), "tokens": tokens, "rounds": args.rounds}))


if __name__ == "__main__":
    main()
