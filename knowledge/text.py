"""Words for keyword search: identifiers split, stop words out, light stemming.

`customer_orders`, `customerOrders` and "customer orders" all become
["customer", "order"], so BM25 matches a question's words to column names.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z]+|[0-9]+|[^\W\d_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

STOP_WORDS = frozenset(
    """a an and are as at be by for from has have how i in is it its me my of on or our show
    that the their them there these this those to was were what when where which who whom whose why
    will with all any each give list find tell do does did can could would should please""".split()
)


def stem(word: str) -> str:
    """Plural and -ing/-ed endings, enough to meet `orders` and `order`."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


def split_identifier(name: str) -> list[str]:
    """`sbCustEmail_2` -> ["sb", "cust", "email", "2"]."""
    words: list[str] = []
    for piece in _WORD.findall(name):
        words.extend(w.lower() for w in _CAMEL.split(piece) if w)
    return words


def words(text: str) -> list[str]:
    """Stemmed search terms of `text`, stop words removed, order kept."""
    return [stem(w) for w in split_identifier(text) if w not in STOP_WORDS]
