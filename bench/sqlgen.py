"""Text-to-SQL accuracy and latency: the plain single-prompt baseline and the
full pipeline, side by side in one run, on the same model and databases.

    .venv/bin/python bench/sqlgen.py --dialect sqlite [--limit N]
    .venv/bin/python bench/sqlgen.py --dialect postgres [--limit N] [--db broker,ewallet]

The model is loaded once in this process (the same engine for both
pipelines); each pipeline runs over the same questions, grouped by database,
so each keeps its own prompt prefix warm. Prints a markdown table and, last,
one JSON line with both summaries and the difference.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.evaluation import EvalDatabases, load_questions, run_eval, select_subset  # noqa: E402
from assistant.evaluation.pipelines import pipeline_predictor  # noqa: E402
from bench.evaluation.pgload import PostgresDumps  # noqa: E402
from knowledge.service import Knowledge  # noqa: E402
from server.settings import Settings  # noqa: E402
from llm.client import LocalClient  # noqa: E402
from llm.llamacpp_engine import LlamaCppEngine  # noqa: E402
from tests.support.helpers import DEFOG, model_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialect", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--db", default=None, help="only these databases (comma-separated names)")
    parser.add_argument("--pipelines", default="plain,full")
    parser.add_argument("--out-dir", type=Path, default=None, help="per-question JSON lines per pipeline")
    args = parser.parse_args()
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)

    questions = load_questions(DEFOG / f"questions_{args.dialect}.csv", dialect=args.dialect)
    if args.db:
        wanted = set(args.db.split(","))
        questions = [q for q in questions if q.db_name in wanted]
    if args.limit:
        questions = select_subset(questions, args.limit)
    engine = LlamaCppEngine(model_file(), n_ctx=4096)
    llm = LocalClient(engine, "qwen2.5-coder-1.5b-instruct")
    folder = DEFOG / args.dialect
    databases = PostgresDumps(folder) if args.dialect == "postgres" else EvalDatabases(folder)
    # The full pipeline's knowledge layer (schema index for linking, examples) in a
    # throw-away folder: it starts empty, as on a user's first day.
    scratch = tempfile.TemporaryDirectory(prefix="dbgpt-bench-")
    knowledge = Knowledge(Settings(data_dir=Path(scratch.name), model_dir=model_file().parent))
    summaries = {}
    try:
        for name in args.pipelines.split(","):
            out = args.out_dir / f"{args.dialect}-{name}.jsonl" if args.out_dir else None
            predictor = pipeline_predictor(name, llm, knowledge=knowledge if name == "full" else None)
            report = run_eval(questions, predictor, dialect=args.dialect,
                              databases=databases, pipeline=name, out=out)
            summaries[name] = report.summary()
    finally:
        databases.close()
        knowledge.close()
        scratch.cleanup()

    print(f"| pipeline ({args.dialect}, n={len(questions)}) | EX | p50 s | p95 s | prompt tok/q | completion tok/q |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, s in summaries.items():
        print(f"| {name} | {s['ex']:.3f} | {s['p50_s']:.1f} | {s['p95_s']:.1f} | {s['prompt_tokens_per_q']:.0f} "
              f"| {s['completion_tokens_per_q']:.0f} |")
    result = {"dialect": args.dialect, "n": len(questions), "summaries": summaries}
    if "plain" in summaries and "full" in summaries:
        result["ex_gain_points"] = round(100 * (summaries["full"]["ex"] - summaries["plain"]["ex"]), 1)
        result["p50_ratio_full_over_plain"] = round(summaries["full"]["p50_s"] / max(summaries["plain"]["p50_s"], 1e-9), 3)
        print(f"\nfull - plain: {result['ex_gain_points']:+.1f} EX points; "
              f"p50 latency full/plain: {result['p50_ratio_full_over_plain']:.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
