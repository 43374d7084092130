"""One Chroma collection searched two ways: vectors and BM25, fused by rank.

Writes go through llama-index's `ChromaVectorStore` (nodes, embeddings,
document grouping); a query asks the collection directly for ids and
distances only. The keyword side is an in-memory BM25 built from the
collection's own texts on first search and rebuilt after a write (or when
another process changed the collection's size). Metadata filters apply to
both sides.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from knowledge.bm25 import BM25, reciprocal_rank_fusion
from knowledge.store import ChromaStore

Filters = dict[str, Any]  # {key: value} or {key: [values]}: all must match
# Keys llama-index writes into every node's metadata; not ours to show.
_INTERNAL_KEYS = ("_node_content", "_node_type", "document_id", "doc_id", "ref_doc_id")


@dataclass
class Item:
    id: str
    text: str
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    group: str | None = None  # e.g. the document a chunk came from; delete_group() drops them all
    embed_text: str | None = None  # what to embed, when it differs from what BM25 and the caller read


@dataclass
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float  # reciprocal-rank fusion of the two sides
    vector_score: float | None = None  # cosine similarity, when the vector side found it
    keyword_score: float | None = None  # BM25, when the keyword side found it

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "metadata": self.metadata,
            "score": round(self.score, 6),
            "vector_score": None if self.vector_score is None else round(self.vector_score, 4),
            "keyword_score": None if self.keyword_score is None else round(self.keyword_score, 4),
        }


def matches(metadata: dict[str, Any], filters: Filters | None) -> bool:
    for key, wanted in (filters or {}).items():
        value = metadata.get(key)
        if isinstance(wanted, (list, tuple, set)):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _chroma_where(filters: Filters | None) -> dict | None:
    """The same filters in Chroma's own `where` syntax."""
    if not filters:
        return None
    parts = [
        {key: {"$in": list(wanted)}} if isinstance(wanted, (list, tuple, set)) else {key: {"$eq": wanted}}
        for key, wanted in filters.items()
    ]
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _public(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in _INTERNAL_KEYS}


class _KeywordSide:
    """The collection's texts and metadata with their BM25 index."""

    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]]):
        self.ids, self.texts, self.metadatas = ids, texts, [_public(m or {}) for m in metadatas]
        self.position = {id_: i for i, id_ in enumerate(ids)}
        self.bm25 = BM25(texts)

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        if not filters:
            return None
        return np.array([matches(m, filters) for m in self.metadatas], dtype=bool)


class HybridIndex:
    def __init__(self, store: ChromaStore, name: str, embedder):
        self.name = name
        self.embedder = embedder
        self.collection = store.collection(name)
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)
        self._keywords: _KeywordSide | None = None
        self._stamp: object = None
        self._lock = threading.Lock()

    # Writes -----------------------------------------------------------------
    def upsert(self, items: list[Item], *, batch: int = 256) -> None:
        """Embed and store `items`, replacing any stored under the same ids."""
        for start in range(0, len(items), batch):
            part = items[start : start + batch]
            vectors = self.embedder.get_text_embedding_batch([i.embed_text or i.text for i in part])
            nodes = []
            for item, vector in zip(part, vectors):
                node = TextNode(id_=item.id, text=item.text, metadata=dict(item.metadata), embedding=vector)
                if item.group:
                    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=item.group)
                nodes.append(node)
            with self._lock:
                self.collection.delete(ids=[i.id for i in part])
                self.vectors.add(nodes)
                self._keywords = None

    def delete(self, ids: list[str]) -> None:
        if ids:
            with self._lock:
                self.collection.delete(ids=ids)
                self._keywords = None

    def delete_group(self, group: str) -> None:
        with self._lock:
            self.vectors.delete(ref_doc_id=group)
            self._keywords = None

    def delete_where(self, filters: Filters) -> None:
        self.delete([id_ for id_, _, _ in self.entries(filters)])

    def follow(self, stamp: object) -> None:
        """Read the keyword side again when `stamp` (what the caller's registry says about the
        collection) changed since the last call: another process may have rewritten items
        without changing how many there are."""
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._keywords = stamp, None

    # Reads ------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def entries(self, filters: Filters | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every stored item matching `filters`."""
        side = self._keyword_side()
        return [
            (id_, text, meta)
            for id_, text, meta in zip(side.ids, side.texts, side.metadatas)
            if matches(meta, filters)
        ]

    def _keyword_side(self) -> _KeywordSide:
        with self._lock:
            side = self._keywords
            if side is None or len(side.ids) != self.collection.count():
                got = self.collection.get(include=["documents", "metadatas"])
                side = _KeywordSide(got["ids"], [d or "" for d in got["documents"]], got["metadatas"])
                self._keywords = side
            return side

    def term_counts(self, terms: list[str]) -> tuple[int, dict[str, int]]:
        """How many items there are, and how many hold each of `terms` (knowledge.text's words)."""
        bm25 = self._keyword_side().bm25
        return bm25.size, {t: bm25.document_frequency(t) for t in terms}

    def embed_query(self, query: str) -> list[float]:
        return self.embedder.get_query_embedding(query)

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        filters: Filters | None = None,
        candidates: int | None = None,
        query_embedding: list[float] | None = None,
    ) -> list[Hit]:
        """The k best items for `query`, each side asked for `candidates`."""
        side = self._keyword_side()
        if not side.ids:
            return []
        depth = min(len(side.ids), candidates or max(3 * k, 30))
        embedding = query_embedding if query_embedding is not None else self.embed_query(query)
        # Ids and distances only: texts and metadata are in the snapshot, and
        # rebuilding a llama-index node per hit costs more than the search.
        found = self.collection.query(
            query_embeddings=[embedding], n_results=depth, where=_chroma_where(filters), include=["distances"]
        )
        vector_ranking = list(found["ids"][0])
        cosine = {i: 1.0 - d for i, d in zip(vector_ranking, found["distances"][0])}  # cosine space
        keyword = side.bm25.top(query, depth, side.mask(filters))
        keyword_ranking = [side.ids[i] for i, _ in keyword]
        bm25 = {side.ids[i]: s for i, s in keyword}
        fused = reciprocal_rank_fusion([vector_ranking, keyword_ranking])
        best = sorted(fused, key=lambda key: -fused[key])[:k]
        hits = []
        for key in best:
            position = side.position.get(key)
            if position is None:  # written by another process since our snapshot
                continue
            hits.append(
                Hit(
                    id=key,
                    text=side.texts[position],
                    metadata=side.metadatas[position],
                    score=fused[key],
                    vector_score=cosine.get(key),
                    keyword_score=bm25.get(key),
                )
            )
        return hits
