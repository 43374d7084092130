"""How to read each engine's normalised plan: which node is a full scan, an
index access, a sort, a nested loop. A base class with what is common and thin
subclasses per engine, in the manner of sqlglot's dialects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.types import Plan, PlanNode


@dataclass
class Loop:
    """One nested-loop join: for each row of `outer`, `inner` is read."""

    outer: PlanNode
    inner: PlanNode
    node: PlanNode | None = None  # the join node itself, where the engine has one


class PlanReader:
    full_scans: frozenset[str] = frozenset()
    index_accesses: frozenset[str] = frozenset()

    def op(self, node: PlanNode) -> str:
        return (node.operation or "").strip()

    def is_full_scan(self, node: PlanNode) -> bool:
        return node.relation is not None and self.op(node) in self.full_scans

    def is_index_access(self, node: PlanNode) -> bool:
        return self.op(node) in self.index_accesses

    def uses_index(self, plan: Plan, relation: str, index: str | None = None) -> PlanNode | None:
        for node in plan.root.walk():
            if node.relation and node.relation.lower() == relation.lower() and self.is_index_access(node):
                if index is None or (node.index and index.lower() in node.index.lower()):
                    return node
        return None

    def scans(self, plan: Plan, relation: str) -> PlanNode | None:
        for node in plan.root.walk():
            if node.relation and node.relation.lower() == relation.lower() and self.is_full_scan(node):
                return node
        return None

    def sorts(self, plan: Plan) -> list[PlanNode]:
        return []

    def loops(self, plan: Plan) -> list[Loop]:
        return []

    def combines_indexes(self, plan: Plan) -> PlanNode | None:
        """A node that answers an OR with two indexes (SQLite MULTI-INDEX OR, BitmapOr)."""
        return None

    def automatic_indexes(self, plan: Plan) -> list[PlanNode]:
        """Indexes the engine builds for one run because none exists (SQLite's AUTOMATIC INDEX)."""
        return []

    def cross_product(self, plan: Plan) -> PlanNode | None:
        """An operator that pairs every row with every row, where the engine names one."""
        return None

    def has_subplan(self, plan: Plan) -> PlanNode | None:
        """A node showing a subquery run once per outer row."""
        return None

    def cost(self, plan: Plan) -> float | None:
        return plan.root.est_cost


class SQLiteReader(PlanReader):
    full_scans = frozenset({"SCAN"})
    index_accesses = frozenset({"SEARCH"})

    def is_full_scan(self, node: PlanNode) -> bool:
        # "SCAN t USING COVERING INDEX i" still reads every entry of the index.
        return node.relation is not None and self.op(node) == "SCAN"

    def is_index_access(self, node: PlanNode) -> bool:
        return self.op(node) == "SEARCH" and "AUTOMATIC" not in (node.detail or "").upper()

    def sorts(self, plan: Plan) -> list[PlanNode]:
        return [n for n in plan.root.walk() if self.op(n).upper().startswith("USE TEMP B-TREE")]

    def loops(self, plan: Plan) -> list[Loop]:
        out = []
        for parent in plan.root.walk():
            levels = [c for c in parent.children if self.op(c) in ("SCAN", "SEARCH")]
            for i in range(1, len(levels)):
                out.append(Loop(outer=levels[i - 1], inner=levels[i]))
        return out

    def automatic_indexes(self, plan: Plan) -> list[PlanNode]:
        return [n for n in plan.root.walk() if "AUTOMATIC" in (n.detail or n.operation or "").upper()]

    def combines_indexes(self, plan: Plan) -> PlanNode | None:
        return next((n for n in plan.root.walk() if self.op(n).upper().startswith("MULTI-INDEX OR")), None)

    def has_subplan(self, plan: Plan) -> PlanNode | None:
        return next((n for n in plan.root.walk() if self.op(n).upper().startswith("CORRELATED")), None)


class PostgresReader(PlanReader):
    full_scans = frozenset({"Seq Scan", "Parallel Seq Scan"})
    index_accesses = frozenset({"Index Scan", "Index Only Scan", "Bitmap Index Scan", "Bitmap Heap Scan"})

    def is_index_access(self, node: PlanNode) -> bool:
        return self.op(node) in self.index_accesses

    def uses_index(self, plan: Plan, relation: str, index: str | None = None) -> PlanNode | None:
        found = super().uses_index(plan, relation, index)
        if found or index is None:
            return found
        # A bitmap scan names the index on its child and the table on its parent.
        return next((n for n in plan.root.walk() if self.op(n) == "Bitmap Index Scan"
                     and n.index and index.lower() in n.index.lower()), None)

    def sorts(self, plan: Plan) -> list[PlanNode]:
        return [n for n in plan.root.walk() if self.op(n) in ("Sort", "Incremental Sort")]

    def loops(self, plan: Plan) -> list[Loop]:
        return [Loop(n.children[0], n.children[1], n) for n in plan.root.walk()
                if self.op(n) == "Nested Loop" and len(n.children) == 2]

    def combines_indexes(self, plan: Plan) -> PlanNode | None:
        return next((n for n in plan.root.walk() if self.op(n) == "BitmapOr"), None)

    def has_subplan(self, plan: Plan) -> PlanNode | None:
        return _find_raw(plan.raw, "Parent Relationship", "SubPlan")


class MySQLReader(PlanReader):
    full_scans = frozenset({"ALL", "index"})
    index_accesses = frozenset({"ref", "eq_ref", "range", "const", "ref_or_null", "index_merge", "unique_subquery",
                                "index_subquery", "fulltext", "system"})

    def combines_indexes(self, plan: Plan) -> PlanNode | None:
        return next((n for n in plan.root.walk() if self.op(n) == "index_merge"), None)

    # The normalised tree drops these; the engine's JSON keeps them.
    def sorts(self, plan: Plan) -> list[PlanNode]:
        return [PlanNode(operation="filesort", detail=f"filesort on {item['filesort'].get('sort_key', '?')}")
                if isinstance(item.get("filesort"), dict) else PlanNode(operation="filesort", detail="using filesort")
                for item in raw_dicts(plan.raw) if "filesort" in item or item.get("using_filesort") is True]

    def has_subplan(self, plan: Plan) -> PlanNode | None:
        for item in raw_dicts(plan.raw):
            # MariaDB caches a correlated subquery's results; MySQL 8 marks it "dependent".
            if "expression_cache" in item or item.get("dependent") is True:
                return PlanNode(operation="dependent subquery", detail="a subquery run per outer row "
                                "(expression_cache)" if "expression_cache" in item else "dependent subquery")
        return None


class DuckDBReader(PlanReader):
    # A columnar engine: scanning is its normal access path (row groups are skipped by min/max),
    # so a sequential scan is not reported as a problem, and joins are hash joins.
    full_scans: frozenset[str] = frozenset()
    index_accesses = frozenset({"INDEX_SCAN"})

    def cross_product(self, plan: Plan) -> PlanNode | None:
        return next((n for n in plan.root.walk() if self.op(n) == "CROSS_PRODUCT"), None)


READERS: dict[str, PlanReader] = {
    "sqlite": SQLiteReader(), "postgres": PostgresReader(), "mysql": MySQLReader(), "duckdb": DuckDBReader(),
}


def reader_for(dialect: str) -> PlanReader:
    return READERS.get(dialect, PlanReader())


def raw_dicts(raw: Any):
    """Every JSON object in an engine's plan output."""
    stack = [raw]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _find_raw(raw: Any, key: str, value: str) -> PlanNode | None:
    """Search an engine's JSON plan for a key/value the normalised tree does not keep."""
    for item in raw_dicts(raw):
        if item.get(key) == value:
            return PlanNode(operation=str(item.get("Node Type", value)), relation=item.get("Relation Name"),
                            est_rows=item.get("Plan Rows"), est_cost=item.get("Total Cost"),
                            detail=f"{key}: {value} ({item.get('Subplan Name', '')})".strip())
    return None


def step_text(node: PlanNode) -> str:
    """One plan step in words: SQLite's own line, or the operation, its table and its condition."""
    detail = node.detail or ""
    if detail.upper().startswith((node.operation or "").upper()):
        return detail
    text = node.operation + (f" on {node.relation}" if node.relation else "")
    return f"{text}, {detail}" if detail else text


def describe(node: PlanNode) -> dict[str, Any]:
    """A plan node as evidence: what the engine said, without its subtree."""
    out: dict[str, Any] = {"operation": node.operation}
    for key in ("relation", "index", "est_rows", "est_cost", "detail"):
        value = getattr(node, key)
        if value is not None and value != node.operation:
            out[key] = value
    return out
