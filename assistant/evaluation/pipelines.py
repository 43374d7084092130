"""The SQL-generation pipelines as evaluation predictors.

`plain` is the single-prompt baseline and `full` the product's pipeline; both
see the same question text (with defog's instructions, when a question has
them) and the same connector.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Callable

from assistant.evaluation.models import EvalQuestion, Prediction, Predictor
from assistant.sqlgen.full import SqlOptions, answer_full
from assistant.sqlgen.knowledge_context import SqlKnowledge, from_knowledge
from assistant.sqlgen.plain import answer_plain
from llm.client import LLM, LLMError, LLMUnavailable


def question_text(question: EvalQuestion) -> str:
    if question.instructions.strip():
        return f"{question.question}\n({question.instructions.strip()})"
    return question.question


def eval_knowledge(settings):
    """A knowledge layer for the evaluation databases, kept apart from the user's own
    (under data_dir/eval), so evaluation never leaves indexes or examples behind there."""
    from knowledge.service import Knowledge

    return Knowledge(settings.model_copy(update={
        "data_dir": settings.data_dir / "eval", "model_dir": settings.models_path, "chroma_url": None}))


def knowledge_for(knowledge) -> Callable[[str, object], SqlKnowledge]:
    """Per-database knowledge for the full pipeline (knowledge.service.Knowledge, or None)."""
    if knowledge is None:
        return lambda db_name, connector: SqlKnowledge()
    return lambda db_name, connector: from_knowledge(knowledge, db_name, connector)


def vote_candidates(name: str) -> int:
    """`full-vote3`: the full pipeline voting among 3 candidates (the first greedy, the rest sampled)."""
    count = name.removeprefix("full-vote")
    if not count.isdigit() or not 2 <= int(count) <= 5:
        raise ValueError(f"unknown pipeline '{name}': full-voteN takes N from 2 to 5")
    return int(count)


def pipeline_predictor(name: str, llm: LLM, options: SqlOptions | None = None, knowledge=None) -> Predictor:
    """A synchronous predictor over one event loop, reused across questions."""
    loop = asyncio.new_event_loop()
    lend = knowledge_for(knowledge)

    async def answer(question: EvalQuestion, connector):
        text = question_text(question)
        if name == "plain":
            return await answer_plain(text, connector, llm)
        if name in ("full", "full-index") or name.startswith("full-vote"):
            chosen = options
            if name == "full-index":  # the value index's matches among the hints (off in the product)
                chosen = replace(options or SqlOptions(), index_hints=True)
            elif name != "full":
                chosen = replace(options or SqlOptions(), candidates=vote_candidates(name))
            return await answer_full(text, connector, llm, chosen, knowledge=lend(question.db_name, connector))
        raise ValueError(f"unknown pipeline '{name}'")

    def predict(question: EvalQuestion, connector) -> Prediction:
        start = time.perf_counter()
        try:
            result = loop.run_until_complete(answer(question, connector))
        except (LLMUnavailable, LLMError) as exc:
            return Prediction(sql=None, error=str(exc), latency_s=time.perf_counter() - start)
        return Prediction(
            sql=result.sql,
            error=result.error.message if result.error else None,
            latency_s=time.perf_counter() - start,
            prompt_tokens=result.usage.get("prompt_tokens", 0),
            completion_tokens=result.usage.get("completion_tokens", 0),
            confidence=result.confidence,
            evidence=result.evidence,
        )

    return predict
