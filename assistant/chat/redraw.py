"""The previous answer drawn again with another chart ("as a line chart"): its SQL is run
again, read-only, and charted with the mark asked for. No model is asked and no new
query is written, so the rows are the same rows."""

from __future__ import annotations

import asyncio
import time

from assistant.sqlgen.answer import SqlAnswer
from assistant.sqlgen.chart import chart_as
from assistant.sqlgen.execute import execute_into
from assistant.sqlgen.tables_read import key_columns, tables_read

NAMES = {"bar": "a bar chart", "line": "a line chart", "point": "a scatter plot"}


async def redraw(question: str, sql: str, mark: str, connector, row_limit: int) -> SqlAnswer:
    started = time.perf_counter()
    answer = SqlAnswer(question=question, sql=sql, explanation=f"The previous answer's query, drawn as {NAMES[mark]}.")
    await execute_into(answer, connector, row_limit)
    if answer.error is None:
        schema = await asyncio.to_thread(connector.introspect)
        answer.tables = tables_read(sql, schema)
        answer.chart = chart_as(answer.columns, answer.rows, mark, key_columns(sql, schema))
        if answer.chart is None:
            answer.warnings.append(f"These rows have no two axes to draw as {NAMES[mark]}; they are shown as a table.")
    answer.timings = {"execute": round(time.perf_counter() - started, 4)}
    return answer
