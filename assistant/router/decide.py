"""The router's step between the rules and the model: a decision from evidence.

In order:
- a message of pleasantries only ("thanks!", "hi", "ok") is chat;
- a short follow-up that continues the previous turn ("now only for 2024",
  "and does it need a lock?") stays with the previous turn's skill, unless the
  evidence clearly says otherwise;
- a message that writes a catalog identifier (`square_meters`, `orders.status`)
  or speaks of tables, columns, what is stored, with a name of the database
  and without asking for a computation or naming a stored value, is schema;
- the catalog and document measures (evidence.py) side by side: one clearly
  above its threshold and the other clearly below decides sql or docs; both
  near nothing is chat (unless the message asks for a computation, or follows
  an answer with SQL). Anything between is ambiguous: the model chooses, among
  the skills the evidence leaves open only (schema where the message speaks of
  tables or columns it names, diagnose after an answer with SQL).

Thresholds were set on the tuning split of bench/router_messages.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.router.evidence import CatalogEvidence, DocumentEvidence
from assistant.router.types import SKILLS, Route, RouteContext
from assistant.sqlgen.follow_up import refines

# Catalog score (share of content words the database names).
CATALOG_HIGH = 0.5
CATALOG_LOW = 0.25
# Document similarity (cosine of the closest chunk).
DOCUMENT_HIGH = 0.45
DOCUMENT_LOW = 0.3
DOCUMENT_COVERAGE = 0.5  # the share of the message's words the closest chunks must hold
DOCUMENT_SPECIFIC = 0.6  # the same share, words weighed by their rarity in the documents
DOCUMENT_HELD = 0.75  # a share of the message's words that makes the documents' topic however common

FOLLOW_UP_WORDS = 10
_PLEASANTRIES = frozenset("""
    hi hello hey hiya howdy there all everyone folks morning afternoon evening good thanks thank thx ty you so much very lot a
    bye goodbye cya later see ok okay k alright fine great cool nice awesome perfect excellent lovely
    cheers never mind sure yes no yep nope got it that's thats you're youre helpful wow amazing brilliant
""".split())
_TOKEN = re.compile(r"[a-z']+")
# A message that leans on the previous turn: it opens by refining it (the openings the SQL
# generator's follow-ups use too), or points back at it.
_POINTS_BACK = re.compile(r"\b(?:it|its|that|those|these|them|their|they|instead|too|again|the same|"
                          r"the other way|the ones?|ones)\b", re.IGNORECASE)


# Words about the catalog's shape: with a table's or column's name, a schema question may be meant.
_STRUCTURE = re.compile(r"\b(?:tables?|columns?|fields?|schema|structure|keys?|joins?|joined|relat\w*|stored|kept|"
                        r"data ?types?|format|information|info|attributes|defined|kind of data)\b",
                        re.IGNORECASE)


@dataclass
class Ambiguous:
    """No decision: the skills the evidence leaves open, the likelier first."""

    candidates: list[str]
    reason: str
    evidence: dict = field(default_factory=dict)


def _evidence(catalog: CatalogEvidence | None, documents: DocumentEvidence | None) -> dict:
    return {"catalog": catalog.to_dict() if catalog else None,
            "documents": documents.to_dict() if documents else None}


def pleasantries_only(message: str) -> bool:
    tokens = _TOKEN.findall(message.lower())
    return bool(tokens) and all(t in _PLEASANTRIES for t in tokens)


# Arithmetic alone ("what is 17 times 23?", "15% of 80"): numbers and these words, nothing else.
_ARITHMETIC_WORDS = frozenset('''
    what whats what's is are how much calculate compute work out equals equal make makes does do the of a
    plus minus times multiplied divided by over into squared cubed square cube root power to percent mod modulo
    half third quarter double twice sum difference product'''.split())
_ARITHMETIC = re.compile(r"\d+(?:[.,]\d+)?|[-+*/^x×÷=%()]|[a-z']+", re.IGNORECASE)


def arithmetic_only(message: str) -> bool:
    tokens = _ARITHMETIC.findall(message.lower())
    numbers = [t for t in tokens if t[0].isdigit()]
    return len(numbers) >= 2 and all(t[0].isdigit() or not t[0].isalpha() or t in _ARITHMETIC_WORDS
                                     for t in tokens)


def about_the_message(documents: DocumentEvidence | None) -> bool:
    """Whether the documents are about the message: close enough, and the closest title carries
    one of its rare words, the closest chunks hold most of its words, or most of its weight in
    rare words ("database" in a manual of databases is no topic); without word counts, half its
    words."""
    if documents is None or documents.similarity < DOCUMENT_LOW:
        return False
    if documents.titled or documents.coverage >= DOCUMENT_HELD:
        return True
    if documents.specificity is None:
        return documents.coverage >= DOCUMENT_COVERAGE
    return documents.specificity >= DOCUMENT_SPECIFIC


def is_follow_up(message: str) -> bool:
    return len(message.split()) <= FOLLOW_UP_WORDS and (refines(message) or bool(_POINTS_BACK.search(message)))


def decide(message: str, context: RouteContext, catalog: CatalogEvidence | None,
           documents: DocumentEvidence | None) -> Route | Ambiguous:
    evidence = _evidence(catalog, documents)

    def chosen(skill: str, reason: str, confidence: float) -> Route:
        return Route(skill, reason, round(confidence, 2), "evidence", message, evidence=evidence)

    if pleasantries_only(message):
        return chosen("chat", "the message is pleasantries only", 0.9)
    if arithmetic_only(message):
        return chosen("chat", "the message is arithmetic", 0.9)
    if (context.catalog is not None and catalog is None) or (context.documents is not None and documents is None) \
            or (context.catalog is None and context.documents is None):
        likelier = ["docs"] if documents is not None and documents.similarity >= DOCUMENT_HIGH else []
        return Ambiguous(likelier + [s for s in SKILLS if s not in likelier], "no evidence to decide on", evidence)
    # A side with nothing to measure on (no database, no space) counts as saying nothing.
    c, strong = (catalog.score, catalog.strong) if catalog else (0.0, 0.0)
    named = bool(catalog and catalog.named)
    computes = bool(catalog and catalog.measures)  # "how many", "average": a question for data, maybe
    d, held = (documents.similarity, documents.coverage) if documents else (0.0, 0.0)
    topical = about_the_message(documents)
    # "what is stored in the orders table?", "in what unit is square_meters?"
    shape = named and bool(_STRUCTURE.search(message)) or bool(catalog and catalog.identifiers)
    schema_clear = shape and not computes and not (catalog and catalog.valued) and d < DOCUMENT_HIGH
    data_clear = c >= CATALOG_HIGH and bool(catalog and catalog.specific) and d < DOCUMENT_HIGH and not shape
    docs_clear = d >= DOCUMENT_HIGH and strong < CATALOG_LOW and held >= DOCUMENT_COVERAGE and topical
    last = context.last
    if last is not None and last.skill in ("sql", "docs", "schema") and is_follow_up(message):
        elsewhere = {"sql": docs_clear or schema_clear, "docs": data_clear and d < DOCUMENT_LOW,
                     "schema": docs_clear}[last.skill]
        if not elsewhere:
            return chosen(last.skill, f"a follow-up to the previous {last.skill} answer", 0.8)
    if schema_clear:
        return chosen("schema", "the message asks about the catalog's own names", 0.75)
    if data_clear:
        return chosen("sql", f"the database names {c:.0%} of the message", 0.6 + 0.35 * min(1.0, c))
    if docs_clear:
        return chosen("docs", f"the documents hold it (similarity {d:.2f})", min(0.95, 0.5 + d))
    after_sql = last is not None and bool(last.sql)
    if c < CATALOG_LOW and d < DOCUMENT_LOW and not computes and not after_sql:
        return chosen("chat", "neither the database nor the documents know the message's words", 0.6)
    # Between the thresholds: a lean to one side only decides (a computation over what the database
    # names, or a table or column named; the documents' topic), none is chat.
    data_lean = (computes and c > 0) or bool(catalog and catalog.specific)
    if not shape and not after_sql:
        if data_lean and not topical:
            return chosen("sql", "the database names what the message asks for", 0.5)
        if topical and not data_lean:
            return chosen("docs", "the documents are about the message's words", 0.5)
        if not data_lean:
            return chosen("chat", "neither the database nor the documents are about the message", 0.5)
    strengths = {"sql": max(c / CATALOG_HIGH, 0.5 if computes else 0.0), "docs": d / DOCUMENT_HIGH}
    candidates = [s for s in sorted(strengths, key=lambda s: -strengths[s]) if strengths[s] >= 0.4]
    if shape:
        candidates.append("schema")
    if after_sql:  # about the previous answer's query, maybe ("this takes forever")
        candidates.append("diagnose")
    return Ambiguous([*candidates, "chat"], "the evidence is not clear", evidence)
