"""Starter questions for an empty chat, written from the schema alone.

A first-time user facing an empty box does not know what the database holds.
A few questions in its own words show it and answer at once: a count of the
largest table, a measure by a category, the latest rows by a date, a count
along a foreign key, counts of the other tables. No model
is asked, so they come as fast as the schema and cannot name what is not there.
"""

from __future__ import annotations

from assistant.sqlgen.chart import is_identifier
from assistant.sqlgen.schema_text import is_categorical
from assistant.sqlgen.tables_read import key_names
from assistant.sqlgen.analysis.values import iso_date_kind
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

_MEASURE_TYPES = ("REAL", "NUM", "DEC", "FLOAT", "DOUBLE", "MONEY")  # amounts before counts
_INTEGER_TYPES = ("INT",)
_DATE_TYPES = ("DATE", "TIME")
_FLAG_PREFIXES = ("is_", "has_")
# A price or a score is averaged; amounts, counts and durations add up.
_RATE_WORDS = {"price", "rate", "ratio", "score", "rating", "age", "percent", "pct", "share"}


def _words(name: str) -> str:
    return name.replace("_", " ").strip().lower()


def _plural(name: str) -> str:
    words = _words(name)
    if words.endswith("s"):
        return words
    if words.endswith("y") and words[-2:-1] not in set("aeiou"):
        return words[:-1] + "ies"
    if words.endswith(("ch", "sh", "x", "z")):
        return words + "es"
    return words + "s"


def _singular(name: str) -> str:
    words = _words(name)
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith(("ches", "shes", "xes", "zes", "sses")):
        return words[:-2]
    if words.endswith("s") and not words.endswith("ss"):
        return words[:-1]
    return words


def _measure(table: TableInfo) -> ColumnInfo | None:
    """A column worth adding up: a number that is no key, identifier or flag, fractional types first."""
    keys = key_names(table)
    candidates = [c for c in table.columns
                  if not is_identifier(c.name, keys) and not c.name.lower().startswith(_FLAG_PREFIXES)]
    for types in (_MEASURE_TYPES, _INTEGER_TYPES):
        found = [c for c in candidates if any(kind in (c.type or "").upper() for kind in types)]
        if found:
            return found[0]
    return None


def _category(table: TableInfo) -> ColumnInfo | None:
    """A text column whose few values repeat from row to row (status, region)."""
    return next((c for c in table.columns if c.values and len(c.values) > 1 and is_categorical(c)
                 and not is_identifier(c.name, key_names(table))), None)


def _date(table: TableInfo) -> ColumnInfo | None:
    return next((c for c in table.columns if any(kind in (c.type or "").upper() for kind in _DATE_TYPES)
                 or iso_date_kind(table, c)), None)


def _count(table: TableInfo) -> str:
    return f"How many {_plural(table.name)} are there?"


def _by_category(table: TableInfo) -> str | None:
    measure, category = _measure(table), _category(table)
    if measure is None or category is None:
        return None
    total = "Average" if _RATE_WORDS & set(_words(measure.name).split()) else "Total"
    return f"{total} {_words(measure.name)} of {_plural(table.name)} by {_words(category.name)}"


def _latest(table: TableInfo) -> str | None:
    date = _date(table)
    return f"The 10 latest {_plural(table.name)} by {_words(date.name)}" if date is not None else None


def _per_parent(table: TableInfo) -> str | None:
    parent = next((key.ref_table for key in table.foreign_keys if key.ref_table != table.name), None)
    return f"How many {_plural(table.name)} does each {_singular(parent)} have?" if parent is not None else None


def suggest_questions(schema: SchemaInfo, limit: int = 4) -> list[str]:
    """Up to `limit` questions about `schema`, each kind from its largest table
    that has what the kind needs; then counts of the next tables, to make three."""
    tables = sorted((t for t in schema.tables if t.columns), key=lambda t: -(t.row_estimate or 0))
    questions = [_count(tables[0])] if tables else []
    for kind in (_by_category, _latest, _per_parent):
        question = next((q for t in tables if (q := kind(t)) is not None), None)
        if question is not None:
            questions.append(question)
    for table in tables[1:]:
        if len(questions) >= 3:
            break
        questions.append(_count(table))
    return questions[:limit]
