"""A conditional count that the WHERE clause rules out.

"The ratio of restaurants rated above 4 to those rated below 4" comes back
from small models as `SUM(CASE WHEN rating > 4 ...) / COUNT(*) ... WHERE
rating < 4`: the filter meant for one side of the ratio removes every row the
other side counts, so that side is always 0. The CASE condition and a WHERE
conjunct that compare the same column with literals that no value can
satisfy together give it away; the query goes back to the model once, as a
doubt.
"""

from __future__ import annotations

import operator

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

_OPS = {exp.GT: operator.gt, exp.GTE: operator.ge, exp.LT: operator.lt, exp.LTE: operator.le, exp.EQ: operator.eq,
        exp.NEQ: operator.ne}
_FLIPPED = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ, exp.NEQ: exp.NEQ}


def _test(node: exp.Expression) -> tuple[str, type, object] | None:
    """(column name, comparison, literal value) for `col OP literal` either way round."""
    if type(node) not in _OPS:
        return None
    kind, left, right = type(node), node.this, node.expression
    if isinstance(left, exp.Literal) and isinstance(right, exp.Column):
        kind, left, right = _FLIPPED[kind], right, left
    if not (isinstance(left, exp.Column) and isinstance(right, exp.Literal)):
        return None
    value: object = right.this
    if right.is_number:
        value = float(right.this)
    elif kind not in (exp.EQ, exp.NEQ):
        return None  # text order depends on the collation: leave it
    return left.name.lower(), kind, value


def _conjuncts(node: exp.Expression):
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.And):
        yield from _conjuncts(node.this)
        yield from _conjuncts(node.expression)
    else:
        yield node


def _disjoint(one: tuple, other: tuple) -> bool:
    """Whether no value passes both tests (checked at both literals and between them)."""
    (_, kind_a, a), (_, kind_b, b) = one, other
    if isinstance(a, float) != isinstance(b, float):
        return False
    probes = [a, b] if not isinstance(a, float) else [a, b, (a + b) / 2, min(a, b) - 1, max(a, b) + 1]
    return not any(_OPS[kind_a](v, a) and _OPS[kind_b](v, b) for v in probes)


def excluded_cases(tree: exp.Expression, context: RuleContext) -> list[str]:
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        if where is None:
            continue
        filters = [t for t in map(_test, _conjuncts(where.this)) if t]
        for case in select.find_all(exp.Case):
            aggregate = case.find_ancestor(exp.AggFunc)
            if case.find_ancestor(exp.Select) is not select or aggregate is None:
                continue
            tests = [t for branch in case.args.get("ifs") or [] for t in map(_test, _conjuncts(branch.this)) if t]
            if any(f[0] == t[0] and _disjoint(t, f) for t in tests for f in filters):
                return [f"{aggregate.sql()} can never count a row: the WHERE keeps only rows where "
                        f"{where.this.sql()}. Put each group's condition inside its own CASE and filter in "
                        "WHERE only what applies to every part"]
    return []
