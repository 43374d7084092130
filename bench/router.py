"""The chat router: is each message sent to the skill that should answer it, and how fast?

The messages (bench/router_messages.json) were written for the demo shop
database and a knowledge space of the documents bench/qa.py reads, each
labelled with its skill; follow-ups carry the previous turn. Each goes
through the product's `assistant.router.route` with the default model loaded
in this process, as the API would call it. Reported per split: accuracy per
skill and overall, p50/p95 seconds of routing, and the share decided by the
rules and by the model, with the accuracy of each.

    .venv/bin/python bench/router.py [--split all|tuning|held_out] [--threads N] [--rules-only]

--rules-only routes without a model (what the rules decide, and how well);
rules are written from the tuning split only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.router import SKILLS, LastTurn, RouteContext, route  # noqa: E402

MESSAGES = REPO / "bench" / "router_messages.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def context_of(item: dict, spec: dict) -> RouteContext:
    last = item.get("last")
    return RouteContext(last=LastTurn(last["message"], last["skill"], last.get("sql")) if last else None,
                        dbs=spec["dbs"], spaces=spec["spaces"])


def report(rows: list[dict]) -> None:
    print(f"{'split':<9} {'skill':<9} {'right':>11} {'rules':>11} {'model':>11} {'p50 s':>7} {'p95 s':>7}")
    for split in ("tuning", "held_out", "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        for skill in (*SKILLS, "overall"):
            part = [r for r in chosen if skill == "overall" or r["skill"] == skill]
            if not part:
                continue
            by = {source: [r for r in part if r["source"] == source] for source in ("rules", "model")}
            right = sum(r["right"] for r in part)
            times = [r["seconds"] for r in part]
            shares = {s: f"{sum(r['right'] for r in by[s])}/{len(by[s])}" for s in by}
            print(f"{split:<9} {skill:<9} {right:>3}/{len(part):<3} {right / len(part):4.0%} "
                  f"{shares['rules']:>11} {shares['model']:>11} "
                  f"{percentile(times, 0.5):7.2f} {percentile(times, 0.95):7.2f}")
    sources = Counter(r["source"] for r in rows)
    print("decided by: " + ", ".join(f"{s} {n} ({n / len(rows):.0%})" for s, n in sources.most_common()))
    confusion = Counter((r["skill"], r["chosen"]) for r in rows if not r["right"])
    if confusion:
        print("wrong (labelled -> chosen): " + ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusion.most_common()))


def load_llm(args):
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine
    from llm.model_files import cached_path, spec_for
    from server.settings import Settings

    settings = Settings(data_dir=Path(args.data_dir))
    model = args.model or cached_path(spec_for(settings.model_name),
                                      Path(os.environ.get("DBGPT_MODEL_DIR", REPO / "data" / "models")))
    return LocalClient(LlamaCppEngine(Path(model), n_ctx=settings.n_ctx, n_threads=args.threads),
                       settings.model_name)


async def run(items: list[dict], spec: dict, llm, verbose: bool) -> list[dict]:
    rows = []
    for item in items:
        started = time.perf_counter()
        chosen = await route(item["message"], context_of(item, spec), llm)
        seconds = time.perf_counter() - started
        row = {"id": item["id"], "split": item["split"], "skill": item["skill"], "chosen": chosen.skill,
               "source": chosen.source, "right": chosen.skill == item["skill"], "seconds": seconds}
        rows.append(row)
        if verbose:
            print(f"{item['id']} {item['split']:<8} {'right' if row['right'] else 'WRONG'} {item['skill']:>8} -> "
                  f"{chosen.skill:<8} {chosen.source:<8} {seconds:5.2f}s {item['message'][:60]!r}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["all", "tuning", "held_out"], default="all")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: every core)")
    parser.add_argument("--model", default=None, help="a GGUF file (default: the verified default model)")
    parser.add_argument("--data-dir", default="/tmp/dbgpt-bench-router")
    parser.add_argument("--rules-only", action="store_true", help="no model: what the rules decide")
    parser.add_argument("--quiet", action="store_true", help="only the report")
    args = parser.parse_args()
    spec = json.loads(MESSAGES.read_text())
    items = [m for m in spec["messages"] if args.split in ("all", m["split"])]
    llm = None if args.rules_only else load_llm(args)
    if llm is not None:  # the stable prompt prefix is read once, as a running server has it cached
        asyncio.run(route("hello", RouteContext(dbs=spec["dbs"], spaces=spec["spaces"]), llm))
    report(asyncio.run(run(items, spec, llm, not args.quiet)))


if __name__ == "__main__":
    main()
