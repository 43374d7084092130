"""The text-to-SQL benchmark's own part of the evaluation: where its sets are,
the fixed split of the defog set (sets.py), the PostgreSQL databases loaded
from dumps (pgload.py), and scores across parts (scores.py). The scoring
itself is the product's (assistant/evaluation/), the same `dbgpt eval` runs."""
