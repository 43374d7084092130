"""Retrieval latency and memory: a 1,000-table schema and a 10,000-chunk space.

- Schema: a generated 1,000-table schema (deterministic; entities x variants,
  foreign keys between them, comments and low-cardinality values), indexed
  with `SchemaIndex`; timed: `rank_tables` (retrieval alone) and
  `link_schema_detailed` at a 1,000-token budget (retrieval + selection).
- Documents: 10,000 chunks of SQLite's HTML documentation (`sqlite3-doc`),
  loaded and split as a knowledge space does (see `build_space` for how the
  build is kept short); timed: `HybridIndex.search` (query embedding +
  Chroma HNSW + BM25 + fusion), k=5, with and without the query embedding.

Indexes are kept in --data-dir, so a second run re-uses them and only
measures queries.

    .venv/bin/python bench/retrieval.py [--data-dir /tmp/dbgpt-bench-knowledge] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from pathlib import Path

from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo

ENTITIES = """customer order invoice payment shipment product supplier warehouse employee department payroll
contract account ledger budget campaign lead opportunity ticket incident asset vehicle route driver store region
country city address coupon refund return review rating subscription plan usage device sensor reading alert
patient doctor appointment prescription claim policy premium broker trade portfolio security price quote
student course enrollment grade teacher school exam project task milestone timesheet vendor purchase requisition
batch recipe ingredient machine maintenance part inventory transfer shift schedule flight booking passenger
airport hotel room reservation event ticketing venue artist album track playlist""".split()
VARIANTS = ["", "history", "archive", "detail", "summary", "daily", "monthly", "audit", "staging", "snapshot",
            "log", "queue", "link", "note"]
ATTRIBUTES = [("name", "TEXT"), ("status", "TEXT"), ("created_at", "TIMESTAMP"), ("amount", "NUMERIC"),
              ("quantity", "INTEGER"), ("description", "TEXT"), ("email", "TEXT"), ("phone", "TEXT"),
              ("code", "TEXT"), ("category", "TEXT"), ("price", "NUMERIC"), ("total", "NUMERIC"),
              ("notes", "TEXT"), ("starts_on", "DATE"), ("ends_on", "DATE"), ("score", "REAL"),
              ("is_active", "BOOLEAN"), ("priority", "INTEGER"), ("currency", "TEXT"), ("owner", "TEXT")]
STATUS = ["active", "inactive", "pending", "closed", "cancelled"]


def synthetic_schema(tables: int = 1000, seed: int = 7) -> SchemaInfo:
    rng = random.Random(seed)
    names = [f"{e}_{v}" if v else e for v in VARIANTS for e in ENTITIES][:tables]
    out = []
    for i, name in enumerate(names):
        columns = [ColumnInfo("id", "INTEGER", False, primary_key=True)]
        fks = []
        for target in rng.sample(names[: max(i, 1)], k=min(i, rng.randint(0, 3))):
            columns.append(ColumnInfo(f"{target}_id", "INTEGER", comment=f"the {target.replace('_', ' ')}"))
            fks.append(ForeignKey([f"{target}_id"], target, ["id"]))
        for attr, type_ in rng.sample(ATTRIBUTES, k=rng.randint(3, 16)):
            values = STATUS if attr == "status" else None
            comment = f"{attr.replace('_', ' ')} of the {name.replace('_', ' ')}" if rng.random() < 0.5 else None
            columns.append(ColumnInfo(attr, type_, comment=comment, values=values))
        out.append(TableInfo(name, columns, primary_key=["id"], foreign_keys=fks,
                             comment=f"{name.replace('_', ' ')} records"))
    return SchemaInfo("postgres", "PostgreSQL", "16", out, fingerprint=f"synthetic-{tables}-{seed}")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {p(0.50):.1f} ms, p95 {p(0.95):.1f} ms, max {1000 * ordered[-1]:.1f} ms"


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(function, queries: list[str]) -> list[float]:
    function(queries[0])  # warm: first BM25 build, caches
    samples = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        samples.append(time.perf_counter() - started)
    return samples


def build_space(space, docs: Path, limit: int) -> None:
    """Chunks of SQLite's docs, loaded and split as DocumentSpaces does, up to
    `limit`. To keep the build within minutes on two cores each chunk is
    embedded from its first 256 characters; queries are unaffected."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from knowledge.index import Item
    from knowledge.loaders import DocumentError, load_file

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
    items: list = []
    for page in sorted(docs.rglob("*.html")):
        try:
            loaded = load_file(page, max_bytes=50_000_000)
        except DocumentError:
            continue
        for section in loaded.sections:
            for piece in splitter.split_text(section.text):
                meta = {"path": str(page), "title": loaded.title, "location": section.location or loaded.title}
                items.append(Item(f"c{len(items)}", piece, meta, group=str(page), embed_text=piece[:256]))
        if len(items) >= limit:
            break
    space.upsert(items[:limit])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/dbgpt-bench-knowledge")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--docs", default="/usr/share/doc/sqlite3")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from knowledge.embeddings import load_local_embedder
    from knowledge.index import HybridIndex
    from knowledge.schema_index import SchemaIndex
    from knowledge.schema_linking import link_schema_detailed
    from knowledge.store import ChromaStore

    root = Path(args.data_dir)
    embedder = load_local_embedder()
    store = ChromaStore(root / "chroma")
    rng = random.Random(11)
    print(f"RSS with the embedder loaded: {rss_mb():.0f} MiB")

    schema = synthetic_schema()
    index = SchemaIndex(store, embedder, "bench-1000")
    started = time.perf_counter()
    report = index.refresh(schema)
    print(f"schema: {len(schema.tables)} tables, {index.index.count()} entries; "
          f"indexed {len(report.reembedded)} tables in {time.perf_counter() - started:.1f}s")
    questions = [
        f"{rng.choice(['total', 'average', 'latest', 'count of'])} {rng.choice(ATTRIBUTES)[0].replace('_', ' ')} "
        f"of {rng.choice(ENTITIES)}s by {rng.choice(ENTITIES)} {rng.choice(['status', 'month', 'region'])}"
        for _ in range(args.queries)
    ]
    print(f"  rank_tables (retrieval alone): {percentiles(timed(index.rank_tables, questions))}")
    link = lambda q: link_schema_detailed(q, schema, 1000, index=index)  # noqa: E731
    print(f"  link_schema, budget 1000 (retrieval + selection): {percentiles(timed(link, questions[:50]))}")
    print(f"  RSS {rss_mb():.0f} MiB")

    space = HybridIndex(store, "bench-docs-10k", embedder)
    started = time.perf_counter()
    if space.count() < args.chunks:
        build_space(space, Path(args.docs), args.chunks)
    print(f"documents: {space.count()} chunks ready in {time.perf_counter() - started:.1f}s")
    titles = sorted({m["title"] for _, _, m in space.entries()})
    doc_queries = [f"how does {rng.choice(titles)} work in sqlite" for _ in range(args.queries)]
    search = lambda q: space.search(q, 5)  # noqa: E731
    print(f"  hybrid search k=5 (embedding + HNSW + BM25 + fusion): {percentiles(timed(search, doc_queries))}")
    embed = lambda q: embedder.get_query_embedding(q)  # noqa: E731
    print(f"  of which query embedding: {percentiles(timed(embed, doc_queries))}")
    vector = embedder.get_query_embedding(doc_queries[0])
    search_only = lambda q: space.search(q, 5, query_embedding=vector)  # noqa: E731
    print(f"  without the query embedding: {percentiles(timed(search_only, doc_queries))}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: RSS {rss_mb():.0f} MiB, peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
