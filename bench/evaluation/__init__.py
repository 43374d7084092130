"""The text-to-SQL benchmark's own part of the evaluation: the PostgreSQL
databases it loads from dumps (pgload.py). The scoring itself is the
product's (assistant/evaluation/), the same `dbgpt eval` runs."""
