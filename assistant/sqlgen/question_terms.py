"""Things a question counts or groups by that the database does not name.

"How many visits are there per city?" on a database of clinics and patients
gets an answer anyway: the model counts what it has. The user should hear
that no table, column or stored value is called anything like "visits". The
words checked are the ones a question uses to name what it counts or groups
by (after "how many", "number of", "per", "each", "which"); each is looked for,
singular or plural, among the schema's table and column names, their comments
and the values seen in the data.
"""

from __future__ import annotations

import re

from connectors.types import SchemaInfo
from knowledge.text import GENERIC_WORDS, STOP_WORDS, singular, split_identifier

_NAMING = re.compile(r"\b(?:how many|number of|count of|per|each|every|which|by)\s+(?=((?:\w+\s+){0,2}\w+))", re.I)
_FILLER = frozenset("""distinct different unique individual separate total all the a an of kinds kind types type
    sort sorts times not other others more less most least highest lowest top bottom first last
    ascending descending increasing decreasing order""".split())


def _known_words(schema: SchemaInfo) -> set[str]:
    words: set[str] = set()
    for table in schema.tables:
        words.update(split_identifier(table.name))
        words.update(split_identifier(table.comment or ""))
        for column in table.columns:
            words.update(split_identifier(column.name))
            words.update(split_identifier(column.comment or ""))
            for value in column.values or []:
                words.update(split_identifier(str(value)))
        for row in table.sample_rows:
            for value in row:
                if isinstance(value, str) and len(value) <= 60:
                    words.update(split_identifier(value))
    return {singular(w) for w in words}


def _named(question: str) -> list[str]:
    """The first content word after each naming phrase."""
    found = []
    for match in _NAMING.finditer(question):
        for word in match.group(1).lower().split():
            if word in _FILLER or word in STOP_WORDS or word.isdigit():
                continue
            found.append(word)
            break
    return list(dict.fromkeys(found))


def _known(word: str, known: set[str]) -> bool:
    one = singular(word)
    if one in GENERIC_WORDS or one in known:
        return True
    # A shared stem of five letters ('reviewers' and 'review'), or a name run together
    # with a prefix ('sbtransaction'); 'payments' and 'paid' do not meet.
    return len(one) >= 5 and any(k[:5] == one[:5] or one in k for k in known if len(k) >= 5)


def unnamed_terms(question: str, schema: SchemaInfo, matched_values: list[str] = ()) -> list[str]:
    """Words the question counts or groups by that nothing in the schema names."""
    known = _known_words(schema)
    for value in matched_values:
        known.update(singular(w) for w in split_identifier(value))
    return [word for word in _named(question) if not _known(word, known)]


def warning(terms: list[str]) -> str:
    listed = ", ".join(f"'{t}'" for t in terms)
    return (f"no table, column or stored value of this database is called {listed}: the answer uses "
            f"what the database has instead; check that it is what you meant")
