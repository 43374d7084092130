"""Words for keyword search: identifiers split, stop words out, light stemming.

`customer_orders`, `customerOrders` and "customer orders" all become
["customer", "order"], so BM25 matches a question's words to column names.
The word knowledge the rest of the product shares is here too, written once:
singular and plural forms, the names that read as keys or name a table
(`order_id` for `orders`), words that measure or name time and quantity, and
calendar words.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z]+|[0-9]+|[^\W\d_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_LOWER_WORD = re.compile(r"[a-z0-9]+")

STOP_WORDS = frozenset(
    """a an and are as at be by for from has have how i in is it its me my of on or our show
    that the their them there these this those to was were what when where which who whom whose why
    will with all any each give list find tell do does did can could would should please""".split()
)


def singular(word: str) -> str:
    """`categories` -> `category`, `boxes` -> `box`, `orders` -> `order`; a word that
    does not end like a plural (`class`, `status`, `analysis`) is returned as it is."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plurals(word: str) -> set[str]:
    """The word and the ways its plural is written: `bus` -> bus, buss, buses;
    `category` -> also categories."""
    forms = {word, word + "s", word + "es"}
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms.add(word[:-1] + "ies")
    return forms


def words_with_singulars(text: str) -> set[str]:
    """The lower-cased words of `text` and the singular of each, so that "customers"
    meets "customer"."""
    found = set(_LOWER_WORD.findall(text.lower()))
    return found | {singular(w) for w in found}


def stem(word: str) -> str:
    """Plural and -ing/-ed endings, enough to meet `orders` and `order`."""
    one = singular(word)
    if one != word:
        return one
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


# Names.
KEY_LIKE = re.compile(r"(id|code|key)$", re.IGNORECASE)  # column names that read as keys
_ID_OF = re.compile(r"(.+?)_?id", re.IGNORECASE)


def names_table(column: str, table: str) -> bool:
    """`order_id` (or `orderid`) refers to the table `order` or `orders`: the
    `<table>_id` convention."""
    match = _ID_OF.fullmatch(column)
    return match is not None and table.lower() in plurals(match.group(1).lower())


# Words that measure or name time and quantity, not a thing the data must hold (singular).
GENERIC_WORDS = frozenset("""time year month week day date hour minute second quarter period one row record entry
    item thing value amount average number count total percent percentage share length size name id""".split())

# Calendar words.
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def calendar_name_kind(value: object) -> str | None:
    """'month' or 'day' for a month or weekday name (full or three letters), else None."""
    if not isinstance(value, str) or len(value.strip()) < 3:
        return None
    word = value.strip().lower()
    for kind, names in (("month", MONTHS), ("day", WEEKDAYS)):
        if word in names or (len(word) == 3 and any(name.startswith(word) for name in names)):
            return kind
    return None
