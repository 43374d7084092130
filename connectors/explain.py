"""Normalise each engine's plan output into a PlanNode tree.

The engine's own output stays available as Plan.raw; the tree keeps what a
reader needs to judge a plan: the operation, the relation and index it
touches, and estimated (and, after ANALYZE, actual) rows and cost.
"""

from __future__ import annotations

from typing import Any

from .types import PlanNode

# -- SQLite: EXPLAIN QUERY PLAN rows (id, parent, notused, detail) -------------


def sqlite_plan(rows: list[tuple]) -> PlanNode:
    root = PlanNode(operation="QUERY PLAN")
    nodes: dict[int, PlanNode] = {0: root}
    for node_id, parent, _unused, detail in rows:
        node = _sqlite_node(str(detail))
        nodes[node_id] = node
        nodes.get(parent, root).children.append(node)
    return root.children[0] if len(root.children) == 1 else root


def _sqlite_node(detail: str) -> PlanNode:
    words = detail.split()
    head = words[0].upper() if words else ""
    if head not in ("SCAN", "SEARCH") or len(words) < 2:
        return PlanNode(operation=detail, detail=detail)
    rest = words[1:]
    if rest[0].upper() == "TABLE":  # SQLite before 3.36 said "SCAN TABLE t"
        rest = rest[1:]
    relation = rest[0] if rest and rest[0].upper() not in ("CONSTANT", "SUBQUERY") else None
    index = None
    upper = [w.upper() for w in rest]
    if "USING" in upper:
        after = rest[upper.index("USING") + 1 :]
        after_upper = [w.upper() for w in after]
        if "INDEX" in after_upper and after_upper.index("INDEX") + 1 < len(after):
            index = after[after_upper.index("INDEX") + 1]
        elif after_upper[:3] == ["INTEGER", "PRIMARY", "KEY"]:
            index = "INTEGER PRIMARY KEY"
        elif after_upper[:2] == ["PRIMARY", "KEY"]:
            index = "PRIMARY KEY"
    return PlanNode(operation=head, relation=relation, index=index, detail=detail)


# -- PostgreSQL: EXPLAIN (FORMAT JSON) -----------------------------------------

_PG_DETAIL_KEYS = (
    "Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter", "Filter", "Sort Key", "Group Key",
)


def postgres_plan(raw: list[dict[str, Any]]) -> PlanNode:
    top = raw[0] if isinstance(raw, list) else raw
    root = _pg_node(top["Plan"])
    if "Execution Time" in top:
        root.actual_ms = top["Execution Time"]
    return root


def _pg_node(node: dict[str, Any]) -> PlanNode:
    details = [f"{k}: {_text(node[k])}" for k in _PG_DETAIL_KEYS if k in node]
    actual_rows = None
    if "Actual Rows" in node:
        actual_rows = node["Actual Rows"] * node.get("Actual Loops", 1)
    return PlanNode(
        operation=node.get("Node Type", "?"),
        relation=node.get("Relation Name") or node.get("CTE Name") or node.get("Function Name"),
        index=node.get("Index Name"),
        est_rows=node.get("Plan Rows"),
        est_cost=node.get("Total Cost"),
        actual_rows=actual_rows,
        actual_ms=node.get("Actual Total Time"),
        detail="; ".join(details) or None,
        children=[_pg_node(child) for child in node.get("Plans", [])],
    )


# -- MySQL / MariaDB: EXPLAIN FORMAT=JSON, MariaDB ANALYZE FORMAT=JSON ---------


def mysql_plan(raw: dict[str, Any]) -> PlanNode:
    """Both engines nest blocks (query_block, nested_loop, ordering_operation,
    union_result, ...) around "table" objects; each block becomes a node named
    after its key and each table a node named after its access type."""
    return _mysql_node("query_block", raw.get("query_block", raw))


def _mysql_node(key: str, value: Any) -> PlanNode:
    if isinstance(value, dict) and "table_name" in value:
        return _mysql_table(value)
    node = PlanNode(operation=key)
    if isinstance(value, dict):
        cost = value.get("cost_info")  # MySQL; MariaDB 11 says "cost"
        node.est_cost = _number(cost.get("query_cost") if isinstance(cost, dict) else value.get("cost"))
        node.actual_ms = _number(value.get("r_total_time_ms"))  # MariaDB ANALYZE
        for child_key, child in value.items():
            node.children.extend(_mysql_children(child_key, child))
    elif isinstance(value, list):
        for item in value:
            node.children.extend(_mysql_children(key, item))
    return node


def _mysql_children(key: str, value: Any) -> list[PlanNode]:
    if isinstance(value, dict):
        if "table_name" in value:
            return [_mysql_table(value)]
        if len(value) == 1 and isinstance(value.get("table"), dict):  # {"table": {...}} in a nested_loop
            return [_mysql_table(value["table"])]
        if any(isinstance(v, (dict, list)) for v in value.values()):
            return [_mysql_node(key, value)]
        return []
    if isinstance(value, list):
        found: list[PlanNode] = []
        for item in value:
            found.extend(_mysql_children(key, item))
        return found
    return []


def _mysql_table(table: dict[str, Any]) -> PlanNode:
    cost = table.get("cost_info") if isinstance(table.get("cost_info"), dict) else {}
    node = PlanNode(
        operation=str(table.get("access_type", "table")),
        relation=table.get("table_name"),
        index=table.get("key"),
        est_rows=_number(table.get("rows_examined_per_scan", table.get("rows"))),
        est_cost=_number(cost.get("prefix_cost") or cost.get("read_cost") or table.get("cost")),
        actual_rows=_number(table.get("r_rows")),
        actual_ms=_number(table.get("r_table_time_ms") or table.get("r_total_time_ms")),
        detail=_text(table.get("attached_condition")) if table.get("attached_condition") else None,
    )
    for child_key, child in table.items():
        if child_key in ("materialized", "nested_loop", "query_block", "subqueries"):
            node.children.extend(_mysql_children(child_key, child))
    return node


def mysql_tree_plan(text: str) -> PlanNode:
    """MySQL 8 EXPLAIN ANALYZE / FORMAT=TREE text: one '-> step' per line,
    nesting by indentation, with (cost=.. rows=..) (actual time=a..b rows=..)."""
    root = PlanNode(operation="plan")
    stack: list[tuple[int, PlanNode]] = [(-1, root)]
    for line in text.splitlines():
        stripped = line.lstrip()
        if not stripped.startswith("->"):
            continue
        depth = len(line) - len(stripped)
        node = _mysql_tree_node(stripped[2:].strip())
        while stack and stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1].children.append(node)
        stack.append((depth, node))
    return root.children[0] if len(root.children) == 1 else root


def _mysql_tree_node(step: str) -> PlanNode:
    head, _, tail = step.partition("  (")
    node = PlanNode(operation=head.strip(), detail=step)
    words = head.split()
    lowered = [w.lower() for w in words]
    if "on" in lowered and lowered.index("on") + 1 < len(words):
        node.relation = words[lowered.index("on") + 1]
    if "using" in lowered and lowered.index("using") + 1 < len(words):
        node.index = words[lowered.index("using") + 1]
    for group in ("(" + tail).split("(")[1:]:
        fields = dict(part.split("=", 1) for part in group.rstrip(") ").split() if "=" in part)
        if group.startswith("cost="):
            node.est_cost = _number(fields.get("cost"))
            node.est_rows = _number(fields.get("rows"))
        elif group.startswith("actual"):
            node.actual_rows = _number(fields.get("rows"))
            node.actual_ms = _number(fields.get("time", "").split("..")[-1])
    return node


# -- DuckDB: EXPLAIN (FORMAT JSON) and EXPLAIN (ANALYZE, FORMAT JSON) ----------


def duckdb_plan(raw: Any) -> PlanNode:
    if isinstance(raw, list):
        nodes = [_duck_node(n) for n in raw]
        return nodes[0] if len(nodes) == 1 else PlanNode(operation="plan", children=nodes)
    # ANALYZE: a profile whose children are the operators; latency is in seconds
    children = [_duck_node(n) for n in raw.get("children", [])]
    root = children[0] if len(children) == 1 else PlanNode(operation="plan", children=children)
    while root.operation == "EXPLAIN_ANALYZE" and len(root.children) == 1:
        root = root.children[0]
    if "latency" in raw:
        root.actual_ms = _number(raw["latency"]) * 1000.0
    return root


def _duck_node(node: dict[str, Any]) -> PlanNode:
    extra = node.get("extra_info") or {}
    table = extra.get("Table") if isinstance(extra, dict) else None
    estimate = extra.get("Estimated Cardinality") if isinstance(extra, dict) else None
    timing = node.get("operator_timing")
    return PlanNode(
        operation=str(node.get("name") or node.get("operator_name") or node.get("operator_type") or "?").strip(),
        relation=table.split(".")[-1] if isinstance(table, str) else None,
        index=extra.get("Index") if isinstance(extra, dict) else None,
        est_rows=_number(estimate),
        actual_rows=_number(node.get("operator_cardinality")),
        actual_ms=None if timing is None else _number(timing) * 1000.0,
        detail=_text(extra.get("Filters")) if isinstance(extra, dict) and extra.get("Filters") else None,
        children=[_duck_node(child) for child in node.get("children", [])],
    )


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(str(value).strip().lstrip("~"))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
