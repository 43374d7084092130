"""Self-consistency: candidates that agree on their result outvote the rest."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass
class Candidate:
    sql: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    return value


def result_key(candidate: Candidate) -> str:
    """Rows as a multiset of normalised values; column names do not matter."""
    rows = sorted(json.dumps([_normal(v) for v in row], default=str) for row in candidate.rows)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def vote(candidates: list[Candidate]) -> tuple[Candidate | None, float]:
    """The first candidate of the largest agreeing group, and the agreement."""
    if not candidates:
        return None, 0.0
    keys = [result_key(c) for c in candidates]
    counts = Counter(keys)
    best_key, best_count = max(counts.items(), key=lambda kv: (kv[1], -keys.index(kv[0])))
    winner = candidates[keys.index(best_key)]
    return winner, best_count / len(candidates)
