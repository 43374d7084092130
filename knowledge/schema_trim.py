"""Leaner copies of a table, for when its full DDL does not fit the budget.

Sample values (the connector keeps up to 50 per text column) usually cost
more tokens than the column list itself. Each level keeps what the question
is most likely to need:

- 0: the table as introspected;
- 1: values only for columns the question is about (see `relevant_columns`);
- 2: level 1, and other columns' comments cut to their first sentence;
- 3: level 2 with only key, join and relevant columns (wide tables only).

Relevant: a key or join column, a column whose name words the question
uses, or a column holding a value that the question quotes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from connectors.types import ColumnInfo, TableInfo
from knowledge.text import split_identifier, stem, words

LEVELS = (0, 1, 2, 3)
MIN_PRUNED_COLUMNS = 8  # tables at most this wide are never pruned
_SENTENCE = re.compile(r"(.+?[.;])(\s|$)")


def question_terms(question: str) -> set[str]:
    return set(words(question))


def mentions_value(question: str, values: list[str] | None) -> bool:
    """A stored value quoted in the question, as a whole word or phrase."""
    if not values:
        return False
    lowered = question.lower()
    for value in values:
        v = value.strip().lower()
        # The substring test first: the word-boundary regex is the slow part.
        if len(v) >= 2 and v in lowered and re.search(rf"(?<!\w){re.escape(v)}(?!\w)", lowered):
            return True
    return False


def relevant_columns(
    table: TableInfo, question: str, terms: set[str], join_columns: set[str], value_columns: set[str] = frozenset()
) -> set[str]:
    """Lower-cased names of the columns of `table` the question likely needs."""
    keep = {c.lower() for c in table.primary_key} | {c.lower() for c in join_columns}
    for fk in table.foreign_keys:
        keep.update(c.lower() for c in fk.columns)
    for column in table.columns:
        name = column.name.lower()
        col_terms = {stem(w) for w in split_identifier(column.name)}
        if column.primary_key or name in value_columns or col_terms & terms:
            keep.add(name)
        elif mentions_value(question, column.values):
            keep.add(name)
    return keep


def _first_sentence(text: str | None) -> str | None:
    if not text:
        return text
    match = _SENTENCE.match(text.strip())
    return match.group(1) if match else text


def trimmed(table: TableInfo, level: int, relevant: set[str]) -> TableInfo:
    """A copy of `table` at `level`; the original is left as it was."""
    if level == 0:
        return table
    columns: list[ColumnInfo] = []
    prune = level >= 3 and len(table.columns) > MIN_PRUNED_COLUMNS
    for column in table.columns:
        is_relevant = column.name.lower() in relevant
        if prune and not is_relevant:
            continue
        columns.append(
            replace(
                column,
                values=column.values if is_relevant else None,
                comment=column.comment if (is_relevant or level < 2) else _first_sentence(column.comment),
            )
        )
    kept = {c.name.lower() for c in columns}
    foreign_keys = [fk for fk in table.foreign_keys if all(c.lower() in kept for c in fk.columns)]
    return replace(table, columns=columns, foreign_keys=foreign_keys, sample_rows=[])
