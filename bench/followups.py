"""Follow-ups in one chat: does the conversation let "only for 2023", "per month instead",
"as a line chart", "why is that query slow?" and "which table does that come from?" be
answered, and what does it cost?

The dialogues (bench/followups.json) are two or three turns on the demo database,
with gold SQL for every turn (for a chart, diagnosis or which-table turn: the SQL it
is about). Each dialogue is sent turn by turn to POST /api/v1/chat of the real app,
in this process, with the default model loaded here (as bench/router.py loads it), so
each turn is routed and answered exactly as the page's would be. A turn is right when
the skill that answered is the one labelled, its SQL gives the gold result (compared as
bench/sqlgen.py compares: assistant.evaluation's score_question), and, where asked,
its chart has the mark asked for and its which-table answer names the gold tables.

Each follow-up turn (turn 2 and 3) is also sent on its own, without the conversation,
in the same run: the baseline, so the ratio shows what the conversation buys.
Reported per split (tuning, held_out, all): accuracy per turn index and overall, with
and without the conversation, and p50 seconds. Held-out turns are never printed one
by one, and their failures are not saved: improvements come from tuning failures only.

    taskset -c 0 .venv/bin/python bench/followups.py [--split all|tuning|held_out] [--threads 1]
        [--limit N] [--no-baseline] [--out turns.jsonl] [--report-from turns.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.evaluation.databases import EvalDatabases  # noqa: E402
from assistant.evaluation.models import EvalQuestion, Prediction  # noqa: E402
from assistant.evaluation.runner import score_question  # noqa: E402
from bench.router import percentile  # noqa: E402

DIALOGUES = REPO / "bench" / "followups.json"
SPLITS = ("tuning", "held_out", "all")


class DemoDatabase(EvalDatabases):
    """The API's own demo database, where gold and predicted SQL are run read-only."""

    def __init__(self, path: Path):
        super().__init__(path.parent)
        self.path = path

    def url(self, db_name: str) -> str:
        return f"sqlite:///{self.path.resolve()}"


def chat_turn(client, message: str, conversation_id: str | None) -> tuple[dict, float]:
    """One message through POST /api/v1/chat: the route, the final answer and the chart, and its seconds."""
    from tests.support.sse import sse_events

    started = time.perf_counter()
    body = {"message": message, "db": "demo", "conversation_id": conversation_id}
    with client.stream("POST", "/api/v1/chat", json=body) as response:
        if response.status_code != 200:
            return {"error": f"HTTP {response.status_code}: {response.read()[:200]!r}"}, 0.0
        events = list(sse_events(response.iter_lines()))
    seconds = time.perf_counter() - started
    found = {"route": {}, "done": {}, "chart": None}
    for name, data in events:
        if name in ("route", "done"):
            found[name] = data
        elif name == "chart":
            found["chart"] = data
    return found, seconds


def mark_of(chart: dict | None) -> str | None:
    if not chart:
        return None
    mark = chart.get("mark")
    return mark.get("type") if isinstance(mark, dict) else mark


def score_turn(turn: dict, answer: dict, seconds: float, database, number: int) -> dict:
    done, skill = answer.get("done") or {}, (answer.get("route") or {}).get("skill")
    sql = done.get("sql")
    question = EvalQuestion(id=number, db_name="demo", question=turn["message"], gold_sql=(turn["gold"],))
    outcome = score_question(question, lambda _q, _c: Prediction(sql=sql), database.get("demo"))
    problems = []
    if skill != turn["skill"]:
        problems.append(f"answered by {skill}, not {turn['skill']}")
    if not outcome.correct:
        problems.append(f"result differs from the gold: {outcome.error or 'other rows'}")
    if "chart" in turn and mark_of(answer.get("chart")) != turn["chart"]:
        problems.append(f"chart {mark_of(answer.get('chart'))}, not {turn['chart']}")
    if "tables" in turn and sorted(done.get("tables") or []) != sorted(turn["tables"]):
        problems.append(f"tables {done.get('tables')}, not {turn['tables']}")
    return {"right": not problems, "problems": problems, "skill": skill, "sql": sql, "seconds": seconds,
            "timings": {**done.get("timings", {}), **({"route": answer["route"]["seconds"]}
                                                      if "seconds" in answer.get("route", {}) else {})}}


def run(dialogues: list[dict], client, database, baseline: bool, quiet: bool, out) -> list[dict]:
    rows = []
    for d in dialogues:
        conversation_id = f"bench-{d['id']}-{uuid.uuid4().hex[:8]}"
        for index, turn in enumerate(d["turns"], 1):
            modes = [("conversation", conversation_id)]
            if baseline and index > 1:
                modes.append(("alone", None))
            for mode, cid in modes:
                answer, seconds = chat_turn(client, turn["message"], cid)
                scored = score_turn(turn, answer, seconds, database, len(rows))
                row = {"id": d["id"], "split": d["split"], "turn": index, "mode": mode, **scored}
                rows.append(row)
                if d["split"] == "held_out":  # how far the run is, never which turn failed
                    if not quiet:
                        print(f"{d['id']} turn {index} {mode:<12} (held out) {seconds:6.1f}s", flush=True)
                    if out:  # only what the report counts
                        out.write(json.dumps({k: row[k] for k in ("id", "split", "turn", "mode", "right",
                                                                   "seconds", "timings")}) + "\n")
                        out.flush()
                    continue
                if not quiet:
                    verdict = "right" if row["right"] else "WRONG " + "; ".join(row["problems"])
                    stages = " ".join(f"{k} {v:.1f}" for k, v in row["timings"].items() if v >= 0.5)
                    print(f"{d['id']} turn {index} {mode:<12} {seconds:6.1f}s ({stages}) {turn['message']!r}: "
                          f"{verdict}" + ("" if row["right"] else f"\n    sql: {row['sql']}"), flush=True)
                if out:
                    out.write(json.dumps({**row, "message": turn["message"], "gold": turn["gold"]}) + "\n")
                    out.flush()
    return rows


def summary(rows: list[dict]) -> dict:
    result = {}
    for split in SPLITS:
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        if not chosen:
            continue
        part = {}
        for mode in ("conversation", "alone"):
            mine = [r for r in chosen if r["mode"] == mode]
            for turn in ("1", "2", "3", "follow-ups", "overall"):
                picked = [r for r in mine if turn == "overall" or (turn == "follow-ups" and r["turn"] > 1)
                          or str(r["turn"]) == turn]
                if picked:
                    part.setdefault(mode, {})[turn] = {
                        "n": len(picked), "right": sum(r["right"] for r in picked),
                        "ex": round(sum(r["right"] for r in picked) / len(picked), 3),
                        "p50_s": round(percentile([r["seconds"] for r in picked], 0.5), 1)}
        result[split] = part
    return result


def print_report(result: dict) -> None:
    print("\n| split | turn | with the conversation | p50 s | without (baseline) | p50 s | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for split, part in result.items():
        with_, alone = part.get("conversation", {}), part.get("alone", {})
        for turn in ("1", "2", "3", "follow-ups", "overall"):
            if turn not in with_:
                continue
            w, a = with_[turn], alone.get(turn)
            cell = f"{w['right']}/{w['n']} ({w['ex']:.3f})"
            base = f"{a['right']}/{a['n']} ({a['ex']:.3f})" if a else "-"
            ratio = f"{w['ex'] / a['ex']:.2f}" if a and a["ex"] else ("-" if not a else "inf")
            print(f"| {split} | {turn} | {cell} | {w['p50_s']:.1f} | {base} | {a['p50_s'] if a else '-'} | {ratio} |")


def make_client(args):
    from bench.router import load_llm
    from knowledge.service import Knowledge
    from server.app import create_app
    from server.settings import Settings
    from tests.support.auth import signed_in

    settings = Settings(data_dir=Path(args.data_dir), model_dir=args.model_dir)
    llm = load_llm(args)
    knowledge = Knowledge(settings)  # empty, as on a user's first day
    app = create_app(settings, llm=llm, knowledge=knowledge)
    return signed_in(app, settings), settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (default 1: pin with taskset)")
    parser.add_argument("--model", default=None, help="a GGUF file (default: the verified default model)")
    parser.add_argument("--model-dir", type=Path, default=None, help="where the default model is cached")
    parser.add_argument("--data-dir", default=None, help="the app's data folder (default: a new temporary one)")
    parser.add_argument("--limit", type=int, default=None, help="the first N dialogues of each split")
    parser.add_argument("--no-baseline", action="store_true", help="only with the conversation")
    parser.add_argument("--out", type=Path, default=None,
                        help="one JSON line per turn as it is scored (a held-out turn: only whether it was right)")
    parser.add_argument("--report-from", type=Path, default=None,
                        help="print the report of an --out file (of a run that was stopped, say) and exit")
    parser.add_argument("--quiet", action="store_true", help="only the report")
    args = parser.parse_args()
    if args.report_from:
        print_report(summary([json.loads(line) for line in args.report_from.read_text().splitlines()]))
        return
    spec = json.loads(DIALOGUES.read_text())
    dialogues = [d for d in spec["dialogues"] if args.split in ("all", d["split"])]
    if args.limit:
        dialogues = [d for split in ("tuning", "held_out")
                     for d in [x for x in dialogues if x["split"] == split][:args.limit]]
    scratch = tempfile.TemporaryDirectory(prefix="dbgpt-bench-followups-")
    args.data_dir = args.data_dir or scratch.name
    client, settings = make_client(args)
    out = open(args.out, "w") if args.out else None
    try:
        with client:
            from demo.build import build_demo_db

            database = DemoDatabase(build_demo_db(settings.demo_db_path))
            # The stable prompt prefixes are read once, as a running server has them cached.
            chat_turn(client, "How many stores are there?", None)
            started = time.perf_counter()
            rows = run(dialogues, client, database, not args.no_baseline, args.quiet, out)
            database.close()
    finally:
        if out:
            out.close()
        scratch.cleanup()
    result = summary(rows)
    print_report(result)
    print(f"\n{len(dialogues)} dialogues, {len(rows)} turns sent, {time.perf_counter() - started:.0f} s")
    print(json.dumps({"summary": result, "dialogues": len(dialogues), "turns_sent": len(rows)}))


if __name__ == "__main__":
    main()
