"""Checks that an answer rests on its sources, not on the model's memory.

A small model will sometimes claim an answer is in the sources and invent
it ("the page was written by John"). Two checks catch that:
- the evidence it quotes must really be in a cited source (near-verbatim);
- the answer's specific terms (numbers, names, quoted or code-like words)
  must appear in the cited sources or in the question.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

MIN_EVIDENCE_MATCH = 85.0
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n)\s*[\"'`(]*([A-Z][\w'-]*)")
_SPECIFIC = re.compile(r"`[^`]+`|\"[^\"]+\"|\b\d[\d.,:%]*\b|\b[A-Z][\w'-]*\b|\b\w*_\w+\b")
_COMMON = frozenset("I A An The This That These It Its If In On For To Yes No SQL SQLite".split())


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def evidence_found(evidence: str, sources_text: str) -> bool:
    evidence = _flat(evidence)
    if len(evidence) < 8:
        return False
    return fuzz.partial_ratio(evidence, _flat(sources_text)) >= MIN_EVIDENCE_MATCH


def specific_terms(answer: str) -> set[str]:
    """Numbers, quoted text, code-like words and capitalised words that do not
    merely start a sentence."""
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


def unsupported_terms(answer: str, sources_text: str, question: str) -> list[str]:
    haystack = _flat(sources_text + " " + question)
    return sorted(t for t in specific_terms(answer) if _flat(t) not in haystack)


def grounded(answer: str, evidence: str, sources_text: str, question: str) -> tuple[bool, str]:
    """(True, "") or (False, why)."""
    if not evidence_found(evidence, sources_text):
        return False, "the quoted evidence is not in the cited sources"
    missing = unsupported_terms(answer, sources_text, question)
    if missing:
        return False, f"the answer names things the sources do not: {', '.join(missing[:5])}"
    return True, ""
