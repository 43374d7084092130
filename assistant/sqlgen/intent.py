"""A request to change data is answered in words, never with some other query.

The product only reads. A question whose main verb asks to delete, change or
create data ("delete all customers", "please set the price of A to 5") gets a
plain refusal before any model call; without this, the model (or a verified
example that looks alike) answered it with an unrelated SELECT.
"""

from __future__ import annotations

import re

from assistant.sqlgen.answer import AnswerError, SqlAnswer

READ_ONLY = ("I only read data, so I cannot {verb} anything. Ask a question about the data instead "
             "(for example, which rows a change would touch), and run changes with your own database tools.")

# Lead-ins before the verb that keep the request a request.
_LEAD = r"(?:(?:please|kindly|now|just|go ahead and|can you|could you|would you|will you|i want to|i'd like to|" \
        r"i would like to|we need to|let's|lets|help me)\s+)*"
# Verbs that only ever change data when they open a request ...
_ALWAYS = r"delete|remove|drop|truncate|insert|update|modify|rename|alter|grant|revoke|upsert|erase|wipe|purge|" \
          r"overwrite|deactivate|ban"
# ... and verbs that do so only in a changing shape ("add a row", not "add up"; "set X to", not "set of").
_SHAPED = (r"add\s+(?!up\b)(?:a|an|the|new|\d+)\b", r"create\s+(?:a\s+|an\s+|the\s+)?(?:new\s+)?"
           r"(?:table|index|view|database|schema|user|role|trigger|row|record|column)s?\b",
           r"set\s+(?!of\b).+?\bto\b", r"change\s+(?!in\b|of\b).+?\bto\b", r"replace\s+.+?\bwith\b",
           r"(?:clear|empty)\s+(?:the|all|out)\b", r"mark\s+.+?\bas\b")
_WRITE = re.compile(rf"^\s*{_LEAD}(?P<verb>{_ALWAYS})\b|^\s*{_LEAD}(?P<shaped>{'|'.join(_SHAPED)})", re.IGNORECASE)


def write_intent(question: str) -> str | None:
    """The verb of a request to change data, or None for a question that reads."""
    match = _WRITE.match(question)
    if match is None:
        return None
    return (match.group("verb") or match.group("shaped").split()[0]).lower()


def read_only_reply(verb: str) -> str:
    return READ_ONLY.format(verb=verb)


def refuse_write(answer: SqlAnswer) -> SqlAnswer | None:
    """`answer` turned into the refusal when its question asks to change data, else None."""
    verb = write_intent(answer.question)
    if verb is None:
        return None
    answer.error = AnswerError(kind="refused", message=read_only_reply(verb), rule="write_intent")
    answer.explanation = answer.error.message
    return answer
