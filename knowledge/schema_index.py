"""The schema index of one connection: tables (and columns of wide tables)
in a hybrid index, refreshed when the schema's fingerprint changes.

A refresh compares each table's content hash with the stored one and
re-embeds only tables that were added or changed; dropped tables leave.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.types import SchemaInfo
from knowledge.index import HybridIndex, Item
from knowledge.schema_docs import (
    WIDE_TABLE_COLUMNS,
    JoinEdge,
    Sensitive,
    column_text,
    content_hash,
    join_graph,
    table_embed_text,
    table_text,
)
from knowledge.store import ChromaStore, collection_name


@dataclass
class RefreshReport:
    fingerprint: str
    skipped: bool = False  # the fingerprint was already indexed
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def reembedded(self) -> list[str]:
        return self.added + self.changed

    def to_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "skipped": self.skipped,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
        }


def _items_for(schema: SchemaInfo, graph, sensitive: Sensitive) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for table in schema.tables:
        text = table_text(table, graph, sensitive)
        columns = []
        if len(table.columns) > WIDE_TABLE_COLUMNS:
            columns = [(c.name, column_text(table, c, sensitive)) for c in table.columns]
        digest = content_hash(text, *(t for _, t in columns))
        meta = {"kind": "table", "table": table.name, "hash": digest}
        items = [Item(id=f"t:{table.name}", text=text, metadata=meta, embed_text=table_embed_text(table))]
        for name, col_text in columns:
            items.append(
                Item(id=f"c:{table.name}.{name}", text=col_text,
                     metadata={"kind": "column", "table": table.name, "column": name, "hash": digest})
            )
        out[table.name] = items
    return out


class SchemaIndex:
    def __init__(self, store: ChromaStore, embedder, connection: str, *, sensitive: Sensitive = frozenset()):
        self.connection = connection
        self.sensitive = frozenset((t.lower(), c.lower()) for t, c in sensitive)
        self.index = HybridIndex(store, collection_name("schema", connection), embedder)
        self._graph: tuple[str, dict] | None = None
        self.costs: dict = {}  # schema_linking's rendered-table token counts, by fingerprint

    def graph(self, schema: SchemaInfo) -> dict[str, dict[str, JoinEdge]]:
        """The join graph of `schema`, kept while its fingerprint holds (it is
        quadratic in the worst case, and every link needs it)."""
        if schema.fingerprint and self._graph and self._graph[0] == schema.fingerprint:
            return self._graph[1]
        graph = join_graph(schema)
        self._graph = (schema.fingerprint, graph)
        return graph

    @property
    def fingerprint(self) -> str:
        return (self.index.collection.metadata or {}).get("fingerprint", "")

    def _mark(self, fingerprint: str) -> None:
        self.index.collection.modify(metadata={"fingerprint": fingerprint, "connection": self.connection})

    def refresh(self, schema: SchemaInfo, *, force: bool = False) -> RefreshReport:
        """Bring the index in line with `schema`. A schema without a fingerprint
        is compared table by table every time."""
        # The marker covers the sensitive set too: marking a column re-indexes it.
        marker = content_hash(schema.fingerprint, *sorted(f"{t}.{c}" for t, c in self.sensitive))
        if schema.fingerprint and not force and self.fingerprint == marker and self.index.count():
            return RefreshReport(fingerprint=schema.fingerprint, skipped=True, unchanged=len(schema.tables))
        wanted = _items_for(schema, self.graph(schema), self.sensitive)
        stored = {m["table"]: m["hash"] for _, _, m in self.index.entries({"kind": "table"})}
        report = RefreshReport(fingerprint=schema.fingerprint)
        for name in stored:
            if name not in wanted:
                self.index.delete_where({"table": name})
                report.removed.append(name)
        fresh: list[Item] = []
        for name, items in wanted.items():
            if name not in stored:
                report.added.append(name)
            elif stored[name] != items[0].metadata["hash"]:
                self.index.delete_where({"table": name})  # its column entries may differ too
                report.changed.append(name)
            else:
                report.unchanged += 1
                continue
            fresh.extend(items)
        self.index.upsert(fresh)
        self._mark(marker)
        return report

    def rank_tables(self, question: str, *, depth: int = 200) -> list[tuple[str, float]]:
        """Tables by relevance to `question`: each table scores its best entry."""
        hits = self.index.search(question, k=depth, candidates=depth)
        best: dict[str, float] = {}
        for hit in hits:
            table = hit.metadata.get("table")
            if table is not None and hit.score > best.get(table, 0.0):
                best[table] = hit.score
        return sorted(best.items(), key=lambda pair: -pair[1])

    def tables(self) -> list[str]:
        return sorted(m["table"] for _, _, m in self.index.entries({"kind": "table"}))
