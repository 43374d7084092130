"""Literals in the question matched against the values stored in the data.

A user writes "new york" or "credit card"; the data says 'New York' or
'CREDIT_CARD'. We compare the question's word n-grams with the distinct
values of low-cardinality text columns (from introspection), approximately,
and look the n-grams up in every other text column of the prompt's tables
(names, titles: too many values to list) with one bounded case-folded query
per column. With the knowledge layer, its value index adds the names it keeps
(knowledge/values.py): misspelt, or one word of a longer name ("smith" for
'John Smith'). The best few matches reach the model as hints, so it writes the
literal the data really holds, in the column that holds it. Where a value
sits in several columns ('texas' in state.state_name and in
border_info.border), the column that names the entity itself comes first.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from sqlglot import exp

from connectors.introspect import is_text_type
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from knowledge.text import STOP_WORDS, singular, split_identifier
from knowledge.values import KEYWORD_SCORES, names_entity

RunTree = Callable[[exp.Expression], list[list]]  # one generated SELECT -> its rows
MAX_LOOKUP_COLUMNS = 32  # bounded scans per question
LOOKUP_BUDGET_S = 2.0  # all of them together: on a large database the hints give way to the answer
HINTS_SHOWN = 4

_WORD = re.compile(r"[\w'&.-]+", re.UNICODE)
MAX_NGRAM = 4
QUOTED = re.compile(r"[\"'‘“]([^\"'’”]+)[\"'’”]")  # a value the question puts in quotes
# Words that say what to compute, not which rows: "the average rating" asks for AVG,
# even where some text column happens to hold the value 'Average'. Quoted, they
# are values again ("reviews that say 'Average'").
QUERY_WORDS = frozenset("""
    average avg mean median total sum count number amount maximum max minimum min highest lowest
    largest smallest biggest most least top bottom first last latest earliest ratio proportion
    percentage percent share rate each every per all distinct unique
""".split())

# Words that say what to do with the answer: never a part of a name found by keyword.
INSTRUCTION_WORDS = frozenset("""
    return returned show list give display find get provide tell include including sort sorted order ordered rank
    ranked compute calculate express round rounded group grouped
""".split())


@dataclass(frozen=True)
class ValueMatch:
    table: str
    column: str
    value: str
    phrase: str
    score: float


def normal_value(text: str) -> str:
    """A value or phrase as compared: lower case, runs of spaces, _ and - as one space."""
    return re.sub(r"[\s_-]+", " ", text.lower()).strip(" '\".")


def _ngrams(question: str) -> set[str]:
    words = [w.strip("'\".,") for w in _WORD.findall(question)]
    grams = set()
    for n in range(1, MAX_NGRAM + 1):
        for i in range(len(words) - n + 1):
            gram = normal_value(" ".join(words[i:i + n]))
            if len(gram) >= 3:
                grams.add(gram)
    return grams


def _lookup_columns(schema: SchemaInfo, wanted: set[str] | None,
                    sensitive: frozenset[tuple[str, str]]) -> list[tuple[TableInfo, ColumnInfo]]:
    """Text columns without a listed set of values, entity names first; never a sensitive one."""
    found = [(table, column) for table in schema.tables
             if wanted is None or table.name.lower() in wanted
             for column in table.columns
             if column.values is None and is_text_type(column.type or "")
             and (table.name.lower(), column.name.lower()) not in sensitive]
    found.sort(key=lambda tc: not names_entity(*tc))
    return found[:MAX_LOOKUP_COLUMNS]


def _looked_up(grams: set[str], schema: SchemaInfo, wanted: set[str] | None, run: RunTree,
               sensitive: frozenset[tuple[str, str]]) -> list[ValueMatch]:
    """Exact case-folded matches of the n-grams in columns too varied to list, within LOOKUP_BUDGET_S."""
    phrases = sorted(g for g in grams if g not in STOP_WORDS)
    if not phrases:
        return []
    found = []
    deadline = time.monotonic() + LOOKUP_BUDGET_S
    for table, column in _lookup_columns(schema, wanted, sensitive):
        if time.monotonic() > deadline:
            break
        col = exp.column(column.name, quoted=True)
        query = (exp.select(col).distinct().from_(exp.table_(table.name, db=table.schema, quoted=True))
                 .where(exp.Lower(this=col).isin(*[exp.Literal.string(p) for p in phrases])).limit(3))
        try:
            rows = run(query)
        except Exception:  # an unreadable or slow column gives no hint
            continue
        found += [ValueMatch(table.name, column.name, str(r[0]), normal_value(str(r[0])), 1.0) for r in rows
                  if r[0] is not None]
    return found


def _indexed(found: Sequence, schema: SchemaInfo, wanted: set[str] | None,
             sensitive: frozenset[tuple[str, str]]) -> list[ValueMatch]:
    """The value index's matches (knowledge.values.ValueMatch, scored 0-100): in columns
    too varied to list, and keyword matches (a part of a value) in any; a keyword match
    only on a word that neither names a table or column nor says what to compute
    ("orders", "average")."""
    named = {singular(w) for t in schema.tables for n in [t.name, *(c.name for c in t.columns)]
             for w in split_identifier(n)}
    out = []
    for match in found:
        table = schema.table(match.table)
        column = table.column(match.column) if table else None
        if (column is None or (wanted is not None and table.name.lower() not in wanted)
                or (table.name.lower(), column.name.lower()) in sensitive):
            continue
        keyword, said = match.score <= KEYWORD_SCORES[1], match.phrase.split()
        if column.values is not None and not keyword:
            continue  # a listed column's own matching spells and misspells it already
        if all(w in QUERY_WORDS for w in said) or (keyword and all(
                singular(w) in named or w in QUERY_WORDS or w in INSTRUCTION_WORDS for w in said)):
            continue
        out.append(ValueMatch(table.name, column.name, match.value, normal_value(match.phrase), match.score / 100))
    return out


def link_values(question: str, schema: SchemaInfo, tables: list[str] | None = None,
                cutoff: float = 0.88, limit: int = HINTS_SHOWN, run: RunTree | None = None,
                sensitive: frozenset[tuple[str, str]] = frozenset(), indexed: Sequence = ()) -> list[ValueMatch]:
    """The best `limit` matches: exact before approximate, longer phrases first, and
    the entity's own column before those referring to it. With `run`, columns too
    varied to list are looked up in the database too; `indexed`: the value index's
    matches for the question (knowledge.values), taken for those columns, and for any
    column when a keyword found a part of a value.
    `sensitive`: (table, column) pairs, lower-cased, whose values never reach the model."""
    wanted = None if tables is None else {t.lower() for t in tables}
    quoted = {normal_value(q) for q in QUOTED.findall(question)}
    grams = {g for g in _ngrams(question) if g not in QUERY_WORDS or g in quoted}
    matches: dict[tuple[str, str, str], ValueMatch] = {}
    for table in schema.tables:
        if wanted is not None and table.name.lower() not in wanted:
            continue
        for column in table.columns:
            if (table.name.lower(), column.name.lower()) in sensitive:
                continue
            for value in column.values or []:
                if not isinstance(value, str) or len(value) < 3:
                    continue
                normal = normal_value(value)
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
    if run is not None:
        for match in _looked_up(grams, schema, wanted, run, sensitive):
            matches.setdefault((match.table, match.column, match.value), match)
    for match in _indexed(indexed, schema, wanted, sensitive):
        matches.setdefault((match.table, match.column, match.value), match)

    def entity_last(match: ValueMatch) -> bool:
        table = schema.table(match.table)
        column = table.column(match.column) if table else None
        return not (table and column and names_entity(table, column))

    ranked = sorted(matches.values(), key=lambda m: (-m.score, -len(m.phrase), entity_last(m)))
    return ranked[:limit]


def value_hints(matches: list[ValueMatch]) -> str:
    if not matches:
        return ""
    lines = [f"- \"{m.phrase}\" matches {m.table}.{m.column} = '{m.value}'" for m in matches]
    return "Values found in the data:\n" + "\n".join(lines) + "\n"
