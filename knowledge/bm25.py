"""Okapi BM25 over a fixed set of documents, as one sparse matrix.

Each document's term weights are computed once at build time, so a query is
a sum of a few matrix columns: well under a millisecond for 10,000 chunks.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse

from knowledge.text import words


def inverse_document_frequency(size, df):
    """BM25's idf of a term `df` of `size` documents hold. The "plus one" idf never goes negative
    for a term in most documents."""
    return np.log(1.0 + (size - df + 0.5) / (df + 0.5))


class BM25:
    def __init__(self, documents: list[str], *, k1: float = 1.2, b: float = 0.75):
        tokenized = [words(d) for d in documents]
        self.size = len(tokenized)
        self.vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.array([len(t) for t in tokenized], dtype=np.float64)
        for row, terms in enumerate(tokenized):
            for term, tf in Counter(terms).items():
                col = self.vocabulary.setdefault(term, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                tfs.append(tf)
        self.df = np.zeros(0, dtype=np.int64)
        if not self.size or not self.vocabulary:
            self.weights = sparse.csc_matrix((self.size, 0))
            return
        rows_a, cols_a, tf_a = np.array(rows), np.array(cols), np.array(tfs, dtype=np.float64)
        df = self.df = np.bincount(cols_a, minlength=len(self.vocabulary))
        idf = inverse_document_frequency(self.size, df)
        average = max(lengths.mean(), 1.0)
        norm = k1 * (1.0 - b + b * lengths[rows_a] / average)
        values = idf[cols_a] * tf_a * (k1 + 1.0) / (tf_a + norm)
        self.weights = sparse.csc_matrix((values, (rows_a, cols_a)), shape=(self.size, len(self.vocabulary)))

    def document_frequency(self, term: str) -> int:
        """How many documents hold `term` (one of knowledge.text's words)."""
        col = self.vocabulary.get(term)
        return int(self.df[col]) if col is not None else 0

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document for `query` (zeros where no term matches)."""
        ids = [self.vocabulary[t] for t in set(words(query)) if t in self.vocabulary]
        if not ids:
            return np.zeros(self.size)
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel()

    def top(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (document index, score) pairs with a positive score, best first."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        k = min(k, positive.size)
        best = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Sum of 1/(k + rank) over the rankings each key appears in (rank from 1)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused

