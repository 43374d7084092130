"""First drafts of the semantic layer, written by the model from the schema and
a few rows, one table at a time.

The answer is constrained to a JSON object naming exactly the table's columns,
so every draft parses and no column is invented. A draft is a start for the
user to correct: the CLI shows what it wrote, and a user's own text is never
replaced by one.
"""

from __future__ import annotations

import json

from assistant.sqlgen.schema_text import table_ddl
from connectors.types import TableInfo
from llm.client import LLM, GenerateRequest

MAX_WORDS_HINT = 12
SAMPLE_ROWS = 3


def _answer_schema(table: TableInfo) -> dict:
    column = {"type": "string", "maxLength": 100}
    return {
        "type": "object",
        "properties": {
            "table": {"type": "string", "maxLength": 160},
            "columns": {"type": "object", "properties": {c.name: column for c in table.columns},
                        "required": [c.name for c in table.columns], "additionalProperties": False},
        },
        "required": ["table", "columns"],
        "additionalProperties": False,
    }


def _prompt(table: TableInfo, dialect: str) -> str:
    rows = "\n".join(json.dumps(row, default=str) for row in table.sample_rows[:SAMPLE_ROWS])
    return (f"{table_ddl(table, dialect, compact=True)}\n\nSample rows:\n{rows or '(none)'}\n\n"
            f"Say what one row of this table is, and what each column means (its unit, what a value stands "
            f"for), in at most {MAX_WORDS_HINT} words each. Answer in JSON.")


async def draft_table(table: TableInfo, dialect: str, llm: LLM) -> dict:
    """{"description": str, "columns": {column: str}} for one table."""
    request = GenerateRequest(
        messages=[{"role": "system", "content": "You document databases for analysts."},
                  {"role": "user", "content": _prompt(table, dialect)}],
        max_tokens=40 + 30 * len(table.columns), temperature=0.0,
        response_format={"type": "json_schema", "json_schema": {"name": "descriptions",
                                                                "schema": _answer_schema(table)}},
    )
    completion = await llm.generate(request)
    answer = json.loads(completion.text)
    known = {c.name for c in table.columns}
    columns = {name: str(text).strip() for name, text in (answer.get("columns") or {}).items()
               if name in known and str(text).strip()}
    return {"description": str(answer.get("table", "")).strip(), "columns": columns}
