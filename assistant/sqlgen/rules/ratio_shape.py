"""A ratio of one group to another, answered as a share of the whole.

"The ratio of open businesses to closed ones" is open / closed. Small models
often write SUM(CASE WHEN open ...) / COUNT(*), the share of open businesses
among all, which is another number. The query gives it away: a conditional
count on top, an unconditional one below. That goes back to the model once,
as a doubt: when the question does mean the whole ("to all users"), the
model keeps its query. The reverse slip, "the ratio of rated restaurants to
all restaurants" written as all / rated, is questioned the same way, and so is
a ratio of two groups written as all rows over one of them. A ratio or a
percentage asked for where the query divides nothing at all (the two counts
shown side by side) is a doubt too, unless the data keeps it ready-made.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

_RATIO_OF = re.compile(r"\b(?:ratio|proportion)\s+of\s+(.+?)\s+(?:to|versus|vs\.?|against|over)\s+(.+?)(?:[?,;]|$)",
                       re.IGNORECASE)
_ASKS_RATIO = re.compile(r"\b(?:ratio|proportion|percentage|percent(?!\s+sign)|fraction)\b", re.IGNORECASE)
_WHOLE = re.compile(r"^(?:all|total|the total|every|each|the whole|the number of all|overall)\b", re.IGNORECASE)


def _unwrapped(node: exp.Expression) -> exp.Expression:
    while True:
        if isinstance(node, (exp.Cast, exp.Paren)):
            node = node.this
        elif isinstance(node, exp.Nullif):
            node = node.this
        elif isinstance(node, exp.Mul) and isinstance(node.expression, exp.Literal):
            node = node.this  # ... * 1.0
        else:
            return node


def _conditional(node: exp.Expression) -> bool:
    return node.find(exp.Case, exp.If, exp.Filter) is not None


def _whole_count(node: exp.Expression) -> bool:
    node = _unwrapped(node)
    return isinstance(node, (exp.Count, exp.Sum)) and not _conditional(node)


def _filtered(node: exp.Expression) -> bool:
    """A conditional count, or a subquery that counts only some rows."""
    node = _unwrapped(node)
    if isinstance(node, exp.Subquery):
        select = node.unnest()
        return isinstance(select, exp.Select) and select.args.get("where") is not None
    return _conditional(node)


def _divisions(tree: exp.Select):
    for item in tree.expressions:
        for div in item.find_all(exp.Div):
            if div.find_ancestor(exp.Select) is tree:
                yield div


def _undivided(tree: exp.Expression, question: str, schema) -> list[str]:
    """A ratio or a percentage asked for, and nothing divided anywhere in the query."""
    asked = _ASKS_RATIO.search(question)
    if asked is None or tree.find(exp.Div) is not None:
        return []
    word = asked.group(0).lower()
    if any(word in column.name.lower() for table in schema.tables for column in table.columns):
        return []  # the data keeps it ready-made (`discount_percentage`)
    return [f"the question asks for a {word}, but the query divides nothing: compute it as one count or "
            "sum over another"]


def ratio_shape(tree: exp.Expression, context: RuleContext) -> list[str]:
    match = _RATIO_OF.search(context.question)
    if match is None or not isinstance(tree, exp.Select):
        return _undivided(tree, context.question, context.schema)
    first, second = match.group(1).strip(), match.group(2).strip()
    to_whole = bool(_WHOLE.match(second))
    divisions = list(_divisions(tree))
    if not divisions:
        return _undivided(tree, context.question, context.schema)
    for div in divisions:
        if not to_whole and _conditional(_unwrapped(div.this)) and _whole_count(div.expression):
            below = _unwrapped(div.expression).sql()
            return [f"the question asks for a ratio of one group to another (... to {second}), not a share "
                    f"of all rows: divide by the count of {second}, not by {below}"]
        if not to_whole and _whole_count(div.this) and _conditional(_unwrapped(div.expression)):
            return [f"the question asks for {first} to {second}: the count of {first} goes above the "
                    f"division and that of {second} below it; this query divides all rows by one group"]
        if (to_whole and not _WHOLE.match(first) and tree.args.get("where") is None
                and _whole_count(div.this) and _filtered(div.expression)):
            return [f"the question asks for {first} over {second}: the count of {first} goes above the "
                    f"division and {second} below it; this query divides all rows by the group"]
    return []
