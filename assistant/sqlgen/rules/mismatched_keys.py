"""Joins that pair one entity's key with another entity's key.

`organization JOIN domain_author ON organization.oid = domain_author.aid`
runs, and pairs organisation 5 with author 5: rows that have nothing to do
with each other. The sign is two different key columns, each a name several
tables share (so each is the link to some entity), joined although neither
a declared foreign key nor a shared name nor the `<table>_id` convention
links them; while the schema says how the two tables do join. A role key
that only one table holds (`student.advisor_id = instructor.instructor_id`,
`employees.manager_id = employees.emp_id`) is how schemas name a second link
to the same entity, so it is left alone.
"""

from __future__ import annotations

from collections import Counter

from sqlglot import exp

from assistant.sqlgen.analysis.joins import join_path_hint, links
from assistant.sqlgen.rules.base import RuleContext
from connectors.types import SchemaInfo, TableInfo
from knowledge.text import KEY_LIKE


def _holder_counts(schema: SchemaInfo) -> Counter:
    return Counter(c.name.lower() for t in schema.tables for c in t.columns)


def _table_of(ref: exp.Column, context: RuleContext) -> TableInfo | None:
    holders = [t for t in context.scopes.resolve(ref) or [] if t.column(ref.name) is not None]
    return holders[0] if len(holders) == 1 else None


def _is_link_name(name: str, holders: Counter) -> bool:
    return bool(KEY_LIKE.search(name)) and holders[name.lower()] >= 2


def mismatched_keys(tree: exp.Expression, context: RuleContext) -> list[str]:
    """A doubt for each join condition that pairs two different entities' keys."""
    schema = context.schema
    holders = _holder_counts(schema)
    problems = []
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        for condition in (on.find_all(exp.EQ) if on is not None else []):
            left, right = condition.this, condition.expression
            if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
                continue
            if left.name.lower() == right.name.lower():
                continue
            a, b = _table_of(left, context), _table_of(right, context)
            if a is None or b is None or a is b:
                continue
            if not (_is_link_name(left.name, holders) and _is_link_name(right.name, holders)):
                continue
            pair = {(a.name.lower(), left.name.lower()), (b.name.lower(), right.name.lower())}
            if any({(link.left_table.lower(), link.left_column.lower()),
                    (link.right_table.lower(), link.right_column.lower())} == pair for link in links(a, b)):
                continue
            hint = join_path_hint(a, b, schema)
            if not hint:
                continue  # nothing better to offer
            problems.append(f"the join condition {condition.sql()} pairs {left.name} with {right.name}, "
                            f"keys of different things, so it matches unrelated rows; {hint}")
    return problems
