""""Within ten days of the start" written as "ten days or more after the start".

Asked for what happened within a span of a date, small models often compare
with the span's end the wrong way round: `reported >= date(start, '+10
days')` keeps what came after the window, not what fell inside it. A question
that says "within" and a query whose only bound on a moved date is a lower
one goes back to the model once, as a doubt, with the two-sided form.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

_WITHIN = re.compile(r"\bwithin\b[^.?!]*?\b(days?|weeks?|months?|years?|hours?|minutes?)\b", re.IGNORECASE)
_MOVERS = ("DATE", "DATETIME")


def _moved_date(node: exp.Expression) -> exp.Expression | None:
    """The date a date-moving expression starts from: date(d, '+10 days'), d + INTERVAL '10 days'."""
    if isinstance(node, exp.Anonymous) and node.name.upper() in _MOVERS and len(node.expressions) > 1:
        return node.expressions[0]
    if isinstance(node, (exp.DateAdd, exp.TsOrDsAdd)):
        return node.this
    if isinstance(node, exp.Add) and isinstance(node.expression, exp.Interval):
        return node.this
    return None


def _after_end(comparison: exp.Expression) -> tuple[str, str] | None:
    """(the compared value, the moved date) when the comparison keeps what lies past the moved date."""
    left, right = comparison.this, comparison.expression
    if isinstance(comparison, (exp.GT, exp.GTE)) and _moved_date(right) is not None:
        return left.sql(), right.sql()
    if isinstance(comparison, (exp.LT, exp.LTE)) and _moved_date(left) is not None:
        return right.sql(), left.sql()
    return None


def _bounded_above(where: exp.Expression) -> bool:
    for node in where.find_all(exp.Between):
        if _moved_date(node.args["high"]) is not None:
            return True
    for node in where.find_all(exp.LT, exp.LTE):
        if _moved_date(node.expression) is not None:
            return True
    return any(_moved_date(node.this) is not None for node in where.find_all(exp.GT, exp.GTE))


def date_windows(tree: exp.Expression, context: RuleContext) -> list[str]:
    if not _WITHIN.search(context.question):
        return []
    for select in tree.find_all(exp.Select):
        conditions = [select.args.get("where")] + [join.args.get("on") for join in select.args.get("joins") or []]
        for condition in filter(None, conditions):
            if _bounded_above(condition):
                continue
            for comparison in condition.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE):
                found = _after_end(comparison)
                if found is not None:
                    value, end = found
                    return [f"the question asks for what falls within a span, but {comparison.sql()} keeps "
                            f"only what comes after {end}: bound {value} on both sides, from the start up to "
                            f"{end} ({value} BETWEEN start AND {end})"]
    return []
