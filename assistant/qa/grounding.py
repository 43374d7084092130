"""Checks that an answer rests on its sources, not on the model's memory.

A small model will sometimes claim an answer is in the sources and invent
it ("the page was written by John"), lift the subject from the question and
the rest from a passage about something else ("RETURNING was added in
3.37.0", the version of STRICT tables), or quote a passage that says "not"
and answer "yes". It will also quote a source faithfully but without its
Markdown, on one line, in other case or with straight quotes, so both sides
are compared as plain text (`plain_text.plain`). An answer passes when:
- the evidence it quotes is in one of the sources (near-verbatim, and with
  the quote's words, so a swapped subject does not pass); a quote found in a
  source it did not cite adds that source to its citations; and most of what
  the answer says beyond the question is in the sources it rests on;
- or, when the quote is not found (the model paraphrased, or quoted two
  places at once), one source holds most of the answer's words beyond the
  question, and is about the question (holds half of its words);
- and its specific terms (numbers, names, quoted or code-like words) are in
  the sources it rests on (the question's own are no proof);
- and it does not answer "yes" where its evidence denies what was asked
  ("not" before a word of the question, or its opposite: "disabled"); the
  quoted sentence, when it is about the question, is then the answer, as it
  is when the answer says more than its sources (the model quoted the right
  sentence and paraphrased it wrongly, keeping some of its words: an answer
  with none of them was made up, and its quote may share only the question's
  topic, not what it asks);
- and, when the question asks for a number ("which version", "how many",
  "how long", "what time"), the answer gives one.
A heading is no evidence: a quote of a section's title alone is treated as
no quote. An answer that adds nothing to the question but "yes" or "no" is
followed by the sentence it quoted, which holds the conditions.
Thresholds were chosen on the tuning questions of bench/qa_questions.json
(docs/benchmarks.md, "Document answers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from assistant.qa.plain_text import plain, readable, sentences, without_line_markers
from knowledge.text import words

MIN_EVIDENCE_MATCH = 85.0  # rapidfuzz partial_ratio of each piece of the quote
MIN_EVIDENCE_CHARS = 8
MIN_QUOTE_WORDS = 0.9  # share of the quote's words that its source holds
MIN_CLAIM_COVERAGE = 0.75  # without a quote: share of the answer's new words one source holds
MIN_QUOTED_CLAIM_COVERAGE = 0.5  # with a quote: the same, in the sources the answer rests on
MIN_QUESTION_COVERAGE = 0.5  # without a quote: share of the question's words that source holds
MIN_CLAIM_WORDS = 2
MIN_QUESTION_IN_QUOTE = 0.6  # share of the question's words the quote holds, to answer with the quote itself
SAYS_YES = "the answer says yes"
SAYS_MORE = "the answer says more than its sources"
NO_NUMBER = "the question asks for a number and the answer gives none"
# Questions whose answer is a number, a version, a time or a size.
_ASKS_NUMBER = re.compile(r"^\s*(?:which|what)\s+(?:\w+\s+)?(?:version|release|year|date|time|port|size|number)\b"
                          r"|^\s*how\s+(?:many|much|long|often|large|big|old|far)\b"
                          r"|^\s*at\s+what\s+(?:time|hour|age|size|version)\b", re.I)
# A number as an answer says it: digits, a number word, or a unit of time ("an hour", "nightly").
_NUMBER = re.compile(r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"fifty|hundred|thousand|million|half|once|twice|dozen|"
                     r"(?:second|minute|hour|day|week|month|year)s?|hourly|daily|nightly|weekly|monthly|yearly)\b",
                     re.I)
# A heading line: a section number ("2.", "4.1.") or a Markdown "#", then a short title with no full stop.
_HEADING_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|(?:\d{1,3}\.)+\d{0,3}[ \t]+)?[^\n.!?]{1,80}$")
_ELLIPSIS = re.compile(r"\.\.\.+|\[\.\.\.\]|\n+")
# An item's number inside a line: "1." or "2)" after a colon or a sentence's end, before the item's text.
_INLINE_ITEM = re.compile(r"([:.;!?])\s+\d{1,2}[.)]\s+(?=\S)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n)\s*[\"'`(*\-\u2022]*\s*([A-Z][\w'-]*)")
_SPECIFIC = re.compile(r"`[^`]+`|\"[^\"]+\"|\b\d[\d.,:%]*\b|\b[A-Z][\w'-]*\b|\b\w*_\w+\b")
_COMMON = frozenset("I A An The This That These It Its If In On For To Yes No SQL SQLite".split())
_PIECE = re.compile(r"[a-z0-9]+")
_NEGATIONS = frozenset({"not", "no", "never", "cannot", "nor"})
# Words that carry no claim of their own: they join, hedge or answer yes/no.
_FUNCTION_WORDS = _NEGATIONS | frozenset("""yes if because but so than then also only just very however may might must
    should shall need instead rather such other both either""".split())
_NEGATION_REACH = 3  # content words after "not" that it denies


@dataclass
class Verdict:
    ok: bool
    why: str = ""  # why the answer was refused, or why the model's wording was replaced by the source's
    rests_on: list[int] = field(default_factory=list)  # numbers of the sources the answer rests on
    how: str = ""  # when ok: "quote", "claim", "source" (the source's own sentence is the answer) or
    # "echo" (the answer only repeats the question with yes or no: the source's sentence follows it)
    evidence: str = ""  # the source's sentences the quote matched, as a reader sees them
    evidence_n: int | None = None


def _contains(haystack: str, needle: str) -> bool:
    """`needle` in `haystack`, not as part of a longer word or number."""
    if not needle:
        return False
    # Not "30" in "01:30", "1.5" in "11.5" or "3.31" in "3.31.0".
    left = r"(?<![\w.:,])" if needle[0].isalnum() else ""
    right = r"(?!\w|[.:,]\w)" if needle[-1].isalnum() else ""
    return re.search(left + re.escape(needle) + right, haystack) is not None


def content_words(text: str) -> set[str]:
    """Stemmed words of `text` as plain text, without stop words or bare numbers
    (numbers are specific terms, checked whole)."""
    return {_root(w) for w in words(plain(text)) if not w.isdigit()}


def _root(word: str) -> str:
    """A stem without its final "e", so that "rotate" meets "rotated" (stemmed "rotat")."""
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def quote_pieces(evidence: str) -> list[str]:
    """The parts of a quote, split where the model left text out ("...") or
    joined lines; each compared as plain text."""
    return [p for p in (plain(part) for part in _ELLIPSIS.split(evidence)) if len(p) >= MIN_EVIDENCE_CHARS]


def quote_score(evidence: str, passage: str) -> float:
    """How well the worst-matching piece of the quote matches somewhere in
    the passage (0-100); 0 when nothing quotable was given."""
    pieces = quote_pieces(evidence)
    if not pieces:
        return 0.0
    text = plain(passage)
    return min(fuzz.partial_ratio(piece, text) for piece in pieces)


def share(part: set[str], whole: str) -> float:
    """The share of the words `part` that `whole` holds (0 for no words)."""
    return len(part & content_words(whole)) / len(part) if part else 0.0


def is_heading(evidence: str, passage: str) -> bool:
    """Whether `evidence` is only the title of a section of `passage` (a line
    of its own there, short, with no full stop): a title states nothing."""
    quote = _section_number(plain(evidence))
    return bool(quote) and any(
        _HEADING_LINE.match(line) and _section_number(plain(line)) == quote for line in passage.splitlines())


def _section_number(text: str) -> str:
    return re.sub(r"^(?:\d{1,3}\.)+\d{0,3}\s*", "", text).rstrip(":").strip()


def quote_found(evidence: str, passage: str) -> bool:
    """Near-verbatim in `passage`, and with its words: one word in ten may
    differ (at least one), not the subject of a sentence taken elsewhere,
    and not a heading."""
    if is_heading(evidence, passage):
        return False
    quoted = content_words(evidence)
    missing = len(quoted - content_words(passage))
    return (quote_score(evidence, passage) >= MIN_EVIDENCE_MATCH
            and missing <= max(1, int(len(quoted) * (1 - MIN_QUOTE_WORDS))))


def claim_words(answer: str, question: str) -> set[str]:
    """What the answer says beyond the question: its content words less those
    of the question and words that claim nothing by themselves."""
    return content_words(answer) - content_words(question) - _FUNCTION_WORDS


def claim_coverage(answer: str, question: str, passage: str) -> float:
    claimed = claim_words(answer, question)
    return share(claimed, passage) if len(claimed) >= MIN_CLAIM_WORDS else 0.0


def _opposite(word: str, asked: set[str]) -> bool:
    """`word` is a question word with a negating prefix: "disabled" for "enabled", "unsafe" for "safe"."""
    return any(word == prefix + q or (q.startswith("en") and word == "dis" + q[2:])
               for q in asked for prefix in ("dis", "un", "in", "non"))


def denies(evidence: str, question: str) -> bool:
    """Whether `evidence` puts a "not" before one of the question's words
    ("transactions ... do not nest" for "can transactions be nested?"), or
    holds one's opposite ("disabled by default" for "is it enabled?")."""
    asked = content_words(question) - _NEGATIONS
    tokens = [_root(w) for w in words(plain(evidence).replace("n't", " not"))]
    return any((token in _NEGATIONS and asked & set(tokens[i + 1 : i + 1 + _NEGATION_REACH]))
               or _opposite(token, asked) for i, token in enumerate(tokens))


def quoted_sentences(evidence: str, passage: str) -> str:
    """The passage's own sentences that the quote matches, as a reader sees
    them (the model's copy may have dropped or changed words): the best
    match, with the neighbours the quote also holds."""
    quote = plain(evidence)
    raw = [s for s, _ in sentences(passage)]
    units = [readable(s) for s in raw]
    shortest = min(40, len(quote) // 2)  # a heading or a fragment matches anything
    scores = [fuzz.partial_ratio(plain(u), quote) if len(plain(u)) >= shortest else 0.0 for u in units]
    if not units or max(scores) == 0:
        return readable(evidence)
    best = max(range(len(units)), key=lambda i: scores[i])

    def also_quoted(i: int) -> bool:  # a neighbour may be short ("keep the file mode at 0600."), not a heading
        return (len(plain(units[i])) >= MIN_EVIDENCE_CHARS and not raw[i].lstrip().startswith("#")
                and fuzz.partial_ratio(plain(units[i]), quote) >= 90)

    def leads_in(i: int) -> bool:  # "Avoid VACUUM FULL: it takes ..." is one sentence
        return raw[i].rstrip().endswith(":") and joins[i] == " "

    joins = [sep for _, sep in sentences(passage)]
    start, end = best, best + 1
    while start > 0 and (also_quoted(start - 1) or leads_in(start - 1)):
        start -= 1
    while end < len(units) and also_quoted(end):
        end += 1
    return " ".join(units[start:end])


def says_yes(answer: str) -> bool:
    return re.match(r"yes\b", plain(answer)) is not None


def specific_terms(answer: str) -> set[str]:
    """Numbers, quoted text, code-like words and capitalised words that do not
    merely start a sentence; not the numbers of a list's items, on lines of
    their own or run together ("follow these steps: 1. Stop it. 2. Run ...")."""
    answer = _INLINE_ITEM.sub(r"\1 ", without_line_markers(answer))
    starters = {m.group(1) for m in _SENTENCE_START.finditer(answer)}
    terms = set()
    for match in _SPECIFIC.finditer(answer):
        raw = match.group()
        term = raw.strip("`\"").rstrip(".,:")
        if not term or term in _COMMON:
            continue
        if term in starters and term[1:].islower():
            continue  # an ordinary word that opens a sentence
        terms.add(term)
    return terms


def _supported(term: str, haystack: str) -> bool:
    flat = plain(term)
    if _contains(haystack, flat):
        return True
    # Code the model retyped ("ALTER ROLE x WITH PASSWORD '...'") holds only
    # words and numbers of the sources, in any order.
    pieces = _PIECE.findall(flat)
    return len(pieces) > 1 and all(_contains(haystack, p) for p in pieces)


def unsupported_terms(answer: str, sources_text: str) -> list[str]:
    """The answer's specific terms its sources do not hold. The question does
    not vouch for them: "RETURNING was added in 3.37.0" lifts its subject
    from the question and its number from a passage about something else."""
    haystack = plain(sources_text)
    return sorted(t for t in specific_terms(answer) if not _supported(t, haystack))


def check(answer: str, evidence: str, passages: dict[int, str], cited: list[int], question: str) -> Verdict:
    """Whether `answer` rests on `passages` (number -> text of every source
    the model was shown), given the `evidence` it quoted and the numbers it
    `cited`. When the quote is verified and about the question but the
    answer says yes where the quote says not, the quoted sentences stand in
    for the answer."""
    order = [n for n in cited if n in passages] + [n for n in passages if n not in cited]
    quoted = [n for n in order if quote_found(evidence, passages[n])]
    if not quoted:
        return _claim(answer, passages, order, cited, question)
    where = quoted[0]
    found = Verdict(True, "", [where], "quote", quoted_sentences(evidence, passages[where]), where)
    rests_on = [where] + [n for n in cited if n in passages and n != where]
    why = _doubt(answer, evidence, passages, rests_on, order, question)
    on_question = share(content_words(question), found.evidence) >= MIN_QUESTION_IN_QUOTE
    if not why:
        found.rests_on = sorted(rests_on)
        if on_question and echoes(answer, question):
            # "Yes, VACUUM can change the ROWIDs": only the question again; the sentence holds the conditions.
            found.how = "echo"
        return found
    if on_question and (why.startswith(SAYS_YES)
                        or (why.startswith(SAYS_MORE) and rephrases(answer, passages, rests_on, question))
                        or (why == NO_NUMBER and _NUMBER.search(found.evidence))):
        # The quote answers the question (the yes/no one the other way, or in
        # fewer words, or with the number the answer left out): it is the answer.
        found.how, found.why = "source", why
        return found
    return Verdict(False, why)


def rephrases(answer: str, passages: dict[int, str], rests_on: list[int], question: str) -> bool:
    """Whether some of what the answer says beyond the question is in the
    sources it rests on: a wrong paraphrase of the quoted sentence keeps some of
    its words; an answer with none of them was made up around an unrelated quote."""
    return share(claim_words(answer, question), "\n".join(passages[n] for n in rests_on)) > 0


def _claim(answer: str, passages: dict[int, str], order: list[int], cited: list[int], question: str) -> Verdict:
    """No quote to go by: one source must hold the answer's words and be about the question."""
    covered = {n: claim_coverage(answer, question, passages[n]) for n in order}
    best = max(order, key=lambda n: covered[n], default=None)
    if best is None or covered[best] < MIN_CLAIM_COVERAGE:
        found = f"{covered[best]:.0%} of its words are in source [{best}]" if best is not None else "no sources"
        return Verdict(False, f"the quoted evidence is not in the sources, nor are the answer's words ({found})")
    if share(content_words(question), passages[best]) < MIN_QUESTION_COVERAGE:
        return Verdict(False, f"the quoted evidence is not in the sources, and source [{best}], which holds the "
                              "answer's words, is about something else")
    rests_on = [best] + [n for n in cited if n in passages and n != best]
    missing = _unsupported(answer, passages, rests_on, order)
    if missing:
        return Verdict(False, f"the answer names things the sources do not: {', '.join(missing[:5])}")
    if not gives_number(answer, question):
        return Verdict(False, NO_NUMBER)
    return Verdict(True, "", sorted(rests_on), "claim")


def echoes(answer: str, question: str) -> bool:
    """Whether `answer` says nothing the question does not (but yes or no):
    fewer than two new words, and no number or name of its own."""
    asked = plain(question)
    return (len(claim_words(answer, question)) < MIN_CLAIM_WORDS
            and all(_contains(asked, plain(t)) for t in specific_terms(answer)))


def gives_number(answer: str, question: str) -> bool:
    """False when the question asks for a number (a version, a time, how
    many) and the answer has no digit."""
    return not _ASKS_NUMBER.search(question) or bool(_NUMBER.search(answer))


def _unsupported(answer: str, passages: dict[int, str], rests_on: list[int], order: list[int]) -> list[str]:
    """Specific terms of the answer that the sources it rests on do not hold;
    a source shown but not cited that holds some is added to `rests_on`."""
    def missing(numbers: list[int]) -> list[str]:
        return unsupported_terms(answer, "\n".join(passages[n] for n in numbers))

    left = missing(rests_on)
    for n in order:
        if left and n not in rests_on and len(fewer := missing(rests_on + [n])) < len(left):
            rests_on.append(n)
            left = fewer
    return left


def _doubt(answer: str, evidence: str, passages: dict[int, str], rests_on: list[int], order: list[int],
           question: str) -> str:
    """Why a quoted answer cannot be passed on as the model wrote it ("" when it can)."""
    missing = _unsupported(answer, passages, rests_on, order)
    if missing:
        return f"the answer names things the sources do not: {', '.join(missing[:5])}"
    claimed = claim_words(answer, question)
    if len(claimed) >= MIN_CLAIM_WORDS:
        said = share(claimed, "\n".join(passages[n] for n in rests_on))
        if said < MIN_QUOTED_CLAIM_COVERAGE:
            return f"{SAYS_MORE}: {said:.0%} of its words are in them"
    if not gives_number(answer, question):
        return NO_NUMBER
    if says_yes(answer) and denies(evidence, question):
        return f"{SAYS_YES}, but the evidence it quotes says not: \u201c{evidence}\u201d"
    return ""
