"""SQL diagnosis on planted cases over SQLite and PostgreSQL at realistic size.

For every case the diagnosis (no model; findings do not depend on it) must
produce the finding kinds planted in it, and nothing alarming where there is
no problem. Figures:
- recall: planted problems found / planted problems;
- precision: reported problems (error/warning, plus the kinds that are always
  informational) that are planted or a declared consequence of the planted
  problem / all reported (strict: planted only);
- wrong verified advice: verified index and rewrite advice that an independent
  check refutes. An index is built for real (in a copy of the SQLite file; in
  the bench's own PostgreSQL database) and must be used and make the query
  faster in wall-clock time; a rewrite must return the same multiset of rows
  on a perturbed copy of the data (more NULLs, duplicated rows) and must not
  be slower.
- LLM-only (--llm): schema DDL + SQL into the model, free-text advice, as
  DB-GPT's Chat DB does; a planted problem counts as named when the answer
  matches that kind's keywords.

    .venv/bin/python bench/diagnosis.py [--dialects sqlite,postgres] [--scale 1.0] [--llm] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import sqlalchemy as sa  # noqa: E402

import diagnosis_cases as store  # noqa: E402
from assistant.diagnosis import diagnose_static  # noqa: E402
from assistant.diagnosis.findings import ADVICE_KINDS  # noqa: E402
from assistant.diagnosis.measure import multiset_difference  # noqa: E402
from connectors import connect  # noqa: E402

# Kinds that are informational by nature: reported at "info" and still a statement about the query.
ALWAYS_INFO = {"union_not_all", "select_star_join", "comma_join", "having_without_aggregate", "write_statement",
               "not_a_query"}
PG_URL = os.environ.get("DBGPT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def reported(report) -> list:
    return [f for f in report.findings if f.kind not in ADVICE_KINDS
            and (f.severity in ("error", "warning") or f.kind in ALWAYS_INFO)]


# -- databases -------------------------------------------------------------------


class Databases:
    def __init__(self, dialects: list[str], scale: float, work: Path):
        self.work, self.urls, self.perturbed, self.pg_names = work, {}, {}, []
        try:
            self._build(dialects, scale, work)
        except BaseException:
            self.close()  # a half-built set of databases is dropped too
            raise

    def _build(self, dialects: list[str], scale: float, work: Path) -> None:
        if "sqlite" in dialects:
            for name, flag in (("store", False), ("perturbed", True)):
                path = store.build_sqlite(work / f"{name}.sqlite", scale, perturbed=flag)
                (self.urls if not flag else self.perturbed)["sqlite"] = f"sqlite:///{path}"
        if "postgres" in dialects:
            self.admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            for flag in (False, True):
                name = f"dbgpt_bench_diag_{uuid.uuid4().hex[:8]}"
                self._pg_database(name, store.postgres_statements(scale, perturbed=flag), hypopg=not flag)
                url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
                (self.urls if not flag else self.perturbed)["postgres"] = url

    def _pg_database(self, name: str, statements: list[str], hypopg: bool) -> None:
        with self.admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.pg_names.append(name)
        raw = self.raw("postgres", name)
        try:
            if hypopg:
                raw.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
            for statement in statements:
                raw.execute(statement)
        finally:
            raw.close()

    def raw(self, dialect: str, name: str | None = None, perturbed: bool = False):
        """A writable driver connection for the bench's own checks (never the product's path)."""
        if dialect == "sqlite":
            return sqlite3.connect(sa.engine.make_url((self.perturbed if perturbed else self.urls)["sqlite"]).database)
        import psycopg

        url = sa.engine.make_url((self.perturbed if perturbed else self.urls).get("postgres", PG_URL))
        if name:
            url = url.set(database=name)
        return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                               autocommit=True)

    def close(self) -> None:
        for name in self.pg_names:  # only the databases this run created
            with self.admin.connect() as con:
                con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- independent checks of verified advice ------------------------------------------


def _best(run, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def check_index(dbs: Databases, dialect: str, sql: str, ddl: str, work: Path) -> str | None:
    """None when the index, built for real, is used and makes the query faster; else why not."""
    if dialect == "sqlite":
        copy = work / "index_check.sqlite"
        shutil.copy(sa.engine.make_url(dbs.urls["sqlite"]).database, copy)
        con = sqlite3.connect(copy)
        try:
            before = _best(lambda: con.execute(sql).fetchall())
            con.execute(ddl)
            plan = " ".join(str(r[3]) for r in con.execute(f"EXPLAIN QUERY PLAN {sql}"))
            name = ddl.split('"')[1]
            after = _best(lambda: con.execute(sql).fetchall())
        finally:
            con.close()
            copy.unlink()
        used = name in plan
    else:
        con = dbs.raw("postgres")
        name = ddl.split('"')[1]
        try:
            def timed():
                plan = con.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()[0][0]
                return plan["Execution Time"] / 1000.0, json.dumps(plan)
            before = min(timed()[0] for _ in range(3))
            con.execute(ddl)
            runs = [timed() for _ in range(3)]
            after, used = min(r[0] for r in runs), f'"Index Name": "{name}"' in runs[0][1]
        finally:
            con.execute(f'DROP INDEX IF EXISTS "{name}"')
            con.close()
    if not used:
        return "the engine did not use the index once built"
    if after >= before:
        return f"not faster once built ({before * 1000:.1f} -> {after * 1000:.1f} ms)"
    return None


def check_rewrite(dbs: Databases, dialect: str, original: str, rewrite: str) -> str | None:
    """None when the rewrite returns the same rows on perturbed data and is not slower; else why not."""
    for perturbed in (True, False):
        con = dbs.raw(dialect, perturbed=perturbed)
        try:
            a, b = con.execute(original).fetchall(), con.execute(rewrite).fetchall()
            if perturbed:
                left, right = multiset_difference([list(r) for r in a], [list(r) for r in b])
                if left or right:
                    return (f"different rows on perturbed data ({left} only in the original, "
                            f"{right} only in the rewrite)")
            else:
                slow = _best(lambda: con.execute(original).fetchall())
                fast = _best(lambda: con.execute(rewrite).fetchall())
                if fast > slow * 1.1:
                    return f"slower in wall-clock time ({slow * 1000:.1f} -> {fast * 1000:.1f} ms)"
        finally:
            con.close()
    return None


# -- the LLM-only anchor ---------------------------------------------------------------


def llm_only(cases, connectors, cache_path: Path, limit: int | None) -> dict[str, str]:
    from assistant.diagnosis.prompts import render
    from assistant.sqlgen.dialects import dialect_name
    from assistant.sqlgen.schema_text import schema_ddl
    from llm.client import GenerateRequest, LocalClient
    from llm.llamacpp_engine import LlamaCppEngine
    from tests.support.helpers import model_file
    import asyncio

    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    llm = None
    answers = {}
    for case in cases[:limit] if limit else cases:
        conn = connectors[case.db]
        messages = [
            {"role": "system", "content": render("baseline_system", dialect_name=dialect_name(conn.dialect),
                                                 schema=schema_ddl(conn.introspect(), with_values=False))},
            {"role": "user", "content": render("baseline_user", sql=case.sql)},
        ]
        key = case.id + ":" + hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:16]
        if key not in cache:
            if llm is None:
                llm = LocalClient(LlamaCppEngine(model_file(), n_ctx=4096, n_threads=2), "baseline")
            started = time.perf_counter()
            text = asyncio.run(llm.generate(GenerateRequest(messages=messages, max_tokens=200))).text
            cache[key] = text
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache, indent=1))
            print(f"  llm-only {case.id}: {time.perf_counter() - started:.0f}s", flush=True)
        answers[case.id] = cache[key]
    return answers


def named(answer: str, kind: str) -> bool:
    """Whether the advice names the problem; SQL the answer merely echoes in code blocks does not count."""
    import re

    prose = re.sub(r"```.*?(```|$)", " ", answer, flags=re.S)
    return bool(re.search(store.NAMED_BY[kind], prose.lower(), re.S))


# -- the run ------------------------------------------------------------------------------


def diagnose_cases(cases, connectors, timeout_s: float) -> dict:
    results = {}
    for case in cases:
        started = time.perf_counter()
        report = diagnose_static(case.sql, connectors[case.db], timeout_s=timeout_s).report
        shown = reported(report)
        kinds = {f.kind for f in shown}
        results[case.id] = {
            "report": report, "seconds": time.perf_counter() - started,
            "found": [k for k in case.expect if k in kinds], "missed": [k for k in case.expect if k not in kinds],
            "planted": [f.kind for f in shown if f.kind in case.expect],
            "related": [f.kind for f in shown if f.kind not in case.expect and f.kind in case.related],
            "false": [f.kind for f in shown if f.kind not in case.expect and f.kind not in case.related],
        }
        r = results[case.id]
        mark = "ok " if not r["missed"] and not r["false"] else "!! "
        print(f"{mark}{case.id:32} {r['seconds']:5.1f}s found={r['found']} missed={r['missed']} "
              f"false={r['false']}", flush=True)
    return results


def check_advice(cases, results, dbs: Databases, work: Path) -> list[dict]:
    checked = []
    for case in cases:
        for finding in results[case.id]["report"].findings:
            if finding.kind not in ADVICE_KINDS or not finding.verified:
                continue
            engine_sql = results[case.id]["report"].sql
            try:
                if finding.kind == "index_suggestion":
                    why = check_index(dbs, case.db, engine_sql, finding.sql, work)
                else:
                    why = check_rewrite(dbs, case.db, engine_sql, finding.sql)
            except Exception as error:  # a check that cannot run refutes nothing, but is shown
                why = f"check failed to run: {error}"
            checked.append({"case": case.id, "kind": finding.kind, "sql": finding.sql, "wrong": why})
            print(f"   advice {case.id:28} {finding.kind:18} {'WRONG: ' + why if why else 'confirmed'}", flush=True)
    return checked


def figures(cases, results, advice, answers) -> dict:
    planted = sum(len(c.expect) for c in cases)
    found = sum(len(results[c.id]["found"]) for c in cases)
    shown = sum(len(results[c.id][k]) for c in cases for k in ("planted", "related", "false"))
    true_strict = sum(len(results[c.id]["planted"]) for c in cases)
    related = sum(len(results[c.id]["related"]) for c in cases)
    clean = [c for c in cases if not c.expect]
    out = {
        "cases": len(cases), "planted_problems": planted, "found": found,
        "recall": found / planted if planted else None,
        "reported": shown, "precision": (true_strict + related) / shown if shown else None,
        "precision_strict": true_strict / shown if shown else None,
        "false_findings": shown - true_strict - related,
        "no_problem_cases": len(clean),
        "no_problem_cases_with_alarms": sum(1 for c in clean if results[c.id]["false"]),
        "verified_index_advice": sum(1 for a in advice if a["kind"] == "index_suggestion"),
        "verified_rewrite_advice": sum(1 for a in advice if a["kind"] == "rewrite_suggestion"),
        "wrong_verified_advice": sum(1 for a in advice if a["wrong"]),
        "seconds_per_case": sum(results[c.id]["seconds"] for c in cases) / len(cases),
    }
    if answers:
        asked = [c for c in cases if c.id in answers]
        out["llm_only_cases"] = len(asked)
        out["llm_only_planted"] = sum(len(c.expect) for c in asked)
        out["llm_only_named"] = sum(1 for c in asked for k in c.expect if named(answers[c.id], k))
        out["ours_named_same_cases"] = sum(len(results[c.id]["found"]) for c in asked)
        out["llm_only_no_problem_alarms"] = sum(
            1 for c in asked if not c.expect and any(named(answers[c.id], k) for k in
                                                     ("full_scan", "join_without_index", "type_mismatch",
                                                      "function_on_indexed_column", "unbounded_scan")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--scale", type=float, default=1.0, help="table sizes relative to diagnosis_cases.SIZES")
    parser.add_argument("--timeout", type=float, default=10.0, help="the connector's time limit per query")
    parser.add_argument("--only", default=None, help="run the cases whose id contains this text")
    parser.add_argument("--llm", action="store_true", help="also run the LLM-only anchor with the real model")
    parser.add_argument("--llm-limit", type=int, default=None, help="at most this many cases for the anchor")
    parser.add_argument("--llm-dialects", default="sqlite,postgres",
                        help="cases of these databases go to the anchor (the model is slow on 2 cores)")
    parser.add_argument("--llm-cache", type=Path, default=REPO / "data" / "bench" / "diagnosis_llm_only.json")
    parser.add_argument("--json", type=Path, default=None, help="write figures and per-case results here")
    args = parser.parse_args()
    dialects = args.dialects.split(",")
    cases = [c for c in store.CASES if c.db in dialects and (not args.only or args.only in c.id)]
    work = Path(tempfile.mkdtemp(prefix="dbgpt-bench-diagnosis-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the databases are dropped
    started = time.perf_counter()
    dbs = Databases(dialects, args.scale, work)
    print(f"databases built in {time.perf_counter() - started:.0f}s ({work})", flush=True)
    connectors = {}
    try:
        connectors.update({d: connect(dbs.urls[d], timeout_s=args.timeout) for d in dialects})
        results = diagnose_cases(cases, connectors, args.timeout)
        advice = check_advice(cases, results, dbs, work)
        anchor = [c for c in cases if c.db in args.llm_dialects.split(",")]
        answers = llm_only(anchor, connectors, args.llm_cache, args.llm_limit) if args.llm else {}
        out = figures(cases, results, advice, answers)
    finally:
        for conn in connectors.values():
            conn.close()
        dbs.close()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=1))
    if args.json:
        per_case = {cid: {k: v for k, v in r.items() if k != "report"} | {
            "findings": [f.to_dict() for f in r["report"].findings], "llm_only": answers.get(cid)}
            for cid, r in results.items()}
        args.json.write_text(json.dumps({"figures": out, "advice": advice, "cases": per_case}, indent=1,
                                        default=str))


if __name__ == "__main__":
    main()
