"""Values the question names that the query never uses.

Asked "which airlines fly from LAX to ORD?", a small model writes
`WHERE to_airport = 'ORD'` and forgets LAX: the rows come back, too many,
and nothing looks wrong. The inverse of ungrounded_filters. A value counts as
named when the question quotes it, or writes it as a proper name or a code
(capitalised words after the sentence's first, or a word in capitals), and
the data holds it: it is among the stored values of a text column. It counts
as used when some text literal of the query holds it, is a part of it
('%york%') or is its code ('NY'), whatever the case. Month and weekday names
are left alone: questions name them as reference points ("2 days before
Saturday"), and so are values given as examples ("a state code, e.g. NY").
A doubt, asked once: a value may be named only to describe the answer.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext
from assistant.sqlgen.value_linking import QUOTED, normal_value
from connectors.introspect import is_text_type
from knowledge.text import MONTHS, WEEKDAYS

_SENTENCE = re.compile(r"(?:^|[.?!:;]\s+)(\S+)")
_TOKEN = re.compile(r"[A-Za-z][\w&.'-]*")
_WILDCARDS = re.compile(r"[%_]+")
# "state code (eg NY)": a value shown as an example of a format, not one the user asks about.
_EXAMPLES = re.compile(r"\b(?:e\.?\s?g\.?|for example|for instance|such as)[,:]?\s+[^)\n;]*", re.IGNORECASE)
MAX_WORDS = 4
_CALENDAR = frozenset(MONTHS + WEEKDAYS)


def _proper_names(question: str) -> set[str]:
    """Runs of capitalised words (not a sentence's first word on its own) and words in capitals."""
    firsts = {m.start(1) for m in _SENTENCE.finditer(question)}
    names, run = set(), []
    for match in _TOKEN.finditer(question):
        word = match.group()
        capital = word[0].isupper() and (match.start() not in firsts or word.isupper())
        if capital and len(run) < MAX_WORDS:
            run.append(word)
            continue
        if run:
            names.add(" ".join(run))
        run = [word] if capital else []
    if run:
        names.add(" ".join(run))
    return {normal_value(n) for n in names if len(n) >= 2}


def _stored(schema) -> dict[str, list[str]]:
    """Normalised stored value -> the columns (table.column) holding it."""
    held: dict[str, list[str]] = {}
    for table in schema.tables:
        for column in table.columns:
            if not is_text_type(column.type):
                continue
            for value in column.values or []:
                if isinstance(value, str) and len(value) >= 2:
                    held.setdefault(normal_value(value), []).append(f"{table.name}.{column.name}")
    return held


def _literals(tree: exp.Expression) -> list[str]:
    return [n for n in (normal_value(_WILDCARDS.sub(" ", lit.this)) for lit in tree.find_all(exp.Literal)
                        if lit.is_string) if len(n) >= 2]


def _used(value: str, literals: list[str]) -> bool:
    """Some literal holds the value, is a part of it, or is its code: the initials of a name of
    several words, perhaps with a letter more ('ny' for new york, 'lax' for los angeles)."""
    if any(value in lit or lit in value for lit in literals):
        return True
    words = value.split()
    initials = "".join(word[0] for word in words)
    return len(words) >= 2 and any(lit.startswith(initials) and len(lit) <= len(initials) + 1 for lit in literals)


def unused_values(tree: exp.Expression, context: RuleContext) -> list[str]:
    question = context.question
    if not question:
        return []
    question = _EXAMPLES.sub(" ", question)
    named = {normal_value(q) for q in QUOTED.findall(question)} | _proper_names(question)
    held = _stored(context.schema)
    literals = _literals(tree)
    findings = []
    for value in sorted(named):
        columns = held.get(value)
        if not columns or value in _CALENDAR or _used(value, literals):
            continue  # a month or weekday is often a reference point ("2 days before Saturday")
        where = ", ".join(columns[:2])
        findings.append(f"the question names '{value}', a value of {where}, but the query never uses it; "
                        "filter on it if the question asks for those rows")
    return findings
