"""How likely the model found the query it wrote: a sign of its own certainty.

A model that hesitates between tables, columns or shapes spreads its
probability over them, and the token it picks is less likely; the least
likely token of a query marks the choice it was least sure of. Both are read
from the engine's token log-probabilities (an engine that gives none leaves
the likelihood unknown) over the tokens that wrote the query, not its
explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.sqlgen.parse_output import query_span


@dataclass(frozen=True)
class QueryLikelihood:
    mean: float  # mean log-probability per token of the query
    least: float  # the least likely token's log-probability
    tokens: int


def query_likelihood(tokens: list[str] | None, logprobs: list[float] | None) -> QueryLikelihood | None:
    if not tokens or not logprobs:
        return None
    text = "".join(tokens)
    start, end = query_span(text)
    chosen, offset = [], 0
    for token, logprob in zip(tokens, logprobs):
        if offset < end and offset + len(token) > start and token.strip():  # the token overlaps the query
            chosen.append(logprob)
        offset += len(token)
    if not chosen:
        return None
    return QueryLikelihood(mean=round(sum(chosen) / len(chosen), 4), least=round(min(chosen), 4), tokens=len(chosen))
