"""A conservative token count that needs no tokenizer.

Schema linking has to keep the schema part of a prompt under a budget before
any model is loaded, so it counts tokens by rule:

- a run of ASCII letters costs ceil(len / 6) tokens,
- every digit costs one (Qwen and LLaMA tokenizers split numbers by digit),
- every other non-space character costs one (punctuation, quotes, CJK),
- a run of whitespace costs one when it holds a newline or is longer than a
  single space; a lone space costs one before a digit and nothing otherwise
  (it merges into the following word or sign).

Measured against the Qwen2.5-Coder GGUF tokenizer on the 206 table DDLs of the
defog databases (with and without column comments and values): never below the
real count (smallest ratio 1.04), 20% above it in total. A caller holding the
real tokenizer can pass its own `count_tokens` wherever one is accepted.
"""

from __future__ import annotations

import math
import re

_PIECE = re.compile(r"[A-Za-z]+|[0-9]| (?=[0-9])|\s+|[^\sA-Za-z0-9]")
LETTERS_PER_TOKEN = 6


def count_tokens(text: str) -> int:
    total = 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        first = piece[0]
        if first.isascii() and first.isalpha():
            total += math.ceil(len(piece) / LETTERS_PER_TOKEN)
        elif first.isspace():
            before_digit = match.end() < len(text) and text[match.end()].isdigit()
            total += 1 if ("\n" in piece or len(piece) > 1 or before_digit) else 0
        else:
            total += 1
    return total
