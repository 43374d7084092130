"""Text-to-SQL accuracy and latency: the plain single-prompt baseline and the
full pipeline, side by side in one run, on the same model and databases, for
each part of the benchmark (bench/evaluation/sets.py): defog's tuning part,
defog's held-out part, spider_holdout (SQLite only), and the whole defog set.

    .venv/bin/python bench/sqlgen.py --dialect sqlite [--limit N] [--parts tuning,heldout,spider]
    .venv/bin/python bench/sqlgen.py --dialect postgres [--limit N] [--db broker,ewallet]
    .venv/bin/python bench/sqlgen.py --pipelines plain,full,full-vote3   # the cost and gain of voting
    .venv/bin/python bench/sqlgen.py --pipelines full,full-index   # the value index's hints, off by default

The model is loaded once in this process (the same engine for both
pipelines); each pipeline runs over the same questions, grouped by database,
so each keeps its own prompt prefix warm. Before a part's questions, the
knowledge (schema and value indexes) of each of its databases too large to
show whole is synced, as the server does when it learns of a database, and
the seconds are printed apart
(`--cold-knowledge`: the first question on each database syncs it, and waits
for it). `--limit N` takes N questions of
each part. Prints, as soon as each part is done (a long run stopped early
keeps them), its markdown table and each full pipeline's accuracy per
confidence bucket and the AUROC of its confidence (`full-voteN` votes among N
candidates by their rows); then the same for the whole defog set, the parts
side by side, and, last, one JSON line with all of it. A held-out part's
per-question outcomes are neither printed nor saved.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.evaluation import EvalReport, run_eval  # noqa: E402
from assistant.evaluation.pipelines import pipeline_predictor  # noqa: E402
from assistant.sqlgen.full import uses_linker  # noqa: E402
from bench.evaluation.scores import confidence_report  # noqa: E402
from bench.evaluation.sets import PARTS, databases_of, questions_of  # noqa: E402
from knowledge.service import Knowledge  # noqa: E402
from llm.client import LocalClient  # noqa: E402
from llm.llamacpp_engine import LlamaCppEngine  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.support.helpers import model_file  # noqa: E402

WHOLE = "defog"  # the tuning and held-out parts together


def _sync_at_connect(questions, databases, knowledge) -> None:
    """Sync the knowledge of each database whose questions go through the linker before its
    questions, as the server does when it learns of a database (server/knowledge_warmup.py);
    the seconds are printed, not counted in any question's latency."""
    seconds = {}
    for db in dict.fromkeys(q.db_name for q in questions):
        conn = databases.get(db)
        schema = conn.introspect()
        if uses_linker(schema):  # the rest are shown whole and never link
            started = time.perf_counter()
            knowledge.sync(db, schema, conn)
            seconds[db] = time.perf_counter() - started
    if not seconds:
        print("knowledge synced at connect: none (every schema is shown whole)", flush=True)
        return
    slowest = max(seconds, key=seconds.get)
    print(f"knowledge synced at connect: {', '.join(seconds)} in {sum(seconds.values()):.1f} s "
          f"(slowest {slowest}, {seconds[slowest]:.1f} s; the first includes loading the embedding model)",
          flush=True)


def _run_part(part, args, llm, knowledge) -> dict[str, EvalReport]:
    questions = questions_of(part, args.dialect, args.limit, only=args.db.split(",") if args.db else None)
    reports = {}
    with databases_of(part, args.dialect, args.pg_url) as databases:
        if not args.cold_knowledge and any(name.startswith("full") for name in args.pipelines.split(",")):
            _sync_at_connect(questions, databases, knowledge)
        for name in args.pipelines.split(","):
            # Per-question lines only for a part whose failures may be read.
            out = args.out_dir / f"{args.dialect}-{part.name}-{name}.jsonl" if args.out_dir and not part.held_out \
                else None
            predictor = pipeline_predictor(name, llm, knowledge=knowledge if name.startswith("full") else None)
            reports[name] = run_eval(questions, predictor, dialect=args.dialect, databases=databases,
                                     pipeline=name, out=out, blind=part.held_out)
    return reports


def _whole(parts: dict[str, dict[str, EvalReport]], dialect: str) -> dict[str, EvalReport] | None:
    if not {"tuning", "heldout"} <= set(parts):
        return None
    return {name: EvalReport(outcomes=parts["tuning"][name].outcomes + parts["heldout"][name].outcomes,
                             dialect=dialect, pipeline=name,
                             wall_s=parts["tuning"][name].wall_s + parts["heldout"][name].wall_s)
            for name in parts["tuning"]}


def _print_part(title: str, dialect: str, reports: dict[str, EvalReport]) -> None:
    n = len(next(iter(reports.values())).outcomes)
    print(f"\n| pipeline ({title}, {dialect}, n={n}) | EX | p50 s | p95 s | prompt tok/q | completion tok/q |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, report in reports.items():
        s = report.summary()
        print(f"| {name} | {s['ex']:.3f} | {s['p50_s']:.1f} | {s['p95_s']:.1f} | {s['prompt_tokens_per_q']:.0f} "
              f"| {s['completion_tokens_per_q']:.0f} |")


def _side_by_side(rows: dict[str, dict[str, EvalReport]], titles: dict[str, str], dialect: str) -> None:
    print(f"\n| part ({dialect}) | n | plain EX | full EX | full - plain | p50 plain / full s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, reports in rows.items():
        plain, full = reports.get("plain"), reports.get("full")
        n = len(next(iter(reports.values())).outcomes)
        ex = {name: f"{r.summary()['ex']:.3f}" if r else "-" for name, r in (("plain", plain), ("full", full))}
        gain = f"{100 * (full.summary()['ex'] - plain.summary()['ex']):+.1f}" if plain and full else "-"
        p50 = " / ".join(f"{r.summary()['p50_s']:.1f}" if r else "-" for r in (plain, full))
        print(f"| {titles[key]} | {n} | {ex['plain']} | {ex['full']} | {gain} | {p50} |")


def _report(title: str, dialect: str, reports: dict[str, EvalReport]) -> dict[str, dict]:
    """Print the part's table and each full pipeline's confidence; return the confidence reports by pipeline."""
    _print_part(title, dialect, reports)
    found = {name: report for name in reports if name.startswith("full")
             if (report := confidence_report(reports[name].outcomes)) is not None}
    for name, report in found.items():
        _print_confidence(f"{title}, {name}", report)
    sys.stdout.flush()
    return found


def _print_confidence(title: str, report: dict) -> None:
    area = "-" if report["auroc"] is None else f"{report['auroc']:.3f}"
    without = report.get("auroc_without_likelihood")
    without = "-" if without is None else f"{without:.3f}"
    print(f"\n{title}: confidence of {report['n']} answers, AUROC {area} ({without} without the model's likelihood)")
    print("| confidence | n | EX |")
    print("| --- | --- | --- |")
    for bucket in report["buckets"]:
        ex = "-" if bucket["ex"] is None else f"{bucket['ex']:.3f}"
        print(f"| {bucket['from']:.2f}-{bucket['to']:.2f} | {bucket['n']} | {ex} |")
    for key, said in (("confident", ""), ("confident_without_likelihood", " without the model's likelihood")):
        shown = report.get(key)
        if shown is None:
            continue
        if shown["n"]:
            print(f"shown as confident (>= {shown['threshold']}){said}: {shown['n']} of {report['n']} answers "
                  f"({shown['share']:.0%}), right {shown['correct']}/{shown['n']} = {shown['ex']:.3f}")
        else:
            print(f"shown as confident (>= {shown['threshold']}){said}: none")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialect", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--parts", default="tuning,heldout,spider", help="of: " + ", ".join(PARTS))
    parser.add_argument("--limit", type=int, default=None, help="questions per part")
    parser.add_argument("--db", default=None, help="only these databases (comma-separated names)")
    parser.add_argument("--pipelines", default="plain,full")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cold-knowledge", action="store_true",
                        help="leave each database's knowledge sync to its first question (the server syncs "
                             "when it learns of a database, before any question: the default here too)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="per-question JSON lines per pipeline, for the tuning part only")
    args = parser.parse_args()
    wanted = args.parts.split(",")
    if unknown := set(wanted) - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)

    engine = LlamaCppEngine(model_file(), n_ctx=4096)
    llm = LocalClient(engine, "qwen2.5-coder-1.5b-instruct")
    # The full pipeline's knowledge layer (schema index for linking, examples) in a
    # throw-away folder: it starts empty, as on a user's first day.
    scratch = tempfile.TemporaryDirectory(prefix="dbgpt-bench-")
    knowledge = Knowledge(Settings(data_dir=Path(scratch.name), model_dir=model_file().parent))
    parts: dict[str, dict[str, EvalReport]] = {}
    confidence: dict[str, dict[str, dict]] = {}
    skipped = []
    try:
        for key in wanted:
            part = PARTS[key]
            if not part.available(args.dialect):
                skipped.append(f"{part.title} ({', '.join(part.dialects)} only)")
                continue
            parts[key] = _run_part(part, args, llm, knowledge)
            confidence[key] = _report(part.title, args.dialect, parts[key])
    finally:
        knowledge.close()
        scratch.cleanup()

    titles = {key: PARTS[key].title for key in parts} | {WHOLE: "defog whole"}
    rows = dict(parts)
    if (whole := _whole(parts, args.dialect)) is not None:
        rows[WHOLE] = whole
        confidence[WHOLE] = _report(titles[WHOLE], args.dialect, whole)
    _side_by_side(rows, titles, args.dialect)
    if skipped:
        print(f"\nnot run on {args.dialect}: {'; '.join(skipped)}")
    result = {"dialect": args.dialect, "parts": {}, "skipped": skipped}
    for key, reports in rows.items():
        summaries = {name: report.summary() for name, report in reports.items()}
        entry = {"title": titles[key], "n": len(next(iter(reports.values())).outcomes), "summaries": summaries}
        if "plain" in summaries and "full" in summaries:
            entry["ex_gain_points"] = round(100 * (summaries["full"]["ex"] - summaries["plain"]["ex"]), 1)
            entry["p50_ratio_full_over_plain"] = round(
                summaries["full"]["p50_s"] / max(summaries["plain"]["p50_s"], 1e-9), 3)
        if confidence.get(key):
            entry["confidence"] = confidence[key]
        result["parts"][key] = entry
    print(json.dumps(result))


if __name__ == "__main__":
    main()
