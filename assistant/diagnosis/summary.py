"""Summaries: one written from the findings by rule, and the check a model's summary must pass.

The model may phrase; it may not add facts. A model summary that names a
table, column or number no finding (or the query) mentions, or a snake_case
name that is nowhere in the schema, the query or the findings (an invented
column such as `employee_id`), is replaced by the rule-based one.
"""

from __future__ import annotations

import re

from assistant.diagnosis.findings import ADVICE_KINDS, ERROR, WARNING, Finding, Report, counted, listed
from connectors.types import SchemaInfo

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# A snake_case word reads as a name in the database ("employee_id"); prose has none.
_SNAKE_NAME = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
# Claims a summary may make only when some finding makes them too: (claim, wordings that support it).
_CLAIMS = (
    (re.compile(r"\b(not indexed|no index|without (an )?index|lacks? an index|missing index)\b", re.I),
     ("no index", "without an index", "not indexed", "no ordinary index", "no index starts")),
    (re.compile(r"\b(syntax error|does not parse)\b", re.I), ("syntax error",)),
    (re.compile(r"\b(does not exist|unknown (table|column))\b", re.I), ("does not exist", "not a table")),
    (re.compile(r"\b(returns? no rows|never true)\b", re.I), ("no rows", "never true")),
)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def rule_summary(report: Report) -> str:
    problems = [f for f in report.findings if f.kind not in ADVICE_KINDS and f.severity in (ERROR, WARNING)]
    advice = [f for f in report.findings if f.kind in ADVICE_KINDS]
    if not problems:
        notes = [f for f in report.findings if f.kind not in ADVICE_KINDS]
        tail = f" ({counted(len(notes), 'note')} for information.)" if notes else ""
        return "No problems found in this statement." + tail
    errors = sum(1 for f in problems if f.severity == ERROR)
    verified = sum(1 for f in problems if f.verified)
    head = (f"{counted(len(problems), 'problem')} found ({counted(errors, 'error')}, "
            f"{counted(len(problems) - errors, 'warning')}); {verified:,} confirmed by the database.")
    top = " ".join(_first_sentence(f.message) for f in problems[:3])
    verified_advice = [f for f in advice if f.verified]
    tail = ""
    if verified_advice:
        kinds = sorted({"an index" if f.kind == "index_suggestion" else "a rewrite" for f in verified_advice})
        tail = f" Verified advice: {listed(kinds)} (see below)."
    return f"{head} {top}{tail}"


def finding_lines(findings: list[Finding], limit: int = 6, width: int = 170) -> str:
    """Findings as short lines for a model prompt (the prompt stays small on purpose)."""
    lines = []
    for f in findings[:limit]:
        status = "verified" if f.verified else "not verified"
        text = f.message if len(f.message) <= width else f.message[: width - 3] + "..."
        lines.append(f"- [{f.severity}, {status}] {f.kind}: {text}")
    return "\n".join(lines) or "- none: no problems were found"


def ungrounded(summary: str, report: Report, schema: SchemaInfo | None) -> list[str]:
    """What a model's summary claims that neither the findings nor the query support."""
    support = " ".join([report.sql] + [f"{f.kind} {f.message} {f.suggestion or ''} {f.verification}"
                                       for f in report.findings])
    lowered = support.lower()
    problems = []
    names = set()
    if schema is not None:
        names = {t.name for t in schema.tables} | {c.name for t in schema.tables for c in t.columns}
        for name in names:
            if len(name) > 2 and re.search(rf"\b{re.escape(name.lower())}\b", summary.lower()) and \
                    name.lower() not in lowered:
                problems.append(name)
    known_names = {n.lower() for n in names}
    for word in dict.fromkeys(_SNAKE_NAME.findall(summary)):
        if word.lower() not in known_names and word.lower() not in lowered:
            problems.append(word)
    for claim, wordings in _CLAIMS:
        match = claim.search(summary)
        if match and not any(w in lowered for w in wordings):
            problems.append(f"'{match.group(0)}'")
    known = {n.replace(",", "") for n in _NUMBER.findall(support)}
    for number in _NUMBER.findall(summary):
        bare = number.replace(",", "").rstrip(".")
        if len(bare.split(".")[0]) >= 3 and bare not in known:
            problems.append(number)
    return problems
