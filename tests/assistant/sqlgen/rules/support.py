"""Running rules on their own in tests."""

from __future__ import annotations

import sqlglot

from assistant.sqlgen.rules import RULES, RuleContext
from connectors.types import SchemaInfo


def context(schema: SchemaInfo | None = None, question: str = "", dialect: str = "sqlite") -> RuleContext:
    """A rule context; without a schema, one with no tables of `dialect`."""
    return RuleContext(schema or SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[]), question)


def run(names: str, sql, schema: SchemaInfo | None = None, question: str = "", dialect: str | None = None):
    """The findings of the named rules (space-separated, in RULES order) on `sql` (text or a tree)."""
    dialect = dialect or (schema.dialect if schema is not None else "sqlite")
    tree = sqlglot.parse_one(sql, read=dialect) if isinstance(sql, str) else sql
    wanted = names.split()
    unknown = set(wanted) - {rule.name for rule in RULES}
    assert not unknown, f"no such rule: {unknown}"
    ctx = context(schema, question, dialect)
    return [found for rule in RULES if rule.name in wanted for found in rule(tree, ctx)]
