"""Filters on values the question never mentions.

Small models copy values they were shown (sample rows, examples) into WHERE:
asked "which flights operate on Mondays?", they add `AND state_code = 'NY'`.
Such a filter quietly drops rows the user wanted. A text literal in a filter
counts as grounded when the question contains it, its words, or it as an
abbreviation ('CA' for California, 'mon' for Monday); dates, numbers and yes/no
flags are left alone, and so are a function's own arguments (date formats and modifiers), since questions state those in many ways, and so are
month and day names when the question speaks of months or days. The rest is a
doubt worth one question to the model, not an error.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext
from knowledge.text import MONTHS, WEEKDAYS

_WORD = re.compile(r"[a-z0-9]+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?")
_FLAGS = {"y", "n", "yes", "no", "true", "false", "t", "f", "null", "none", ""}
_CALENDAR = (*MONTHS, *WEEKDAYS, "weekend", "weekday", "month", "week", "day")


def _calendar_name(value: str) -> bool:
    return len(value) >= 3 and any(name.startswith(value) for name in MONTHS + WEEKDAYS)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _abbreviates(short: str, question_words: list[str]) -> bool:
    """'ca' for california, 'mon' for monday, 'ny' for new york."""
    if len(short) > 4:
        return False
    if any(word.startswith(short) for word in question_words):
        return True
    initials = "".join(word[0] for word in question_words)
    return len(short) >= 2 and short in initials


def is_grounded(literal: str, question: str) -> bool:
    value = literal.strip("%_ ").lower()
    if value in _FLAGS or _ISO_DATE.match(value) or not any(ch.isalpha() for ch in value):
        return True
    question_words = _words(question)
    words = _words(value)
    # A month or day between or around the ones named ('July' for "between June and
    # December", 'Saturday' for "weekends") follows from the question.
    if _calendar_name(value) and any(any(w.startswith(c) for c in _CALENDAR) for w in question_words):
        return True
    # The value's words in a row, the first at a word start ('new york', 'one-way').
    if words and re.search(r"\b" + r"\s?".join(map(re.escape, words)), " ".join(question_words)):
        return True
    if len(words) == 1 and _abbreviates(words[0], question_words):
        return True
    # Every longer word of the value appears in the question, maybe inflected
    # ('Mondays' for 'Monday', 'scientists' for 'science').
    long_words = [w for w in words if len(w) >= 3]
    return bool(long_words) and all(any(q.startswith(w[:4]) for q in question_words) for w in long_words)


def _filter_literals(tree: exp.Expression) -> list[exp.Literal]:
    found = []
    for clause in tree.find_all(exp.Where, exp.Having, exp.Join):
        condition = clause.args.get("on") if isinstance(clause, exp.Join) else clause.this
        if condition is None:
            continue
        # A function's own argument is a format or a modifier ('%Y-%m', 'start of month', 'now'),
        # not a value the rows are filtered on.
        found += [lit for lit in condition.find_all(exp.Literal)
                  if lit.is_string and not isinstance(lit.parent, exp.Func)]
    return found


def ungrounded_filters(tree: exp.Expression, context: RuleContext) -> list[str]:
    """A doubt naming the filter values the question does not mention, or nothing."""
    question = context.question
    if not question:
        return []
    stray = []
    for literal in _filter_literals(tree):
        if not is_grounded(literal.this, question) and literal.this not in stray:
            stray.append(literal.this)
    if not stray:
        return []
    values = ", ".join(f"'{v}'" for v in stray)
    return [f"the query filters on {values}, which the question does not mention; remove such a filter "
            f"unless the question asks for it"]
