"""How far an answer can be trusted, from the evidence the pipeline gathered.

One candidate alone says nothing about itself, so the score starts from what
the run showed: whether candidates agreed on their rows, how many rounds of
repair the query needed, the doubts it kept (a literal no row holds, a join
that pairs every row), an empty result, a question that counts something
the database does not name, and how likely the model found its own query.
Each is a known sign of a wrong answer; the factors are deliberately coarse,
and bench/sqlgen.py measures how well the score separates right from wrong
answers (AUROC, accuracy per bucket) on databases the pipeline was never
tuned on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REPAIR_FACTOR = 0.8  # per repair round: a query that needed fixing is more often still wrong
DOUBT_FACTOR = 0.55  # per doubt kept after the model was asked about it (at most two count)
EMPTY_FACTOR = 0.5  # no rows: right only when the question's answer is "none"
UNNAMED_FACTOR = 0.5  # the question counts or groups by something the database does not name
# per table read beyond the first: each join is one more place to pair the wrong rows
# (on the tuning part, 0.8-0.9 all separated right from wrong answers about equally well)
TABLE_FACTOR = 0.85
# The answer divides (a ratio, a share, a rate) or computes with dates: on the tuning part these
# answers were right far less often than others (4 in 14 and 4 in 10).
DIVIDES_FACTOR = 0.7
DATES_FACTOR = 0.8
CONFIDENT = 0.8  # at or above: shown as a confident answer


@dataclass(frozen=True)
class Evidence:
    agreement: float = 1.0  # share of candidates whose rows match the chosen one's
    repairs: int = 0
    doubts: int = 0
    empty: bool = False
    unnamed: bool = False
    tables: int = 1  # tables the final SQL reads
    divides: bool = False  # the final SQL divides
    dates: bool = False  # the final SQL computes with dates
    # How likely the model found its own query (query_likelihood.py): the mean log-probability
    # per token and the least likely token's; None where the engine gives no log-probabilities.
    likelihood: float | None = None
    least_likely: float | None = None


def score(evidence: Evidence) -> float:
    value = evidence.agreement
    value *= REPAIR_FACTOR ** evidence.repairs
    value *= DOUBT_FACTOR ** min(evidence.doubts, 2)
    if evidence.empty:
        value *= EMPTY_FACTOR
    if evidence.unnamed:
        value *= UNNAMED_FACTOR
    value *= TABLE_FACTOR ** max(0, evidence.tables - 1)
    if evidence.divides:
        value *= DIVIDES_FACTOR
    if evidence.dates:
        value *= DATES_FACTOR
    if evidence.likelihood is not None and evidence.repairs == 0:
        # The query's mean per-token probability, as the model wrote it at first sight. A repaired
        # query is rewritten with the earlier one in view and copies most of it, so its likelihood
        # says little; the repair factor speaks for it.
        value *= math.exp(evidence.likelihood)
    return round(value, 3)


MEDIUM = 0.4  # below: the answer is more often wrong than right
# What each label asks of the user, as the page and the CLI say it.
ADVICE = {"high": "confident", "medium": "check the rows", "low": "likely wrong: check the SQL"}


def label(confidence: float | None) -> str:
    """'high', 'medium' or 'low'."""
    if confidence is None:
        return "low"
    if confidence >= CONFIDENT:
        return "high"
    return "medium" if confidence >= MEDIUM else "low"
