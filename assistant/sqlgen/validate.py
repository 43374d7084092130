"""Checking a candidate against the real schema before it runs.

The SQL is parsed for the connection's dialect (or, failing that, read as
another dialect and transpiled), then run through the rules of rules/ in
order: certain fixes change the tree, errors go back to the model, doubts are
asked once. A gate rule's errors end the run (the rules after it need what it
checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.sqlgen.rules import RULES, Rule, RuleContext
from assistant.sqlgen.rules.reserved_aliases import quote_in_text
from connectors.types import SchemaInfo

OTHER_DIALECTS = ("mysql", "postgres", "sqlite", "duckdb", "tsql")


@dataclass
class Validation:
    sql: str | None
    errors: list[str] = field(default_factory=list)
    transpiled_from: str | None = None
    fixes: list[str] = field(default_factory=list)  # mechanical repairs made (autofix)
    # Likely but not certain mistakes: worth one question to the model, not a refusal.
    doubts: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)  # names of the rules that found something, in order

    @property
    def ok(self) -> bool:
        return self.sql is not None and not self.errors


def _parse(sql: str, dialect: str) -> tuple[exp.Expression | None, str | None, str | None]:
    """The tree, the dialect it was read as (if not the target), or the parse error."""
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
        if len(trees) == 1:
            return trees[0], None, None
        return None, None, f"expected one statement, found {len(trees)}"
    except (SqlglotError, RecursionError, ValueError) as exc:  # ParseError, TokenError (an unclosed quote)
        first_error = str(exc).splitlines()[0]
    for other in OTHER_DIALECTS:
        if other == dialect:
            continue
        try:
            trees = [t for t in sqlglot.parse(sql, read=other) if t is not None]
        except (SqlglotError, RecursionError, ValueError):
            continue
        if len(trees) == 1:
            return trees[0], other, None
    return None, None, f"syntax error: {first_error}"


def validate_sql(sql: str, schema: SchemaInfo, question: str = "", rules: tuple[Rule, ...] = RULES) -> Validation:
    """Check `sql` against `schema`, making the certain fixes; `question`, when given,
    is checked against the shape of the result."""
    dialect = schema.dialect
    tree, read_as, error = _parse(sql, dialect)
    result = Validation(sql=None)
    if tree is None and (requoted := quote_in_text(sql)) is not None:
        # A keyword as an alias stops the parser itself: quoted in the text, then read.
        tree, read_as, _ = _parse(requoted, dialect)
        if tree is not None:
            result.fixes.append("a reserved word used as a table alias: quoted")
            result.fired.append("reserved_aliases")
    if tree is None:
        result.errors.append(error or "unparseable")
        return result
    result.transpiled_from = read_as
    context = RuleContext(schema=schema, question=question)
    for rule in rules:
        found = rule(tree, context)
        if not found:
            continue
        result.fired.append(rule.name)
        {"fix": result.fixes, "error": result.errors, "doubt": result.doubts}[rule.kind].extend(found)
        if rule.gate:
            break
    # The text as written, unless it was read as another dialect or fixed.
    result.sql = tree.sql(dialect=dialect) if read_as or result.fixes else sql
    return result
