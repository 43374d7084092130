"""The log-probability of each token a model chooses, read from its raw logits.

llama-cpp-python returns logprobs only for a model loaded with `logits_all`,
which keeps the logits of every prompt token: for a 150k-token vocabulary and
a 1,500-token schema prompt that is 900 MB and a slower prompt read. A logits
processor sees the raw logits of each generated position instead, at no cost
to the prompt. It is called before the token at that position is chosen, so
the choice is known one call later, from the tokens read so far; the last
token of a generation (the end of text, or one past where the caller stopped)
goes unrecorded, which costs nothing to what is measured. transformers calls
its logits processors the same way, so its engine records with the same class.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


class ChosenTokenLogprobs:
    """A logits processor (llama-cpp-python's signature; transformers' through a
    wrapper) that returns the logits unchanged and records (token text,
    log-probability) for each token generated."""

    def __init__(self, token_text: Callable[[int], str]):
        self._token_text = token_text
        self._logits: np.ndarray | None = None  # the previous position's logits
        self._log_total = 0.0
        self.tokens: list[str] = []
        self.logprobs: list[float] = []

    def __call__(self, input_ids, logits):
        if self._logits is not None and len(input_ids):
            chosen = int(input_ids[-1])
            self.tokens.append(self._token_text(chosen))
            self.logprobs.append(float(self._logits[chosen]) - self._log_total)
        self._logits = np.array(logits, dtype=np.float64)  # a copy: llama.cpp reuses the buffer
        top = self._logits.max()
        self._log_total = float(top + np.log(np.exp(self._logits - top).sum()))
        return logits


def recorded(recorder: ChosenTokenLogprobs | None) -> dict[str, Any]:
    """A chunk's `tokens` and `token_logprobs` so far; none when they were not asked for."""
    if recorder is None:
        return {}
    # The recorder may be filled from another thread (transformers' generate()): each list is
    # copied at once and the shorter length kept.
    tokens, logprobs = list(recorder.tokens), list(recorder.logprobs)
    n = min(len(tokens), len(logprobs))
    return {"tokens": tokens[:n], "token_logprobs": logprobs[:n]}
