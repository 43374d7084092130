"""Getting the SQL out of what a model wrote.

Small models wrap SQL in prose, code fences or almost-JSON. We accept, in
order: a JSON object with an `sql` field (anywhere in the text), a fenced
```sql block, then the first statement that starts with SELECT or WITH.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_FENCE = re.compile(r"```(?:sql|SQL)?\s*\n?(.*?)```", re.DOTALL)
_STATEMENT_START = re.compile(r"\b(WITH|SELECT)\b", re.IGNORECASE)


@dataclass
class ParsedAnswer:
    sql: str | None
    thoughts: str = ""


def _json_objects(text: str):
    """Every decodable JSON object in the text, in order."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _end = decoder.raw_decode(text, start)
            if isinstance(value, dict):
                yield value
        except json.JSONDecodeError:
            pass
        start = text.find("{", start + 1)


def _clean(sql: str) -> str | None:
    sql = sql.strip().rstrip(";").strip()
    return sql or None


_SENTENCE_END = re.compile(r"[.!?](\s|$)|\n\s*\n")


def answer_is_complete(text: str) -> bool:
    """A fenced query followed by its first sentence: the rest would be more
    explanation than the one sentence asked for, and costs decoding time."""
    fence = _FENCE.search(text)
    if fence is None:
        return False
    after = text[fence.end():].lstrip()
    return bool(after) and _SENTENCE_END.search(after) is not None


def query_span(text: str) -> tuple[int, int]:
    """Where in the model's text the query is: the fenced block, else from the
    statement's first keyword on, else the whole text (a JSON answer)."""
    fence = _FENCE.search(text)
    if fence:
        return fence.span(1)
    match = _STATEMENT_START.search(text)
    if match:
        return match.start(), len(text)
    return 0, len(text)


def _prose(text: str) -> str:
    """What the model said around the query: its explanation."""
    return " ".join(_FENCE.sub(" ", text).split())


def parse_answer(text: str) -> ParsedAnswer:
    for obj in _json_objects(text):
        if isinstance(obj.get("sql"), str):
            said = obj.get("thoughts", obj.get("explanation", ""))
            return ParsedAnswer(sql=_clean(obj["sql"]), thoughts=str(said or ""))
    fence = _FENCE.search(text)
    if fence:
        return ParsedAnswer(sql=_clean(fence.group(1)), thoughts=_prose(text))
    match = _STATEMENT_START.search(text)
    if match:
        return ParsedAnswer(sql=_clean(text[match.start():].split(";")[0]))
    return ParsedAnswer(sql=None, thoughts=text.strip())
