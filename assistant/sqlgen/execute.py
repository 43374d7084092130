"""Running the chosen SQL through the connector's guard, read-only."""

from __future__ import annotations

import asyncio

from assistant.sqlgen.answer import AnswerError, SqlAnswer
from connectors.types import ConnectorError, GuardRefusal, QueryTimeout


async def execute_into(answer: SqlAnswer, connector, row_limit: int | None) -> None:
    """Fill the answer's rows, or its error; a refused statement never runs."""
    try:
        result = await asyncio.to_thread(connector.run, answer.sql, row_limit=row_limit)
    except GuardRefusal as exc:
        answer.error = AnswerError(kind="refused", message=exc.message, rule=exc.rule)
        return
    except QueryTimeout as exc:
        answer.error = AnswerError(kind="timeout", message=str(exc))
        return
    except ConnectorError as exc:
        answer.error = AnswerError(kind="execution", message=str(exc))
        return
    answer.columns = result.columns
    answer.rows = result.rows
    answer.truncated = result.truncated
