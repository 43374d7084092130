"""The model's part: a plain-language summary of the findings, and rewrite proposals.

The model sees the findings, not the schema, so its prompt stays short. Its
summary is kept only if it passes the grounding check; its rewrites go
through the same verification on the real data as the rule-based ones.
"""

from __future__ import annotations

import asyncio
import json

from assistant.diagnosis import prompts
from assistant.diagnosis.context import Context
from assistant.diagnosis.dialect_sql import NotInDialect, read
from assistant.diagnosis.findings import ADVICE_KINDS, listed
from assistant.diagnosis.rewrite_rules import Proposal
from assistant.diagnosis.rewrites import check_rewrite
from assistant.diagnosis.summary import finding_lines, ungrounded
from assistant.sqlgen.dialects import dialect_name
from llm.client import LLM, GenerateRequest, LLMError, LLMUnavailable

MAX_SQL_CHARS = 1200
# Summaries that are JSON's or Python's word for nothing, not a sentence.
_SAYS_NOTHING = frozenset({"", "null", "none", "n/a", "undefined"})
MAX_MODEL_REWRITES = 1

RESPONSE_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "rewrites": {
            "type": "array",
            "maxItems": MAX_MODEL_REWRITES,
            "items": {
                "type": "object",
                "properties": {"sql": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["sql", "reason"],
            },
        },
    },
    "required": ["summary", "rewrites"],
}


def messages(ctx: Context) -> list[dict[str, str]]:
    name = dialect_name(ctx.engine_dialect)
    sql = ctx.sql if len(ctx.sql) <= MAX_SQL_CHARS else ctx.sql[:MAX_SQL_CHARS] + " ..."
    problems = [f for f in ctx.report.findings if f.kind not in ADVICE_KINDS]
    advice = [f for f in ctx.report.findings if f.kind in ADVICE_KINDS and f.verified]
    return [
        {"role": "system", "content": prompts.render("explain_system", dialect_name=name)},
        {"role": "user", "content": prompts.render("explain_user", dialect_name=name, sql=sql,
                                                   findings=finding_lines(problems + advice))},
    ]


def parse_reply(text: str) -> tuple[str, list[dict[str, str]]]:
    """(summary, rewrites) from the model's JSON; ("", []) when it is not the JSON asked for."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        try:
            data = json.loads(text[start: end + 1]) if start >= 0 < end else {}
        except json.JSONDecodeError:
            data = {}
    if not isinstance(data, dict):
        return "", []
    summary = data.get("summary") if isinstance(data.get("summary"), str) else ""
    if summary.strip().strip(".").lower() in _SAYS_NOTHING:
        summary = ""
    rewrites = [r for r in data.get("rewrites") or [] if isinstance(r, dict) and isinstance(r.get("sql"), str)]
    return summary.strip(), rewrites[:MAX_MODEL_REWRITES]


async def advise(ctx: Context, llm: LLM, *, max_tokens: int = 200) -> None:
    report = ctx.report
    try:
        completion = await llm.generate(GenerateRequest(
            messages=messages(ctx), max_tokens=max_tokens, temperature=0.0,
            response_format={"type": "json_schema", "json_schema": {"name": "diagnosis", "schema": RESPONSE_SCHEMA}},
        ))
    except (LLMUnavailable, LLMError) as error:
        # The findings stand on their own; the model only phrases and proposes.
        report.notes.append(f"The model was not available ({error}); the summary is written from the findings.")
        return
    summary, rewrites = parse_reply(completion.text)
    problems = ungrounded(summary, report, ctx.schema) if summary else []
    if not summary:
        report.notes.append("The model's summary was not used: it was empty, so the summary is written from the "
                            "findings.")
    elif problems:
        report.notes.append(f"The model's summary was not used: it mentioned {listed(problems[:5])}, which no "
                            "finding supports.")
    else:
        report.summary, report.summary_source = summary, "model"
    if not ctx.can_run or ctx.tree is None or ctx.engine_error is not None:
        return
    for item in rewrites:
        try:
            proposal = _proposal(ctx, item)
        except NotInDialect as error:
            report.notes.append(f"A model rewrite was dropped: {error}.")
            continue
        finding = await asyncio.to_thread(check_rewrite, ctx, proposal)
        if finding is not None:
            report.add(finding)


def _proposal(ctx: Context, item: dict[str, str]) -> Proposal:
    """The model's text read in the connection's dialect (NotInDialect when it is not one statement of it);
    what is shown is rendered again from this tree, in that dialect."""
    tree = read(item["sql"], ctx.engine_dialect)
    reason = " ".join(str(item.get("reason") or "proposed by the model").split())[:200]
    return Proposal("model", tree, reason, source="model")
