"""The single-prompt pipeline: whole schema, one greedy answer, no repair.

This is how DB-GPT's Chat Data prompt works, and the in-run anchor that the
full pipeline is measured against.
"""

from __future__ import annotations

import asyncio

from assistant.sqlgen import prompts
from assistant.sqlgen.answer import AnswerError, SqlAnswer
from assistant.sqlgen.dialects import dialect_name
from assistant.sqlgen.execute import execute_into
from assistant.sqlgen.intent import refuse_write
from assistant.sqlgen.parse_output import parse_answer
from assistant.sqlgen.schema_text import schema_ddl
from assistant.sqlgen.tables_read import tables_read
from assistant.sqlgen.timing import StageTimer
from llm.client import LLM, GenerateRequest


def plain_messages(question: str, schema_text: str, dialect: str, row_limit: int) -> list[dict[str, str]]:
    system = prompts.render(
        "plain_system", dialect_name=dialect_name(dialect), schema=schema_text, row_limit=str(row_limit)
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": prompts.render("plain_user", question=question)},
    ]


async def answer_plain(
    question: str, connector, llm: LLM, *, execute: bool = True, row_limit: int = 1000, max_tokens: int = 384
) -> SqlAnswer:
    timer = StageTimer()
    answer = SqlAnswer(question=question)
    if refused := refuse_write(answer):
        return refused
    with timer.stage("schema"):
        schema = await asyncio.to_thread(connector.introspect)
        messages = plain_messages(question, schema_ddl(schema), connector.dialect, row_limit)
    with timer.stage("generate"):
        completion = await llm.generate(GenerateRequest(messages=messages, max_tokens=max_tokens, temperature=0.0))
    answer.usage = completion.usage
    parsed = parse_answer(completion.text)
    answer.sql, answer.explanation = parsed.sql, parsed.thoughts
    answer.tables = tables_read(parsed.sql, schema)
    if parsed.sql is None:
        answer.error = AnswerError(kind="no_sql", message="The model's answer held no SQL query.")
    elif execute:
        with timer.stage("execute"):
            await execute_into(answer, connector, row_limit)
    answer.timings = timer.finish()
    return answer
