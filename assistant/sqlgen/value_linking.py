"""Literals in the question matched against the values stored in the data.

A user writes "new york" or "credit card"; the data says 'New York' or
'CREDIT_CARD'. We compare the question's word n-grams with the distinct
values of low-cardinality text columns (from introspection) and hand the
matches to the model as hints, so it writes the literal the data really holds.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from connectors.types import SchemaInfo

_WORD = re.compile(r"[\w'&.-]+", re.UNICODE)
MAX_NGRAM = 4
# Words that say what to compute, not which rows: "the average rating" asks for AVG,
# even where some text column happens to hold the value 'Average'. Quoted, they
# are values again ("reviews that say 'Average'").
QUERY_WORDS = frozenset("""
    average avg mean median total sum count number amount maximum max minimum min highest lowest
    largest smallest biggest most least top bottom first last latest earliest ratio proportion
    percentage percent share rate each every per all distinct unique
""".split())


@dataclass(frozen=True)
class ValueMatch:
    table: str
    column: str
    value: str
    phrase: str
    score: float


def _normal(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.lower()).strip(" '\".")


def _ngrams(question: str) -> set[str]:
    words = [w.strip("'\".,") for w in _WORD.findall(question)]
    grams = set()
    for n in range(1, MAX_NGRAM + 1):
        for i in range(len(words) - n + 1):
            gram = _normal(" ".join(words[i:i + n]))
            if len(gram) >= 3:
                grams.add(gram)
    return grams


def link_values(question: str, schema: SchemaInfo, tables: list[str] | None = None,
                cutoff: float = 0.88, limit: int = 8) -> list[ValueMatch]:
    wanted = None if tables is None else {t.lower() for t in tables}
    quoted = {_normal(q) for q in re.findall(r"[\"'‘“]([^\"'’”]+)[\"'’”]", question)}
    grams = {g for g in _ngrams(question) if g not in QUERY_WORDS or g in quoted}
    matches: dict[tuple[str, str, str], ValueMatch] = {}
    for table in schema.tables:
        if wanted is not None and table.name.lower() not in wanted:
            continue
        for column in table.columns:
            for value in column.values or []:
                if not isinstance(value, str) or len(value) < 3:
                    continue
                normal = _normal(value)
                if normal in grams:
                    score = 1.0
                else:
                    close = difflib.get_close_matches(normal, grams, n=1, cutoff=cutoff)
                    if not close:
                        continue
                    score = difflib.SequenceMatcher(None, normal, close[0]).ratio()
                key = (table.name, column.name, value)
                phrase = normal if score == 1.0 else close[0]
                if key not in matches or matches[key].score < score:
                    matches[key] = ValueMatch(table.name, column.name, value, phrase, score)
    ranked = sorted(matches.values(), key=lambda m: (-m.score, -len(m.phrase)))
    return ranked[:limit]


def value_hints(matches: list[ValueMatch]) -> str:
    if not matches:
        return ""
    lines = [f"- \"{m.phrase}\" matches {m.table}.{m.column} = '{m.value}'" for m in matches]
    return "Values found in the data:\n" + "\n".join(lines) + "\n"
