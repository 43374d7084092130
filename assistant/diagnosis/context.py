"""State shared by the check passes, and small helpers on the tree."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from assistant.diagnosis.findings import Finding, Location, Report
from connectors.types import Plan, SchemaInfo, TableInfo


@dataclass
class Context:
    sql: str
    dialect: str
    report: Report
    tree: exp.Expression | None = None
    schema: SchemaInfo | None = None
    connector: Any = None
    plan: Plan | None = None
    # The engine rejected the statement (its message), or None.
    engine_error: str | None = None
    timeout_s: float = 10.0
    verify: bool = True
    # Set by passes for later ones: e.g. the rows the engine scans per table.
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def is_query(self) -> bool:
        return isinstance(self.tree, (exp.Query, exp.Values))

    @property
    def can_run(self) -> bool:
        """The statement may reach the engine (EXPLAIN, read-only runs): a query with all its values."""
        return (self.connector is not None and self.is_query and self.report.statement != "write"
                and not self.has_placeholders)

    @property
    def has_placeholders(self) -> bool:
        return self.tree is not None and self.tree.find(exp.Placeholder, exp.Parameter) is not None

    @property
    def analysis(self) -> exp.Expression | None:
        """The tree the static passes read: the statement, or for a write the query inside it
        (UPDATE/DELETE as SELECT ... FROM target WHERE ...), which is never run."""
        if "analysis" not in self.notes:
            self.notes["analysis"] = query_of(self.tree)
        return self.notes["analysis"]

    @property
    def engine_sql(self) -> str:
        """The statement in the connection's dialect (transpiled when the user wrote another)."""
        engine_dialect = getattr(self.connector, "dialect", self.dialect)
        if engine_dialect == self.dialect or self.tree is None:
            return self.sql
        return self.tree.sql(dialect=engine_dialect)

    @property
    def engine_dialect(self) -> str:
        return getattr(self.connector, "dialect", None) or self.dialect

    def add(self, finding: Finding, node: exp.Expression | None = None) -> Finding:
        """Record a finding; `node` keeps the tree part it is about for later passes."""
        if node is not None:
            self.notes.setdefault("nodes", {})[id(finding)] = node
        return self.report.add(finding)

    def node_of(self, finding: Finding) -> exp.Expression | None:
        return self.notes.get("nodes", {}).get(id(finding))

    def locate(self, node: exp.Expression | None) -> Location | None:
        return locate(self.sql, node)

    def table(self, node: exp.Table) -> TableInfo | None:
        return find_table(self.schema, node)


def query_of(tree: exp.Expression | None) -> exp.Expression | None:
    if isinstance(tree, (exp.Update, exp.Delete)) and isinstance(tree.this, exp.Table):
        items = [e.copy() for e in tree.expressions] if isinstance(tree, exp.Update) else []
        select = exp.Select(expressions=items or [exp.Literal.number(1)])
        select.set("from_", exp.From(this=tree.this.copy()))
        extra = tree.args.get("from_") if isinstance(tree, exp.Update) else None
        joins = [exp.Join(this=extra.this.copy())] if extra is not None else []
        joins += [exp.Join(this=t.copy()) for t in tree.args.get("using") or []]
        joins += [j.copy() for j in tree.args.get("joins") or []]
        if joins:
            select.set("joins", joins)
        if tree.args.get("where") is not None:
            select.set("where", tree.args["where"].copy())
        return select
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
        return tree.expression
    return tree


def offset_to_location(sql: str, offset: int) -> Location:
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return Location(line, column)


def locate(sql: str, node: exp.Expression | None) -> Location | None:
    """The first position of any token under node (sqlglot keeps it in meta)."""
    if node is None:
        return None
    starts = [n.meta["start"] for n in node.walk() if isinstance(n.meta.get("start"), int)]
    return offset_to_location(sql, min(starts)) if starts else None


def find_table(schema: SchemaInfo | None, node: exp.Table) -> TableInfo | None:
    if schema is None or not node.name:
        return None
    wanted_schema = node.db.lower() if node.db else None
    matches = [t for t in schema.tables if t.name.lower() == node.name.lower()]
    if wanted_schema:
        matches = [t for t in matches if (t.schema or "").lower() == wanted_schema] or matches
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: list[str]) -> list[str]:
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]


def quote(name: str, dialect: str) -> str:
    return exp.to_identifier(name).sql(dialect=dialect)


def short(node: exp.Expression, dialect: str, limit: int = 80) -> str:
    text = node.sql(dialect=dialect)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def local_nodes(root: exp.Expression, kinds=exp.Expression):
    """Nodes under root that belong to root's own query, not to nested subqueries."""
    for node in root.walk(prune=lambda n: n is not root and isinstance(n, (exp.Query, exp.Subquery))):
        if node is not root and isinstance(node, (exp.Query, exp.Subquery)):
            continue
        if isinstance(node, kinds):
            yield node


def is_grouping_aggregate(node: exp.Expression) -> bool:
    """An aggregate that groups rows (SUM(x)), not a window function (SUM(x) OVER ...)."""
    return isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window)


def conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    """The AND-ed parts of a condition, parentheses removed, in order (a loop: a chain of
    thousands of ANDs is as deep as it is long)."""
    parts, pending = [], [] if condition is None else [condition]
    while pending:
        node = pending.pop().unnest()
        if isinstance(node, exp.And):
            pending += [node.right, node.left]
        else:
            parts.append(node)
    return parts
