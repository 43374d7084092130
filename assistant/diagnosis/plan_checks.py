"""Pass 5: the engine's real plan (plain EXPLAIN).

Reports full scans of large tables that the query filters, joins the engine
cannot serve with an index, temporary sorts and nested loops over large
inputs, and confirms (or softens) the syntax-level findings with the plan node
that shows them.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis.context import Context, conjuncts
from assistant.diagnosis.findings import INFO, WARNING, Finding, listed
from assistant.diagnosis.plan_reading import PlanReader, describe, reader_for, step_text
from assistant.diagnosis.predicates import leading_index
from assistant.diagnosis.sizes import LARGE_TABLE_ROWS, table_rows
from connectors.types import PlanNode, TableInfo

NESTED_LOOP_PAIRS = 5_000_000


def check_plan(ctx: Context) -> None:
    if ctx.plan is None or ctx.tree is None:
        return
    reader = reader_for(ctx.engine_dialect)
    uses = predicate_uses(ctx)
    ctx.notes["predicate_uses"] = uses
    reported: set[str] = set()
    loops = reader.loops(ctx.plan)
    inner_nodes = {id(loop.inner) for loop in loops}
    for node in ctx.plan.root.walk():
        if reader.is_full_scan(node):
            _full_scan(ctx, node, uses, reported, id(node) in inner_nodes)
    for node in reader.automatic_indexes(ctx.plan):
        _automatic_index(ctx, node, reported)
    for loop in loops:
        _loop(ctx, reader, loop, reported)
    for node in reader.sorts(ctx.plan):
        _sort(ctx, node)
    _corroborate(ctx, reader)


def _table(ctx: Context, relation: str | None) -> TableInfo | None:
    if relation is None or ctx.schema is None:
        return None
    return ctx.schema.table(relation)


def predicate_uses(ctx: Context) -> dict[str, dict[str, set[str]]]:
    """Per table name: the columns the query filters on ("filter") and joins on ("join")."""
    refs = ctx.notes.get("refs", {})
    uses: dict[str, dict[str, set[str]]] = {}
    for select in ctx.tree.find_all(exp.Select):
        where = select.args.get("where")
        parts = conjuncts(where.this if where else None)
        for join in select.args.get("joins") or []:
            parts += conjuncts(join.args.get("on"))
        for part in parts:
            touched: dict[str, set[str]] = {}
            for column in part.find_all(exp.Column):
                ref = refs.get(id(column))
                if ref is not None and ref.source is not None and ref.source.table is not None:
                    touched.setdefault(ref.source.table.name.lower(), set()).add(column.name)
            role = "join" if len(touched) > 1 else "filter"
            for table, columns in touched.items():
                uses.setdefault(table, {"filter": set(), "join": set()})[role] |= columns
    return uses


def _full_scan(ctx: Context, node: PlanNode, uses, reported: set[str], inner: bool) -> None:
    table = _table(ctx, node.relation)
    rows = table_rows(ctx, table) or node.est_rows
    if table is None or rows is None or rows < LARGE_TABLE_ROWS:
        return
    use = uses.get(table.name.lower(), {"filter": set(), "join": set()})
    unindexed_join = sorted(c for c in use["join"] if leading_index(table, c) is None)
    if use["filter"]:
        kind, why = "full_scan", f"to test {listed(sorted(use['filter']))} row by row"
        unindexed = sorted(c for c in use["filter"] if leading_index(table, c) is None)
        if unindexed and len(unindexed) == len(use["filter"]):
            why += f" (no index starts with {listed(unindexed, 'or')})"
    elif unindexed_join:
        kind = "join_without_index"
        columns = "column" if len(unindexed_join) == 1 else "columns"
        why = ("for each row of the other side" if inner else "in full") + \
            f": no index starts with its join {columns} {listed(unindexed_join, 'or')}"
    else:
        return
    reported.add(table.name.lower())
    ctx.add(Finding(
        kind, WARNING,
        f"The plan reads all {int(rows):,} rows of {table.name} ({step_text(node)}) {why}.",
        location=_table_location(ctx, table.name),
        evidence={"type": "plan", "node": describe(node), "rows": int(rows), "relation": table.name},
        suggestion="Index the filtered or joined columns (see any index advice), or filter on indexed columns.",
        verified=True, verification="the engine's own plan (EXPLAIN)",
    ))


def _automatic_index(ctx: Context, node: PlanNode, reported: set[str]) -> None:
    table = _table(ctx, node.relation)
    rows = table_rows(ctx, table)
    if table is None or table.name.lower() in reported or rows is None or rows < LARGE_TABLE_ROWS:
        return  # indexing a small table on the fly costs little
    reported.add(table.name.lower())
    ctx.add(Finding(
        "join_without_index", WARNING,
        f"No index serves the join into {table.name}: SQLite builds a temporary index on every run "
        f"({step_text(node)}).",
        location=_table_location(ctx, table.name),
        evidence={"type": "plan", "node": describe(node), "rows": table_rows(ctx, table), "relation": table.name},
        suggestion="Create the index once (see the index advice).",
        verified=True, verification="the engine's own plan (EXPLAIN QUERY PLAN)",
    ))


def _loop(ctx: Context, reader: PlanReader, loop, reported: set[str]) -> None:
    inner_table = _table(ctx, loop.inner.relation) or next(
        (_table(ctx, n.relation) for n in loop.inner.walk() if n.relation), None)
    if inner_table is None or reader.is_index_access(loop.inner) or any(
            reader.is_index_access(n) for n in loop.inner.walk()):
        return
    outer_rows = loop.outer.est_rows or table_rows(ctx, _table(ctx, loop.outer.relation)) or 0
    inner_rows = loop.inner.est_rows or table_rows(ctx, inner_table) or 0
    if outer_rows * inner_rows < NESTED_LOOP_PAIRS or inner_table.name.lower() in reported:
        return
    reported.add(inner_table.name.lower())
    ctx.add(Finding(
        "nested_loop_large", WARNING,
        f"A nested loop reads {inner_table.name} (about {int(inner_rows):,} rows) once for each of about "
        f"{int(outer_rows):,} outer rows: about {int(outer_rows * inner_rows):,} row pairs.",
        location=_table_location(ctx, inner_table.name),
        evidence={"type": "plan", "outer": describe(loop.outer), "inner": describe(loop.inner),
                  "node": describe(loop.node) if loop.node else None},
        suggestion="Give the join an equality condition on indexed columns, or check for a missing join condition.",
        verified=True, verification="the engine's own plan (EXPLAIN)",
    ))


def _sort(ctx: Context, node: PlanNode) -> None:
    rows = node.est_rows
    if rows is None:  # SQLite gives no estimate: the largest table the plan reads bounds it
        sizes = [table_rows(ctx, _table(ctx, n.relation)) or 0 for n in ctx.plan.root.walk() if n.relation]
        rows = max(sizes, default=0)
    if rows < LARGE_TABLE_ROWS:
        return
    limited = isinstance(ctx.tree, exp.Query) and ctx.tree.args.get("limit") is not None
    ctx.add(Finding(
        "temp_sort", WARNING if limited else INFO,
        f"The plan sorts about {int(rows):,} rows in a temporary structure ({step_text(node)})"
        + (" only to keep the first few." if limited else "."),
        location=ctx.locate(ctx.tree.args.get("order") or ctx.tree.args.get("group") or ctx.tree.args.get("distinct"))
        if isinstance(ctx.tree, exp.Query) else None,
        evidence={"type": "plan", "node": describe(node), "rows": int(rows)},
        suggestion="An index whose columns match the ORDER BY lets the engine read rows already in order."
        if limited else None,
        verified=True, verification="the engine's own plan (EXPLAIN)",
    ))


def _table_location(ctx: Context, name: str):
    for table in ctx.tree.find_all(exp.Table):
        if table.name.lower() == name.lower():
            return ctx.locate(table)
    return None


def _corroborate(ctx: Context, reader: PlanReader) -> None:
    """Syntax-level findings confirmed, or softened, by what the plan actually does."""
    for finding in list(ctx.report.findings):
        relation = finding.evidence.get("relation")
        if finding.kind in ("function_on_indexed_column", "leading_wildcard_like", "or_across_columns") and relation:
            combined = reader.combines_indexes(ctx.plan) if finding.kind == "or_across_columns" else None
            scanned = reader.scans(ctx.plan, relation)
            if combined is not None:
                _soften(finding, combined, "the engine answers this OR by combining two indexes")
            elif scanned is not None:
                _confirm(finding, scanned)
            elif reader.uses_index(ctx.plan, relation):
                _soften(finding, reader.uses_index(ctx.plan, relation), "the plan still reaches this table by an index")
        elif finding.kind == "correlated_subquery":
            node = reader.has_subplan(ctx.plan)
            if node is not None:
                _confirm(finding, node)
            elif ctx.engine_dialect in ("sqlite", "postgres", "duckdb"):
                finding.severity = INFO
                finding.message = finding.message.replace(
                    "so it runs once for every outer row.",
                    "which as written means once per outer row; the engine's plan already joins it instead.")
                finding.verification = "the engine's plan shows no per-row subquery: it already turned it into a join"
        elif finding.kind == "cartesian_join":
            node = reader.cross_product(ctx.plan) or (reader.scans(ctx.plan, relation) if relation else None)
            if node is not None:
                _confirm(finding, node)
        elif finding.kind in ("order_by_random", "union_not_all", "distinct_join_fanout"):
            sort = next(iter(reader.sorts(ctx.plan)), None) or next(
                (n for n in ctx.plan.root.walk() if "TEMP B-TREE" in n.operation.upper()
                 or n.operation in ("Unique", "HashAggregate")), None)
            if sort is not None and finding.kind == "order_by_random":
                _confirm(finding, sort)
            elif sort is not None:
                finding.evidence["plan"] = describe(sort)


def _confirm(finding: Finding, node: PlanNode) -> None:
    finding.verified = True
    finding.evidence["plan"] = describe(node)
    finding.verification = "the engine's plan shows it: " + step_text(node)


def _soften(finding: Finding, node: PlanNode, why: str) -> None:
    finding.severity = INFO
    finding.verified = False
    finding.evidence["plan"] = describe(node)
    finding.verification = f"{why} ({step_text(node)})"
