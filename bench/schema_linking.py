"""Schema linking on the defog sql-eval set: gold tables vs linked tables.

For every question, the tables each gold query reads (found with sqlglot;
CTE names excluded) are compared with the tables `link_schema` keeps under
the token budget. A question's recall is that of its best-covered gold
alternative. The schema text is measured as the SQL pipeline renders it
(`assistant.sqlgen.schema_text.table_ddl`), counted with the approximate
counter and, with --exact, also with the Qwen2.5 GGUF tokenizer.

    .venv/bin/python bench/schema_linking.py [--budget 1000] [--no-comments] [--exact]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[1]
DEFOG = REPO.parent / "shared" / "eval" / "defog"


def gold_tables(sql: str, dialect: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read=dialect)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}


def gold_columns(sql: str, schema) -> set[tuple[str, str]] | None:
    """(table, column) pairs the query reads, resolved by sqlglot's qualify;
    None when the query cannot be qualified against the schema."""
    from sqlglot.optimizer.qualify import qualify

    mapping = {t.name: {c.name: c.type or "TEXT" for c in t.columns} for t in schema.tables}
    try:
        tree = qualify(sqlglot.parse_one(sql, read="sqlite"), schema=mapping, dialect="sqlite",
                       validate_qualify_columns=False)
    except Exception:
        return None
    aliases = {t.alias_or_name.lower(): t.name.lower() for t in tree.find_all(exp.Table)}
    real = {t.name.lower(): {c.name.lower() for c in t.columns} for t in schema.tables}
    out = set()
    for column in tree.find_all(exp.Column):
        table = aliases.get(column.table.lower())
        if table in real and column.name.lower() in real[table]:
            out.add((table, column.name.lower()))
    return out


def dictionary(db: str) -> dict:
    """defog's column descriptions as a connector data dictionary."""
    meta = json.loads((DEFOG / "metadata" / f"{db}.json").read_text())["table_metadata"]
    return {
        "tables": {
            table: {"columns": {c["column_name"]: c["column_description"]
                                for c in columns if c.get("column_description")}}
            for table, columns in meta.items()
        }
    }


def exact_counter():
    from llama_cpp import Llama

    from tests.support.helpers import model_file

    vocab = Llama(str(model_file()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("--no-comments", action="store_true", help="without defog's column descriptions")
    parser.add_argument("--exact", action="store_true", help="also count with the GGUF tokenizer")
    parser.add_argument("--questions", default=str(DEFOG / "questions_sqlite.csv"))
    parser.add_argument("--misses", action="store_true", help="print every question that lost a table")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO))
    from assistant.evaluation.dataset import load_questions
    from assistant.sqlgen.schema_text import table_ddl
    from connectors import connect
    from knowledge.embeddings import load_local_embedder
    from knowledge.schema_index import SchemaIndex
    from knowledge.schema_linking import link_schema_detailed
    from knowledge.store import ChromaStore
    from knowledge.tokens import count_tokens

    questions = load_questions(args.questions, "sqlite")
    exact = exact_counter() if args.exact else None
    started = time.perf_counter()
    embedder = load_local_embedder()
    store = ChromaStore(Path(tempfile.mkdtemp(prefix="bench-chroma-")))
    print(f"embedder and store ready in {time.perf_counter() - started:.1f}s; budget {args.budget} tokens")

    per_db: dict[str, dict] = {}
    latencies, exact_max, misses = [], 0, []
    for db in sorted({q.db_name for q in questions}):
        conn = connect(str(DEFOG / "sqlite" / f"{db}.sqlite"), dictionary=None if args.no_comments else dictionary(db))
        schema = conn.introspect()
        render = lambda table, d=schema.dialect: table_ddl(table, d)  # noqa: E731
        whole = sum(count_tokens(render(t)) + 1 for t in schema.tables)
        index = SchemaIndex(store, embedder, f"defog-{db}")
        t0 = time.perf_counter()
        index.refresh(schema)
        index_s = time.perf_counter() - t0
        recalls, complete, used, levels, column_recalls = [], 0, [], {}, []
        for q in (q for q in questions if q.db_name == db):
            t0 = time.perf_counter()
            linked = link_schema_detailed(q.question, schema, args.budget, index=index, render=render)
            latencies.append(time.perf_counter() - t0)
            chosen = {t.lower() for t in linked.tables}
            best = max(
                (len(g & chosen) / len(g), -len(g), sorted(g))
                for g in (gold_tables(sql, "sqlite") for sql in q.gold_sql)
                if g
            )
            recalls.append(best[0])
            kept = {(tb.name.lower(), c.name.lower()) for tb in linked.schema.tables for c in tb.columns}
            column_sets = [c for c in (gold_columns(sql, schema) for sql in q.gold_sql) if c]
            if column_sets:
                column_recalls.append(max(len(c & kept) / len(c) for c in column_sets))
            complete += best[0] == 1.0
            used.append(linked.tokens)
            levels[linked.level] = levels.get(linked.level, 0) + 1
            if exact:
                text = "\n\n".join(render(t) for t in linked.schema.tables)
                exact_max = max(exact_max, exact(text))
            if best[0] < 1.0:
                misses.append((db, q.question, sorted(set(best[2]) - chosen), linked.tables))
        conn.close()
        per_db[db] = {
            "questions": len(recalls),
            "tables": len(schema.tables),
            "whole_schema_tokens": whole,
            "table_recall": statistics.mean(recalls),
            "all_tables_found": complete / len(recalls),
            "max_tokens": max(used),
            "levels": levels,
            "column_recall": statistics.mean(column_recalls) if column_recalls else float("nan"),
            "column_questions": len(column_recalls),
            "index_s": index_s,
        }

    print(f"\n{'db':16} {'q':>4} {'tables':>6} {'whole':>6} {'max used':>8} {'recall':>7} {'all found':>9} "
          f"{'col rec':>7} {'index s':>7}  trim levels")
    for db, r in per_db.items():
        print(
            f"{db:16} {r['questions']:4d} {r['tables']:6d} {r['whole_schema_tokens']:6d} {r['max_tokens']:8d} "
            f"{r['table_recall']:7.3f} {r['all_tables_found']:9.3f} {r['column_recall']:7.3f} {r['index_s']:7.2f}  "
            + " ".join(f"{k}:{v}" for k, v in sorted(r["levels"].items()))
        )
    total = sum(r["questions"] for r in per_db.values())
    recall = sum(r["table_recall"] * r["questions"] for r in per_db.values()) / total
    found = sum(r["all_tables_found"] * r["questions"] for r in per_db.values()) / total
    col_total = sum(r["column_questions"] for r in per_db.values())
    col_recall = sum(r["column_recall"] * r["column_questions"]
                     for r in per_db.values() if r["column_questions"]) / col_total
    latencies.sort()
    print(
        f"\nALL {total} questions: table recall {recall:.3f}, all gold tables found {found:.3f}, "
        f"column recall {col_recall:.3f} ({col_total} questions qualified), "
        f"max schema tokens {max(r['max_tokens'] for r in per_db.values())} (approximate counter)"
        + (f", {exact_max} (Qwen2.5 tokenizer)" if exact else "")
    )
    print(
        f"link_schema latency: p50 {1000 * latencies[len(latencies) // 2]:.1f} ms, "
        f"p95 {1000 * latencies[int(len(latencies) * 0.95)]:.1f} ms"
    )
    if args.misses:
        for db, question, missing, chosen in misses:
            print(f"- [{db}] {question}\n    missing {missing}; chose {chosen}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
