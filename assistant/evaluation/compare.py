"""Decide whether a predicted result answers the question as a gold result does.

Rules (those of defog's sql-eval):
- Rows are a multiset: duplicates count, order is ignored unless `ordered`.
- Columns are matched by content, never by name: every gold column must be
  found among the predicted columns; extra predicted columns are tolerated.
  Gold columns identical in every row carry one piece of information and may
  be met by one predicted column.
- Values are normalised first (`normalize_value`), so 3, 3.0 and
  Decimal("3.00") are equal, floats equal when they agree to `decimals`
  places, and dates compare as ISO strings.
- With `ordered`, rows must come in the gold order. When the gold ORDER BY
  keys are known (`order_keys`, gold column indices), rows that tie on those
  keys may come in any order among themselves, since SQL leaves that open.
- Two empty results match.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from decimal import Decimal
from typing import Any, Hashable, Sequence
from uuid import UUID

# Column assignments tried before a prediction is declared a mismatch; only a
# contrived result with many equal-content columns comes near it.
MAX_ASSIGNMENTS = 20_000

Row = tuple[Hashable, ...]

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def normalize_value(value: Any, decimals: int = 4) -> Hashable:
    """A hashable canonical form under which equal answers compare equal."""
    if value is None:
        return None
    if isinstance(value, str):
        # Connectors hand timestamps over as ISO text ("T"); SQL text casts use a space.
        return value[:10] + " " + value[11:] if _ISO_TIMESTAMP.match(value) else value
    if isinstance(value, bool):  # SQLite answers 0/1 where PostgreSQL answers booleans
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        return _normalize_number(value, decimals)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(normalize_value(item, decimals) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _normalize_number(value: float | Decimal, decimals: int) -> Hashable:
    if isinstance(value, Decimal):
        if value.is_nan():
            return "NaN"
        value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return value
    rounded = round(value, decimals)
    if rounded.is_integer():
        return int(rounded)  # so 3.0 == 3 and -0.0 == 0
    return rounded


def normalize_rows(rows: Sequence[Sequence[Any]], decimals: int = 4) -> list[Row]:
    return [tuple(normalize_value(v, decimals) for v in row) for row in rows]


def results_match(
    gold_rows: Sequence[Sequence[Any]],
    pred_rows: Sequence[Sequence[Any]],
    *,
    ordered: bool = False,
    order_keys: Sequence[int] | None = None,
    decimals: int = 4,
) -> bool:
    """True when the predicted rows contain the gold answer (see module doc)."""
    gold = normalize_rows(gold_rows, decimals)
    pred = normalize_rows(pred_rows, decimals)
    if len(gold) != len(pred):
        return False
    if not gold:
        return True
    gold_cols, gold_index = _distinct_columns(gold)
    pred_cols, _ = _distinct_columns(pred)
    # Rows of the gold restricted to its distinct columns, and its keys re-indexed.
    gold_distinct = list(zip(*gold_cols))
    keys = None if order_keys is None else sorted({gold_index[k] for k in order_keys})

    # A predicted column can stand for a gold column only if it holds the same values.
    pred_signatures = [Counter(column) for column in pred_cols]
    candidates = []
    for column in gold_cols:
        signature = Counter(column)
        matches = [k for k, pred_signature in enumerate(pred_signatures) if pred_signature == signature]
        if not matches:
            return False
        candidates.append(matches)

    def accept(assignment: dict[int, int]) -> bool:
        if not ordered:
            return True  # the partial multiset check already covered every column
        projected = list(zip(*(pred_cols[assignment[j]] for j in range(len(gold_cols)))))
        return _same_order(gold_distinct, projected, keys)

    return _assign(gold_cols, pred_cols, candidates, accept)


def _distinct_columns(rows: list[Row]) -> tuple[list[tuple], list[int]]:
    """Columns with identical row-wise content folded into one.

    Returns the distinct column vectors and, for each original column, the
    index of the distinct vector it folded into.
    """
    distinct: list[tuple] = []
    where: dict[tuple, int] = {}
    index: list[int] = []
    for column in zip(*rows):
        if column not in where:
            where[column] = len(distinct)
            distinct.append(column)
        index.append(where[column])
    return distinct, index


def _assign(
    gold_cols: list[tuple],
    pred_cols: list[tuple],
    candidates: list[list[int]],
    accept,
) -> bool:
    """Search an injective gold->pred column assignment whose rows match.

    Each partial assignment must already give equal row multisets on the
    columns assigned so far; that prunes almost every wrong branch at once.
    """
    order = sorted(range(len(gold_cols)), key=lambda j: len(candidates[j]))
    assignment: dict[int, int] = {}
    used: set[int] = set()
    budget = [MAX_ASSIGNMENTS]

    def extend(depth: int) -> bool:
        if depth == len(order):
            return accept(assignment)
        j = order[depth]
        for k in candidates[j]:
            if k in used:
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return False
            assignment[j] = k
            used.add(k)
            assigned = order[: depth + 1]
            gold_part = Counter(zip(*(gold_cols[g] for g in assigned)))
            pred_part = Counter(zip(*(pred_cols[assignment[g]] for g in assigned)))
            if gold_part == pred_part and extend(depth + 1):
                return True
            used.discard(k)
            del assignment[j]
        return False

    return extend(0)


def _same_order(gold: list[Row], pred: list[Row], keys: list[int] | None) -> bool:
    if keys is None:
        return gold == pred
    # Runs of consecutive gold rows equal on the ORDER BY keys may be permuted.
    start = 0
    for end in range(1, len(gold) + 1):
        if end == len(gold) or _key(gold[end], keys) != _key(gold[start], keys):
            if Counter(gold[start:end]) != Counter(pred[start:end]):
                return False
            start = end
    return True


def _key(row: Row, keys: list[int]) -> tuple:
    return tuple(row[k] for k in keys)


def match_any(
    gold_results: Sequence[tuple[Sequence[Sequence[Any]], bool, Sequence[int] | None]],
    pred_rows: Sequence[Sequence[Any]],
    decimals: int = 4,
) -> int | None:
    """Index of the first gold result (rows, ordered, order_keys) the prediction matches."""
    for index, (rows, ordered, keys) in enumerate(gold_results):
        if results_match(rows, pred_rows, ordered=ordered, order_keys=keys, decimals=decimals):
            return index
    return None
