"""One total where the question asks for a value per item.

"For each program", "across manufacturers" answered with one aggregate over
everything: that mismatch goes back to the model, which knows which column
the question means.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.analysis.scope import result_select
from assistant.sqlgen.rules.base import RuleContext

_PER_ITEM = re.compile(
    r"\b(?:for each|in each|of each|by each|per|across(?: the)?(?: different| all| various| each)?)\s+(?:of the\s+)?(\w{3,})",
    re.IGNORECASE)
_NOT_AN_ITEM = {"the", "a", "an", "all", "them", "it", "cent", "percent"}


def _aggregates_everything(select: exp.Select) -> bool:
    """One row for the whole table: an aggregate in the output and no GROUP BY."""
    if select.args.get("group") is not None:
        return False
    for item in select.expressions:
        for agg in item.find_all(exp.AggFunc):
            if agg.find_ancestor(exp.Window) is None and agg.find_ancestor(exp.Select) is select:
                return True
    return False


def per_item(tree: exp.Expression, context: RuleContext) -> list[str]:
    select = result_select(tree)
    if select is None or not _aggregates_everything(select):
        return []
    for match in _PER_ITEM.finditer(context.question):
        if match.group(1).lower() in _NOT_AN_ITEM:
            continue
        return [f"the question asks for a value {match.group(0)}, but this query aggregates everything into "
                f"one row; return one row for each (GROUP BY the column that identifies it, and select that column)"]
    return []
