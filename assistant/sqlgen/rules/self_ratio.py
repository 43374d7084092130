"""A value divided by itself.

Asked for a ratio or a share, small models often write the same count on both
sides: `CAST(COUNT(*) AS REAL) / COUNT(*)`, `COUNT(id) * 1.0 / COUNT(id)`,
with the condition that should set the numerator apart moved into WHERE,
where it filters both. The answer is always 1 (or 100, or NULL), without an
error. The two sides of a division, read past casts, NULLIF(x, 0) and a
constant factor, are compared; the same expression in the same SELECT goes
back to the model with how to count one side only.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext


def _core(node: exp.Expression) -> exp.Expression:
    """`node` past parentheses, casts, NULLIF(x, 0) and multiplication by a number."""
    while True:
        if isinstance(node, (exp.Paren, exp.Cast, exp.TryCast)):
            node = node.this
        elif isinstance(node, exp.Nullif) and isinstance(node.expression, exp.Literal):
            node = node.this
        elif isinstance(node, exp.Mul) and isinstance(node.expression, exp.Literal) and node.expression.is_number:
            node = node.this
        elif isinstance(node, exp.Mul) and isinstance(node.this, exp.Literal) and node.this.is_number:
            node = node.expression
        else:
            return node


def self_ratio(tree: exp.Expression, context: RuleContext) -> list[str]:
    problems = []
    for division in tree.find_all(exp.Div):
        top, bottom = _core(division.this), _core(division.expression)
        if isinstance(top, exp.Literal) or not top.find(exp.Column, exp.Star, exp.AggFunc):
            continue  # 1.0 / 1.0, a constant: not a ratio of rows
        if top.sql(dialect=context.dialect).lower() != bottom.sql(dialect=context.dialect).lower():
            continue
        problems.append(
            f"{division.sql(dialect=context.dialect)} divides {bottom.sql(dialect=context.dialect)} by itself, which "
            "is always 1: the two sides must count different rows. Count the rows the question puts on top with "
            "SUM(CASE WHEN <their condition> THEN 1 ELSE 0 END) and divide by the count it compares them with, "
            "over the same rows; a condition meant for one side belongs in its CASE, not in WHERE")
    return problems
