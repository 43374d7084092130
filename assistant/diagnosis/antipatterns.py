"""Pass 4b: anti-patterns in the shape of the query, read from the syntax tree.

Cartesian and comma joins, ORDER BY RANDOM(), SELECT * over joins, DISTINCT
over a join fan-out, correlated subqueries, UNION instead of UNION ALL, large
scans without a limit, HAVING that filters rows, deep OFFSETs and writes
without WHERE.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis.context import Context, conjuncts, is_grouping_aggregate, local_nodes
from assistant.diagnosis.findings import INFO, WARNING, Finding, listed
from assistant.diagnosis.sizes import LARGE_TABLE_ROWS, is_large, table_rows

LARGE_OFFSET = 10_000


def check_antipatterns(ctx: Context) -> None:
    if ctx.tree is None:
        return
    resolver = ctx.notes.get("resolver")
    for scope in resolver.scopes if resolver else []:
        if isinstance(scope.expression, exp.Select):
            _joins(ctx, resolver, scope)
            _distinct_fanout(ctx, resolver, scope)
    for select in ctx.analysis.find_all(exp.Select):
        _order_by_random(ctx, select)
        _select_star_join(ctx, select)
        _having_filters_rows(ctx, select)
        _large_offset(ctx, select)
    _correlated(ctx)
    for union in ctx.analysis.find_all(exp.Union):
        if union.args.get("distinct"):
            ctx.add(Finding(
                "union_not_all", INFO,
                "UNION removes duplicate rows, which sorts or hashes the whole result; if the parts cannot "
                "overlap or duplicates are wanted, UNION ALL returns the same rows for less work.",
                location=_union_location(ctx, union),
                evidence={"type": "syntax"},
                suggestion="Use UNION ALL when duplicates are impossible or wanted.",
                verification="read from the parsed tree",
            ), union)
    _unbounded(ctx)
    if isinstance(ctx.tree, (exp.Update, exp.Delete)) and ctx.tree.args.get("where") is None:
        ctx.add(Finding(
            "write_without_where", WARNING,
            f"This {type(ctx.tree).__name__.upper()} has no WHERE clause: it changes every row of the table.",
            location=ctx.locate(ctx.tree.this), evidence={"type": "syntax"},
            suggestion="Add a WHERE clause, or say so explicitly if every row is meant.",
            verified=True, verification="read from the parsed tree",
        ))


def _union_location(ctx: Context, union: exp.Union):
    """Where the second branch starts: the UNION keyword itself leaves no trace in the tree."""
    right = union.args.get("expression")
    return (ctx.locate(right) if right is not None else None) or ctx.locate(union)


def _aliases_in(ctx: Context, node: exp.Expression) -> set[str]:
    refs = ctx.notes.get("refs", {})
    out = set()
    for column in local_nodes(node, exp.Column):
        ref = refs.get(id(column))
        if ref is not None and ref.source is not None and ref.status == "ok":
            out.add(ref.source.alias)
        elif column.table:
            out.add(column.table)
    return out


def _joins(ctx: Context, resolver, scope) -> None:
    select = scope.expression
    sources = resolver.sources(scope)
    names = list(sources)
    if len(names) < 2:
        return
    parent = {n: n for n in names}

    def find(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    links = []
    where = select.args.get("where")
    links += conjuncts(where.this if where else None)
    for join in select.args.get("joins") or []:
        links += conjuncts(join.args.get("on"))
        if join.args.get("using") or str(join.args.get("method") or "").upper() == "NATURAL":
            target = join.this.alias_or_name
            if target in parent:  # USING / NATURAL tie it to the tables on its left
                parent[find(target)] = find(names[0])
    for part in links:
        touched = [a for a in _aliases_in(ctx, part) if a in parent]
        for a in touched[1:]:
            parent[find(a)] = find(touched[0])
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)
    if len(groups) > 1:
        _cartesian(ctx, select, sources, list(groups.values()))
        return
    for join in select.args.get("joins") or []:
        if _written_with_comma(ctx, join):
            ctx.add(Finding(
                "comma_join", INFO,
                f"'{join.this.sql(dialect=ctx.dialect)}' is joined with a comma and its condition sits in WHERE; "
                "an explicit JOIN ... ON keeps the join condition next to the table and cannot be forgotten.",
                location=ctx.locate(join.this), evidence={"type": "syntax"},
                suggestion="Write JOIN ... ON with the join condition.",
                verification="read from the parsed tree",
            ))
            return


def _written_with_comma(ctx: Context, join: exp.Join) -> bool:
    # SQLite's parser reads "FROM a, b" as a CROSS join; no other kind of join is written with a comma.
    if str(join.args.get("kind") or "CROSS").upper() != "CROSS" or join.args.get("side") or join.args.get("on") \
            or join.args.get("using"):
        return False
    # sqlglot reads "FROM a, b" and "FROM a JOIN b" alike: the text before the table tells them apart.
    starts = [n.meta["start"] for n in join.this.walk() if isinstance(n.meta.get("start"), int)]
    return bool(starts) and ctx.sql[: min(starts)].rstrip().endswith(",")


def _cartesian(ctx: Context, select: exp.Select, sources, groups: list[list[str]]) -> None:
    sizes = {alias: table_rows(ctx, s.table) for alias, s in sources.items()}
    product = 1
    for group in groups:
        product *= max((sizes.get(a) or 1) for a in group)
    explicit_cross = any(str(j.args.get("kind") or "").upper() == "CROSS" and not _written_with_comma(ctx, j)
                         for j in select.args.get("joins") or [])
    if explicit_cross and product < LARGE_TABLE_ROWS * 100:
        return  # a deliberate CROSS JOIN of small inputs
    lonely = groups[1][0]
    node = sources[lonely].node
    ctx.add(Finding(
        # A forgotten join condition is a bug at any size, but only a costly one from some size on.
        "cartesian_join", WARNING if product >= LARGE_TABLE_ROWS else INFO,
        f"No condition links {_unlinked(groups)}: every row of one side is paired with every row of the other "
        f"(about {product:,} rows).",
        location=ctx.locate(node),
        evidence={"type": "schema", "groups": groups, "rows": sizes, "pairs": product,
                  "relation": sources[lonely].table.name if sources[lonely].table else lonely, "alias": lonely},
        suggestion="Add the join condition (JOIN ... ON a.key = b.key); write CROSS JOIN if the pairing is meant.",
        verification="join graph read from the parsed tree",
    ))


def _unlinked(groups: list[list[str]]) -> str:
    """The parts of FROM that no condition ties together: "o to c", "o (with i) to c",
    "o, c and p to one another"."""
    parts = [g[0] if len(g) == 1 else f"{g[0]} (with {listed(g[1:])})" for g in groups]
    return f"{parts[0]} to {parts[1]}" if len(parts) == 2 else f"{listed(parts)} to one another"


def _order_by_random(ctx: Context, select: exp.Select) -> None:
    order = select.args.get("order")
    if order is None:
        return
    for item in order.expressions:
        rand = item.find(exp.Rand)
        if rand is None and not (isinstance(item.this, exp.Anonymous) and item.this.name.lower() in ("rand", "random")):
            continue
        ctx.add(Finding(
            "order_by_random", WARNING,
            "ORDER BY RANDOM() draws a random number for every row and sorts the whole input to keep a few.",
            location=ctx.locate(item), evidence={"type": "syntax"},
            suggestion="Pick random keys instead (e.g. WHERE id >= a random value ORDER BY id LIMIT n), "
                       "or sample (TABLESAMPLE on PostgreSQL).",
            verification="read from the parsed tree",
        ))
        return


def _select_star_join(ctx: Context, select: exp.Select) -> None:
    if not select.args.get("joins"):
        return
    star = next((e for e in select.expressions if isinstance(e, exp.Star)), None)
    if star is None:
        return
    ctx.add(Finding(
        "select_star_join", INFO,
        "SELECT * over a join returns every column of every table, including duplicated join keys, "
        "and stops covering indexes from being used.",
        location=ctx.locate(star), evidence={"type": "syntax"},
        suggestion="Name the columns you need.",
        verification="read from the parsed tree",
    ))


def _distinct_fanout(ctx: Context, resolver, scope) -> None:
    select = scope.expression
    if not select.args.get("distinct") or not select.args.get("joins"):
        return
    if any(isinstance(e, exp.Star) for e in select.expressions):
        return
    used = set()
    for item in select.expressions:
        used |= _aliases_in(ctx, item)
    sources = resolver.sources(scope)
    unused = [a for a in sources if a not in used]
    if not used or not unused:
        return
    ctx.add(Finding(
        "distinct_join_fanout", WARNING,
        f"DISTINCT removes the duplicates that joining {listed(unused)} creates: the join multiplies rows "
        "and DISTINCT then sorts them away.",
        location=ctx.locate(select.expressions[0]),
        evidence={"type": "syntax", "filter_only": unused, "selected_from": sorted(used)},
        suggestion=f"Test {listed(unused)} with EXISTS (a semi-join) instead of joining it and de-duplicating.",
        verification="read from the parsed tree",
    ), select)


def _correlated(ctx: Context) -> None:
    refs = ctx.notes.get("refs", {})
    seen = set()
    for ref in refs.values():
        if ref.status != "outer" or id(ref.scope) in seen:
            continue
        seen.add(id(ref.scope))
        subquery = ref.scope.expression.parent
        while subquery is not None and not isinstance(subquery, exp.Subquery):
            subquery = subquery.parent
        if subquery is None or isinstance(subquery.parent, exp.Exists):
            continue  # EXISTS is planned as a semi-join
        outer = subquery.find_ancestor(exp.Select)
        in_list = outer is not None and any(n is subquery for e in outer.expressions for n in e.walk())
        where = "in the SELECT list" if in_list else "in a condition"
        outer_table = ref.source.table if ref.source else None
        ctx.add(Finding(
            "correlated_subquery", WARNING if is_large(ctx, outer_table) or outer_table is None else INFO,
            f"The subquery {where} refers to {ref.column.sql(dialect=ctx.dialect)} of the outer query, "
            "so it runs once for every outer row.",
            location=ctx.locate(subquery),
            evidence={"type": "syntax", "outer_column": ref.column.sql(dialect=ctx.dialect),
                      "outer_rows": table_rows(ctx, outer_table),
                      "relation": outer_table.name if outer_table else None},
            suggestion="Compute it once for all keys: join a GROUP BY subquery (or use a window function).",
            verification="read from the parsed tree",
        ), subquery)


def _having_filters_rows(ctx: Context, select: exp.Select) -> None:
    having = select.args.get("having")
    if having is None or not select.args.get("group"):
        return
    for part in conjuncts(having.this):
        if any(is_grouping_aggregate(a) for a in local_nodes(part, exp.AggFunc)) or part.find(exp.Subquery):
            continue
        ctx.add(Finding(
            "having_without_aggregate", INFO,
            f"'{part.sql(dialect=ctx.dialect)}' in HAVING uses no aggregate: rows are grouped first and "
            "discarded afterwards.",
            location=ctx.locate(part), evidence={"type": "syntax"},
            suggestion="Move it to WHERE so rows are filtered before grouping.",
            verification="read from the parsed tree",
        ))
        return


def _large_offset(ctx: Context, select: exp.Select) -> None:
    offset = select.args.get("offset")
    value = offset.expression if offset is not None else None
    if not (isinstance(value, exp.Literal) and value.is_int and int(value.name) >= LARGE_OFFSET):
        return
    ctx.add(Finding(
        "large_offset", WARNING,
        f"OFFSET {value.name} reads and throws away {int(value.name):,} rows before returning any.",
        location=ctx.locate(offset), evidence={"type": "syntax", "offset": int(value.name)},
        suggestion="Page by key instead: WHERE id > last_seen_id ORDER BY id LIMIT n.",
        verification="read from the parsed tree",
    ))


def _unbounded(ctx: Context) -> None:
    select = ctx.tree
    if any(f.severity == "error" for f in ctx.report.findings):
        return  # a statement that cannot run has no scan to worry about yet
    if not isinstance(select, exp.Select) or select.args.get("limit") or select.args.get("where"):
        return
    if select.args.get("group") or select.args.get("distinct") or select.args.get("having"):
        return
    if any(is_grouping_aggregate(a) for e in select.expressions for a in local_nodes(e, exp.AggFunc)):
        return
    resolver = ctx.notes.get("resolver")
    root = next((s for s in resolver.scopes if s.expression is select), None) if resolver else None
    if root is None:
        return
    sizes = {s.table.name: table_rows(ctx, s.table) for s in resolver.sources(root).values() if s.table}
    largest = max(sizes.items(), key=lambda kv: kv[1] or 0, default=(None, None))
    if largest[1] is None or largest[1] < LARGE_TABLE_ROWS:
        return
    ctx.add(Finding(
        "unbounded_scan", WARNING,
        f"The query has no WHERE and no LIMIT: it reads and returns all {largest[1]:,} rows of {largest[0]}.",
        location=ctx.locate(select), evidence={"type": "schema", "rows": sizes, "relation": largest[0]},
        suggestion="Filter the rows you need, aggregate, or add a LIMIT.",
        verification="table size from the catalog or a COUNT(*)",
        verified=ctx.connector is not None,
    ))
