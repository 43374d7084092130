"""What a follow-up question takes from its conversation, kept short.

The default model reads about 40 prompt tokens a second on a CPU, so the
generator is shown one earlier turn only: the previous question and its SQL.
The SQL already carries every filter and grouping the conversation has
agreed on ("only for 2023" after "per month" after "total sales"), so the
turns before it add tokens, not meaning. A question that reads as a new one
(no reference back, no refining opening, long enough to stand alone) sees no
earlier turn at all.

The checks that compare the SQL with the question (a filter the question does
not ground, a LIMIT it did not ask for) read the earlier questions too: "per
month instead" keeps the previous query's year filter rightly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that point back at an earlier answer.
_BACK = re.compile(r"\b(?:that|those|these|them|it|its|same|instead|previous|above|again|also|as well|"
                   r"there|then|ones?)\b", re.IGNORECASE)
# Openings that refine rather than ask anew.
_REFINING = re.compile(r"^\s*(?:and|but|or|plus|only|just|now|what about|how about|instead|except|excluding|including|without|"
                       r"with|per|by|for|in|from|sort|sorted|order|ordered|group|grouped|split|break|limit|top|"
                       r"bottom|exclude|include|remove|add|drop|keep|filter|show only|same|also|then|make it|"
                       r"rather|not)\b", re.IGNORECASE)
SHORT_WORDS = 5  # a question this short leans on the one before it
# Openings that can only change the previous data answer ("only for 2023", "per month instead"):
# after one, the message goes back to the data without asking the router's model.
_CHANGES_DATA = re.compile(
    r"^\s*(?:(?:and|but) )?(?:only|just|per|by|for|in|from|instead|excluding|except|without|exclude|"
    r"(?:sort|order)(?:ed)?(?: (?:them|it|that|those))? by|group(?:ed)? by|split by|broken down by|break (?:it |that |this )?down by|"
    r"limit(?:ed)? to|top \d+|now (?:the|only|just|per|by|for|in)|what about|how about|same (?:for|but))\b",
    re.IGNORECASE)


@dataclass
class Turn:
    question: str
    sql: str | None


def refines(question: str) -> bool:
    """Whether `question` opens by refining the one before ("only ...", "and per month", "sorted by")."""
    return bool(_REFINING.match(question))


def is_follow_up(question: str) -> bool:
    """Whether `question` reads as a change to the previous one rather than a new question."""
    return (len(question.split()) <= SHORT_WORDS or refines(question)
            or bool(_BACK.search(question)))


def changes_data(message: str) -> bool:
    """Whether a message can only be a change to the previous data answer ("only for 2023")."""
    return bool(_CHANGES_DATA.match(message))


def earlier_turn(question: str, history: list[Turn]) -> Turn | None:
    """The one earlier turn the generator sees: the last with SQL, for a follow-up only."""
    if not is_follow_up(question):
        return None
    return next((turn for turn in reversed(history) if turn.sql), None)


def grounding(question: str, history: list[Turn]) -> str:
    """The text the question-aware checks read: the earlier questions, then this one."""
    if earlier_turn(question, history) is None:
        return question
    return " ".join([*(turn.question for turn in history), question])
