"""Integer division where a ratio was asked for.

A user asking for a ratio, share or average per item wants 0.75, not 0;
SQLite and PostgreSQL truncate integer / integer and small models forget the
cast. `a / b` is made exact there. Division by a literal number (`year /
10`) is left as written: there the truncation may be intended.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.sqlgen.rules.base import RuleContext

# Engines where integer / integer truncates (3 / 4 = 0).
_TRUNCATING_DIVISION = {"sqlite", "postgres"}


def _is_float_already(node: exp.Expression) -> bool:
    """Whether the value `node` yields is already fractional. Only the value's own
    parts count: the 4.5 in `SUM(CASE WHEN rating > 4.5 THEN 1 ELSE 0 END)` or in a
    subquery's WHERE is a condition, and the count stays an integer."""
    if isinstance(node, exp.Cast):
        return True
    if isinstance(node, exp.Literal):
        return node.is_number and "." in node.this
    if isinstance(node, (exp.Paren, exp.Alias)):
        return _is_float_already(node.this)
    if isinstance(node, (exp.Mul, exp.Add, exp.Sub)):  # CAST(x AS REAL) * 100 is a float already
        return _is_float_already(node.this) or _is_float_already(node.expression)
    if isinstance(node, exp.Case):
        return any(_is_float_already(branch.args["true"]) for branch in node.args.get("ifs") or []) or (
            node.args.get("default") is not None and _is_float_already(node.args["default"]))
    if isinstance(node, exp.If):
        return any(_is_float_already(node.args[part]) for part in ("true", "false") if node.args.get(part))
    if isinstance(node, exp.Subquery):
        select = node.unnest()
        return isinstance(select, exp.Select) and len(select.expressions) == 1 and _is_float_already(
            select.expressions[0])
    if isinstance(node, (exp.Column, exp.Count, exp.Star, exp.Predicate)):
        return False
    if isinstance(node, exp.Func):  # SUM(x * 1.0), COALESCE(x, 0.0): the arguments give the value
        return any(_is_float_already(arg) for arg in node.iter_expressions())
    return any(lit.is_number and "." in lit.this for lit in node.find_all(exp.Literal))


def exact_division(tree: exp.Expression, context: RuleContext) -> list[str]:
    dialect = context.dialect
    if dialect not in _TRUNCATING_DIVISION:
        return []
    notes = []
    for div in list(tree.find_all(exp.Div)):
        numerator, divisor = div.this, div.expression
        if isinstance(divisor, exp.Literal) or _is_float_already(numerator) or _is_float_already(divisor):
            continue
        numerator.replace(exp.cast(numerator.copy(), exp.DataType.build("REAL" if dialect == "sqlite" else "DOUBLE")))
        notes.append(f"exact division: {div.sql(dialect=dialect)}")
    return notes
