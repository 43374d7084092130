"""A LIMIT the question never asked for.

"Average order value by country, highest first" answered with `ORDER BY ...
LIMIT 1`: with no number and no superlative in the question, every row is
wanted, so the LIMIT of the outermost SELECT goes.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.analysis.scope import result_select
from assistant.sqlgen.rules.base import RuleContext

# Phrases that only say how to sort ("highest first", "in descending order"):
# a superlative inside one asks for an order, not for a few rows.
_ORDER_PHRASE = re.compile(
    r"\b(?:\w+est|most|least|more|less)\s+(?:first|last|on top|at the top)\b"
    r"|\bfrom\s+(?:the\s+)?\w+\s+to\s+(?:the\s+)?\w+\b"
    r"|\bin\s+(?:\w+\s+)?(?:descending|ascending|decreasing|increasing|reverse|alphabetical|chronological)\s+order\b",
    re.IGNORECASE)
# What asks for some rows only: a number, a superlative, a ranking word (any
# word ending in -est counts: a false cue only leaves the LIMIT alone).
_FEW_ROWS = re.compile(
    r"\d|\b(?:top|bottom|first|last|most|least|max(?:imum)?|min(?:imum)?|best|worst|recent(?:ly)?|single|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|dozen|hundred|"
    r"few|several|some|sample|example|examples|any|leading|\w{2,}est)\b",
    re.IGNORECASE)


def unasked_limit(tree: exp.Expression, context: RuleContext) -> list[str]:
    """Remove an ORDER BY ... LIMIT n the question asks for with no number or superlative."""
    question = context.question
    select = result_select(tree)
    if not question or select is None or select.args.get("order") is None or select.args.get("offset"):
        return []
    limit = select.args.get("limit")
    if not isinstance(limit, exp.Limit) or not isinstance(limit.expression, exp.Literal):
        return []
    if _FEW_ROWS.search(_ORDER_PHRASE.sub(" ", question)):
        return []
    select.set("limit", None)
    return [f"dropped {limit.sql()}: the question asks for no number of rows and no top or bottom item"]
