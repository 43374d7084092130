"""The shape of the result the user sees: one row per group, each row labelled.

Two habits of small models that the query's own structure gives away:
- grouping by a column without showing it (`SELECT SUM(x) ... GROUP BY
  course_id`): every number comes without what it is for, so the grouped
  column is added to the output;
- a question about each item ("for each program", "across manufacturers")
  answered with one aggregate over everything: that mismatch goes back to the
  model, which knows which column the question means;
- a LIMIT the question never asked for ("average order value by country,
  highest first" answered with `ORDER BY ... LIMIT 1`): with no number and no
  superlative in the question, every row is wanted, so the LIMIT goes.
Only the outermost SELECT is touched: a subquery's columns are read by the
query around it, not by the user.
"""

from __future__ import annotations

import re

from sqlglot import exp

_PER_ITEM = re.compile(
    r"\b(?:for each|in each|of each|by each|per|across(?: the)?(?: different| all| various| each)?)\s+(?:of the\s+)?(\w{3,})",
    re.IGNORECASE)
_NOT_AN_ITEM = {"the", "a", "an", "all", "them", "it", "cent", "percent"}
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


def _result_select(tree: exp.Expression) -> exp.Select | None:
    return tree if isinstance(tree, exp.Select) else None


def _shown(select: exp.Select) -> tuple[set[str], set[str]]:
    """Output names (aliases and column names) and the SQL of each output expression."""
    names, shapes = set(), set()
    for item in select.expressions:
        inner = item.this if isinstance(item, exp.Alias) else item
        if item.alias:
            names.add(item.alias.lower())
        if isinstance(inner, exp.Column):
            names.add(inner.name.lower())
        shapes.add(inner.sql().lower())
    return names, shapes


def show_group_keys(tree: exp.Expression) -> list[str]:
    """Put each GROUP BY column the outermost SELECT does not show at the front of its output."""
    select = _result_select(tree)
    group = select.args.get("group") if select is not None else None
    if group is None or any(isinstance(e, exp.Star) for e in select.expressions):
        return []
    names, shapes = _shown(select)
    missing = []
    for key in group.expressions:
        if isinstance(key, exp.Literal):
            continue  # GROUP BY 1: a position in the output, so already shown
        if isinstance(key, exp.Column) and (key.name.lower() in names):
            continue
        if key.sql().lower() in shapes or not key.find(exp.Column):
            continue
        missing.append(key)
    if not missing:
        return []
    select.set("expressions", [key.copy() for key in missing] + list(select.expressions))
    return [f"shown the grouped {key.sql()}" for key in missing]


def _aggregates_everything(select: exp.Select) -> bool:
    """One row for the whole table: an aggregate in the output and no GROUP BY."""
    if select.args.get("group") is not None:
        return False
    for item in select.expressions:
        for agg in item.find_all(exp.AggFunc):
            if agg.find_ancestor(exp.Window) is None and agg.find_ancestor(exp.Select) is select:
                return True
    return False


def per_item_problems(tree: exp.Expression, question: str) -> list[str]:
    """The question asks for a value per item; the query returns one row for everything."""
    select = _result_select(tree)
    if select is None or not _aggregates_everything(select):
        return []
    for match in _PER_ITEM.finditer(question):
        if match.group(1).lower() in _NOT_AN_ITEM:
            continue
        return [f"the question asks for a value {match.group(0)}, but this query aggregates everything into "
                f"one row; return one row for each (GROUP BY the column that identifies it, and select that column)"]
    return []


def drop_unasked_limit(tree: exp.Expression, question: str) -> list[str]:
    """Remove an ORDER BY ... LIMIT n the question asks for with no number or superlative."""
    select = _result_select(tree)
    if not question or select is None or select.args.get("order") is None or select.args.get("offset"):
        return []
    limit = select.args.get("limit")
    if not isinstance(limit, exp.Limit) or not isinstance(limit.expression, exp.Literal):
        return []
    if _FEW_ROWS.search(_ORDER_PHRASE.sub(" ", question)):
        return []
    select.set("limit", None)
    return [f"dropped {limit.sql()}: the question asks for no number of rows and no top or bottom item"]
