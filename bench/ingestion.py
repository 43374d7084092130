"""Ingestion throughput and peak memory on a 500-page corpus.

The corpus is the first 500 HTML pages (sorted by path) of SQLite's own
documentation as Debian's `sqlite3-doc` installs it. Every page goes through
the product path: loader, header-aware splitter, batched embedding with the
bundled all-MiniLM-L6-v2, Chroma through llama-index. A second pass over the
same files measures the content-hash no-op.

    .venv/bin/python bench/ingestion.py [--pages 500] [--data-dir /tmp/dbgpt-bench-knowledge]

The space it fills ("sqlite-docs", emptied first) is the one bench/retrieval.py
grows to 10,000 chunks when pointed at the same --data-dir.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--docs", default="/usr/share/doc/sqlite3")
    parser.add_argument("--data-dir", default=None, help="default: a new temporary folder")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=64, help="embedding batch size")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from knowledge.documents import DocumentSpaces
    from knowledge.embeddings import load_local_embedder
    from knowledge.registry import Registry
    from knowledge.store import ChromaStore

    pages = sorted(Path(args.docs).rglob("*.html"))[: args.pages]
    if len(pages) < args.pages:
        raise SystemExit(f"only {len(pages)} HTML pages under {args.docs}; apt-get install sqlite3-doc")
    corpus_mb = sum(p.stat().st_size for p in pages) / 2**20
    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    embedder = load_local_embedder(batch_size=args.batch)
    registry = Registry(root / "registry.sqlite")
    spaces = DocumentSpaces(registry, ChromaStore(root / "chroma"), embedder, chunk_size=args.chunk_size,
                            chunk_overlap=args.chunk_size * 3 // 20, max_bytes=50_000_000)
    if "sqlite-docs" in spaces.names():
        spaces.drop("sqlite-docs")
    spaces.create("sqlite-docs")
    embedder.get_text_embedding("warm up")
    before = rss_mb()
    print(f"{len(pages)} pages, {corpus_mb:.1f} MiB of HTML; RSS before ingestion {before:.0f} MiB")

    started = time.perf_counter()
    chunks = failed = 0
    for i, page in enumerate(pages, start=1):
        result = spaces.add_file("sqlite-docs", page)
        chunks += result.chunks
        failed += result.state == "failed"
        if i % 100 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {i} pages, {chunks} chunks, {elapsed:.0f}s, RSS {rss_mb():.0f} MiB")
    elapsed = time.perf_counter() - started
    print(f"ingested {len(pages)} pages ({failed} failed) into {chunks} chunks in {elapsed:.1f}s: "
          f"{len(pages) / elapsed:.2f} pages/s, {chunks / elapsed:.1f} chunks/s")

    started = time.perf_counter()
    unchanged = sum(spaces.add_file("sqlite-docs", page).state == "unchanged" for page in pages)
    again = time.perf_counter() - started
    print(f"re-adding the same {len(pages)} pages: {unchanged} unchanged in {again:.1f}s "
          f"({len(pages) / again:.0f} pages/s)")
    print(f"memory: RSS now {rss_mb():.0f} MiB, peak RSS {peak_mb():.0f} MiB "
          f"(+{peak_mb() - before:.0f} MiB over the loaded model and store)")
    registry.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
