"""The chat router: is each message sent to the skill that should answer it, and how fast?

The messages (bench/router_messages.json) were written for the demo shop
database and a knowledge space of the documents bench/qa.py reads, each
labelled with its skill; follow-ups carry the previous turn. Each goes
through the product's `assistant.router.route` with what the API gives it:
the real demo database (built in --data-dir, as the server builds it) and
two real knowledge spaces holding bench/qa.py's documents (sqlite-manual:
16 pages of SQLite's manual; runbooks: the three runbooks), read through the
knowledge layer's search, and the default model loaded in this process.
Reported per split: accuracy per skill and overall, p50/p95 seconds of
routing, and the share decided by the rules, the evidence and the model, with
the accuracy of each.

    .venv/bin/python bench/router.py [--split all|tuning|held_out] [--threads N] [--rules-only] [--no-evidence]

--rules-only routes without a model (what the rules and the evidence decide,
and how well); --no-evidence without the databases' and documents' measures.
Rules and thresholds are set from the tuning split only: the held-out
messages are never printed.
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

from assistant.router import SKILLS, LastTurn, RouteContext, route, route_by_model  # noqa: E402

MESSAGES = REPO / "bench" / "router_messages.json"
SOURCES = ("rules", "evidence", "model", "fallback")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def context_of(item: dict, spec: dict, sources=(None, None)) -> RouteContext:
    last = item.get("last")
    return RouteContext(last=LastTurn(last["message"], last["skill"], last.get("sql")) if last else None,
                        dbs=spec["dbs"], spaces=spec["spaces"], catalog=sources[0], documents=sources[1])


def build_sources(args, spec: dict):
    """The evidence the API would give the router: the demo database and the two spaces."""
    from assistant.router.evidence import sources_from
    from bench.qa import QUESTIONS, RUNBOOKS, SQLITE_DOCS  # bench/qa.py's documents, named once
    from knowledge.service import Knowledge
    from server.databases import DEMO, DatabaseCatalog
    from server.settings import Settings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = Settings(data_dir=Path(args.data_dir))
    knowledge = Knowledge(settings)
    documents = json.loads(QUESTIONS.read_text())["documents"]
    files = {"sqlite-manual": [SQLITE_DOCS / name for name in documents["sqlite_manual"]],
             "runbooks": [RUNBOOKS / name for name in documents["runbooks"]]}
    for space in spec["spaces"]:
        if space not in knowledge.documents.names():
            knowledge.documents.create(space)
        for path in files[space]:
            if (result := knowledge.documents.add_file(space, path)).state == "failed":
                raise SystemExit(f"{path}: {result.error}")
    connector = DatabaseCatalog(settings).connector(DEMO)
    return sources_from(knowledge, DEMO, connector, spec["spaces"])


def _line(split: str, skill: str, part: list[dict]) -> str:
    by = {source: [r for r in part if r["source"] == source] for source in SOURCES}
    right = sum(r["right"] for r in part)
    times = [r["seconds"] for r in part]
    shares = " ".join(f"{sum(r['right'] for r in by[s])}/{len(by[s])}".rjust(9) for s in SOURCES)
    return (f"{split:<9} {skill:<9} {right:>3}/{len(part):<3} {right / len(part):4.0%} {shares} "
            f"{percentile(times, 0.5):7.2f} {percentile(times, 0.95):7.2f}")


def report(rows: list[dict]) -> None:
    print(f"{'split':<9} {'skill':<9} {'right':>11} " + " ".join(f"{s:>9}" for s in SOURCES) +
          f" {'p50 s':>7} {'p95 s':>7}")
    for split in ("tuning", "held_out", "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        for skill in (*SKILLS, "overall"):
            if part := [r for r in chosen if skill == "overall" or r["skill"] == skill]:
                print(_line(split, skill, part))
    if any(r["added"] for r in rows):  # the messages the file began with, alone
        for split in ("tuning", "held_out", "all"):
            if part := [r for r in rows if not r["added"] and split in ("all", r["split"])]:
                print(_line(split, "first 165", part))
    sources = Counter(r["source"] for r in rows)
    print("decided by: " + ", ".join(f"{s} {n} ({n / len(rows):.0%})" for s, n in sources.most_common()))
    # Only the tuning split's mistakes are named: the held-out figure must stay unseen to be honest.
    confusion = Counter((r["skill"], r["chosen"]) for r in rows if not r["right"] and r["split"] == "tuning")
    if confusion:
        print("tuning wrong (labelled -> chosen): " +
              ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusion.most_common()))


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


async def run(items: list[dict], spec: dict, llm, sources, verbose: bool) -> list[dict]:
    rows = []
    for item in items:
        started = time.perf_counter()
        chosen = await route(item["message"], context_of(item, spec, sources), llm)
        seconds = time.perf_counter() - started
        row = {"id": item["id"], "split": item["split"], "skill": item["skill"], "chosen": chosen.skill,
               "source": chosen.source, "right": chosen.skill == item["skill"], "seconds": seconds,
               "added": bool(item.get("added"))}
        rows.append(row)
        if verbose and item["split"] == "tuning":  # held-out messages are never shown
            print(f"{item['id']} {item['split']:<8} {'right' if row['right'] else 'WRONG'} {item['skill']:>8} -> "
                  f"{chosen.skill:<8} {chosen.source:<8} {seconds:5.2f}s {item['message'][:60]!r} "
                  f"{json.dumps(chosen.evidence) if chosen.evidence else ''}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["all", "tuning", "held_out"], default="all")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: every core)")
    parser.add_argument("--model", default=None, help="a GGUF file (default: the verified default model)")
    parser.add_argument("--data-dir", default="/tmp/dbgpt-bench-router")
    parser.add_argument("--rules-only", action="store_true", help="no model: what the rules and evidence decide")
    parser.add_argument("--no-evidence", action="store_true", help="without the database and document measures")
    parser.add_argument("--quiet", action="store_true", help="only the report")
    args = parser.parse_args()
    spec = json.loads(MESSAGES.read_text())
    items = [m for m in spec["messages"] if args.split in ("all", m["split"])]
    sources = (None, None) if args.no_evidence else build_sources(args, spec)
    llm = None if args.rules_only else load_llm(args)
    # What a running server has warm: the stable prompt prefix in the model's cache, the
    # embedding model loaded, each space's keyword index and the schema read.
    warm = RouteContext(dbs=spec["dbs"], spaces=spec["spaces"], catalog=sources[0], documents=sources[1])
    for measure in sources:
        if measure is not None:
            measure("How many rows are there?")
    if llm is not None:
        asyncio.run(route_by_model("hello", warm, llm))
    report(asyncio.run(run(items, spec, llm, sources, not args.quiet)))


if __name__ == "__main__":
    main()
