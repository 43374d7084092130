"""Document answers: answered with the right citation, refused when the
documents do not hold the answer, and how long each takes.

The questions (bench/qa_questions.json) were written from the documents: 16
pages of SQLite's own HTML manual (Debian's sqlite3-doc) and the three
runbooks of tests/assistant/qa/runbooks. They go into one knowledge space, as
`dbgpt knowledge add` puts them, and each question goes through the product's
`answer_question` with the default model loaded in this process.

- answerable: counted right when the answer is given, cites a document the
  question names, and contains one of its facts (as plain text); "+quote"
  counts those right when the verified source sentence shown under the
  answer is read with it;
- unanswerable: counted right when the answer is refused;
- seconds: the whole `answer_question` call (retrieval and the model).

Each reply of the model is saved with the sources it was shown (--out), so
`--replay FILE` scores the same replies again through the current grounding
check without the model: that is how thresholds are chosen on the tuning
split.

Only the tuning split's questions are shown one by one (--verbose: with the
reply, the reason for a refusal and the sources retrieved); the held-out
split is reported as its totals alone, so that nothing is tuned to it.
`--retrieval` runs no model: how often a document the question names is
among the sources the model would be shown.

    .venv/bin/python bench/qa.py [--split all|tuning|held_out] [--threads N] [--out FILE] [--verbose]
    .venv/bin/python bench/qa.py --replay FILE
    .venv/bin/python bench/qa.py --retrieval [--split ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.qa.plain_text import plain  # noqa: E402

QUESTIONS = REPO / "bench" / "qa_questions.json"
SQLITE_DOCS = Path("/usr/share/doc/sqlite3")
RUNBOOKS = REPO / "tests" / "assistant" / "qa" / "runbooks"
SPACE = "bench"


def has_fact(answer: str, facts: list[str]) -> bool:
    """One of `facts` in the answer, as plain text: a whole word, or a word of
    four letters or more with an ending ("rebuild" in "rebuilds"), never
    inside another word ("no" is not in "not")."""
    text = plain(answer)
    for fact in map(plain, facts):
        left = r"(?<!\w)" if fact[:1].isalnum() else ""
        right = "" if not fact[-1:].isalnum() else r"[a-z]*(?!\w)" if re.search(r"[a-z]{4}$", fact) else r"(?!\w)"
        if re.search(left + re.escape(fact) + right, text):
            return True
    return False


def score(item: dict, answer: dict) -> dict:
    cited = {Path(c["document"]).name for c in answer["citations"]}
    out = {"id": item["id"], "split": item["split"], "answerable": item["answerable"],
           "answered": answer["answerable"], "rejected": answer.get("rejected")}
    if item["answerable"]:
        out["cites_document"] = answer["answerable"] and bool(cited & set(item["documents"]))
        out["has_fact"] = answer["answerable"] and has_fact(answer["answer"], item["fact"])
        out["right"] = out["cites_document"] and out["has_fact"]
        # The page and the CLI show the verified source sentence under the answer.
        shown = answer["answer"] + " " + ((answer.get("evidence") or {}).get("text") or "")
        out["right_as_shown"] = out["cites_document"] and answer["answerable"] and has_fact(shown, item["fact"])
    else:
        out["right"] = not answer["answerable"]
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(rows: list[dict], seconds: dict[str, float]) -> None:
    print(f"{'split':<10} {'answerable: right':>22} {'cited doc':>10} {'fact':>6} {'+quote':>7} "
          f"{'unanswerable: refused':>24} {'p50 s':>7} {'p95 s':>7}")
    for split in ("tuning", "held_out", "all"):
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        yes = [r for r in chosen if r["answerable"]]
        no = [r for r in chosen if not r["answerable"]]
        times = [seconds[r["id"]] for r in chosen if r["id"] in seconds]
        right = sum(r["right"] for r in yes)
        refused = sum(r["right"] for r in no)
        print(f"{split:<10} {right:>3}/{len(yes):<3} = {right / max(len(yes), 1):6.1%}     "
              f"{sum(r['cites_document'] for r in yes):>10} {sum(r['has_fact'] for r in yes):>6} "
              f"{sum(r['right_as_shown'] for r in yes):>7} "
              f"{refused:>8}/{len(no):<3} = {refused / max(len(no), 1):6.1%}     "
              f"{percentile(times, 0.5):7.1f} {percentile(times, 0.95):7.1f}")
    wrong = [r for r in rows if not r["right"] and r["split"] == "tuning"]
    for r in wrong:
        what = "refused: " + (r["rejected"] or "") if r["answerable"] and not r["answered"] else (
            "answered" if not r["answerable"] else
            f"cites document {r['cites_document']}, has fact {r['has_fact']}")
        print(f"  wrong {r['id']} ({r['split']}): {what}")


def build_space(knowledge) -> None:
    spec = json.loads(QUESTIONS.read_text())["documents"]
    files = [SQLITE_DOCS / name for name in spec["sqlite_manual"]] + [RUNBOOKS / name for name in spec["runbooks"]]
    if SPACE not in knowledge.documents.names():
        knowledge.documents.create(SPACE)
    for path in files:
        result = knowledge.documents.add_file(SPACE, path)
        if result.state == "failed":
            raise SystemExit(f"{path}: {result.error}")


class Recording:
    """The LLM, keeping the text of each reply."""

    def __init__(self, llm):
        self.llm = llm
        self.last = ""

    async def generate(self, request):
        completion = await self.llm.generate(request)
        self.last = completion.text
        return completion


def run(args, items: list[dict]) -> None:
    from assistant.qa.answer import answer_question
    from assistant.qa.context import gather
    from knowledge.service import Knowledge
    from llm.client import LocalClient
    from llm.llamacpp_engine import LlamaCppEngine
    from llm.model_files import cached_path, spec_for
    from server.settings import Settings

    settings = Settings(data_dir=Path(args.data_dir))
    knowledge = Knowledge(settings)
    started = time.perf_counter()
    build_space(knowledge)
    print(f"space built or reused in {time.perf_counter() - started:.1f} s", flush=True)
    model = args.model or cached_path(spec_for(settings.model_name),
                                      Path(os.environ.get("DBGPT_MODEL_DIR", REPO / "data" / "models")))
    llm = Recording(LocalClient(LlamaCppEngine(Path(model), n_ctx=settings.n_ctx, n_threads=args.threads),
                                settings.model_name))
    saved, rows, seconds = [], [], {}
    for item in items:
        sources = gather(knowledge, item["question"], space=SPACE)
        llm.last = ""
        started = time.perf_counter()
        answer = asyncio.run(answer_question(item["question"], knowledge, llm, space=SPACE)).to_dict()
        seconds[item["id"]] = time.perf_counter() - started
        row = score(item, answer)
        rows.append(row)
        saved.append({"item": item, "reply": llm.last, "seconds": seconds[item["id"]],
                      "sources": [asdict(s) for s in sources], "answer": answer})
        show(item, row, answer, llm.last, sources, seconds[item["id"]], args.verbose)
        Path(args.out).write_text(json.dumps(saved, indent=1))
    knowledge.close()
    report(rows, seconds)


def show(item: dict, row: dict, answer: dict, reply: str, sources, seconds: float, verbose: bool) -> None:
    """One line per question of the tuning split (and, with `verbose`, what
    went wrong); a held-out question shows only that it was done."""
    if item["split"] != "tuning":
        print(f"held-out question done {seconds:.1f}s", flush=True)
        return
    print(f"{item['id']} {'right' if row['right'] else 'WRONG'} {seconds:.1f}s "
          f"{answer['answer'][:90]!r} {answer.get('rejected') or ''}", flush=True)
    if verbose and not row["right"]:
        print(f"    question: {item['question']}\n    reply: {reply}")
        for s in sources:
            print(f"    [{s.n}] {Path(s.document).name} {s.location!r} {s.score:.3f}: {' '.join(s.text.split())[:300]}")


def retrieval(args, items: list[dict]) -> None:
    """No model: is a document the question names among the sources shown,
    and does the text shown of it hold one of the question's facts?"""
    from assistant.qa.context import gather
    from knowledge.service import Knowledge
    from server.settings import Settings

    knowledge = Knowledge(Settings(data_dir=Path(args.data_dir)))
    build_space(knowledge)
    found: dict[str, list[bool]] = {}
    with_fact: dict[str, list[bool]] = {}
    empty: dict[str, list[bool]] = {}
    for item in items:
        sources = gather(knowledge, item["question"], space=SPACE)
        if item["answerable"]:
            names = [Path(s.document).name for s in sources]
            hit = bool(set(names) & set(item["documents"]))
            fact = any(has_fact(s.text, item["fact"]) for s in sources if Path(s.document).name in item["documents"])
            found.setdefault(item["split"], []).append(hit)
            with_fact.setdefault(item["split"], []).append(fact)
            if item["split"] == "tuning" and (args.verbose or not fact):
                print(f"{item['id']} {'found' if hit else 'MISSED'}{'' if fact else ', no fact'}: {names}")
        else:
            empty.setdefault(item["split"], []).append(not sources)
    knowledge.close()
    for split in sorted(found.keys() | empty.keys()):
        f, h, e = found.get(split, []), with_fact.get(split, []), empty.get(split, [])
        print(f"{split}: answerable with a named document shown {sum(f)}/{len(f)}, with a fact {sum(h)}/{len(h)}; "
              f"unanswerable with no source shown {sum(e)}/{len(e)}")


def replay(path: str) -> None:
    """Score saved replies again through the current grounding check."""
    from assistant.qa.answer import NOT_IN_CONTEXT, finish
    from assistant.qa.context import Source

    saved = json.loads(Path(path).read_text())
    rows, seconds = [], {}
    for entry in saved:
        item = entry["item"]
        sources = [Source(**s) for s in entry["sources"]]
        if entry["reply"]:
            answer = finish(item["question"], sources, entry["reply"]).to_dict()
        else:  # the model was not asked (no source close enough)
            answer = {"answerable": False, "answer": NOT_IN_CONTEXT, "citations": [], "rejected": "not asked"}
        rows.append(score(item, answer))
        seconds[item["id"]] = entry["seconds"]
    report(rows, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["all", "tuning", "held_out"], default="all")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of the split")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: every core)")
    parser.add_argument("--model", default=None, help="a GGUF file (default: the verified default model)")
    parser.add_argument("--data-dir", default="/tmp/dbgpt-bench-qa", help="kept between runs: the space is reused")
    parser.add_argument("--out", default="qa_results.json", help="each reply, its sources and its score")
    parser.add_argument("--replay", default=None, help="score the replies saved in this file again, no model")
    parser.add_argument("--verbose", action="store_true", help="the reply and sources of each wrong tuning question")
    parser.add_argument("--retrieval", action="store_true", help="no model: the named documents among the sources?")
    args = parser.parse_args()
    if args.replay:
        replay(args.replay)
        return
    items = [q for q in json.loads(QUESTIONS.read_text())["questions"] if args.split in ("all", q["split"])]
    items = items[: args.limit] if args.limit else items
    if args.retrieval:
        retrieval(args, items)
        return
    run(args, items)


if __name__ == "__main__":
    main()
