"""Pass 4a: anti-patterns inside predicates, read from the syntax tree.

Functions on indexed columns, leading-wildcard LIKE, OR across columns,
comparisons with NULL and NOT IN over a nullable subquery.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis.context import Context, conjuncts, local_nodes
from assistant.diagnosis.findings import INFO, WARNING, Finding
from assistant.diagnosis.sizes import is_large, table_rows
from connectors.types import TableInfo

_SARGABLE = (exp.EQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike, exp.In, exp.Between)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.DPipe)


def check_predicates(ctx: Context) -> None:
    if ctx.analysis is None:
        return
    for select in ctx.analysis.find_all(exp.Select):
        parts = predicate_parts(select)
        for part in parts:
            _wrapped_indexed_column(ctx, part)
        for like in local_nodes(select, (exp.Like, exp.ILike)):
            _leading_wildcard(ctx, like)
        where = select.args.get("where")
        for part in conjuncts(where.this if where else None):
            if isinstance(part, exp.Or):
                _or_across_columns(ctx, part)
    for node in ctx.analysis.find_all(exp.EQ, exp.NEQ, exp.In):
        _null_comparison(ctx, node)
    for node in ctx.analysis.find_all(exp.Not):
        if isinstance(node.this, exp.In) and isinstance(node.this.args.get("query"), exp.Subquery):
            _not_in_nullable(ctx, node)


def predicate_parts(select: exp.Expression) -> list[exp.Expression]:
    """The AND-ed conditions of WHERE and of every JOIN ... ON of this query."""
    where = select.args.get("where")
    parts = conjuncts(where.this if where else None)
    for join in select.args.get("joins") or []:
        parts += conjuncts(join.args.get("on"))
    return parts


def column_table(ctx: Context, column: exp.Column) -> tuple[TableInfo | None, str | None]:
    """The schema table a column reference belongs to, and its alias in the query."""
    ref = ctx.notes.get("refs", {}).get(id(column))
    if ref and ref.source and ref.source.table is not None:
        return ref.source.table, ref.source.alias
    return None, None


def leading_index(table: TableInfo, column: str) -> str | None:
    """The name of an index (or primary key) whose first column is this column."""
    lowered = column.lower()
    if table.primary_key and table.primary_key[0].lower() == lowered:
        return "PRIMARY KEY"
    for index in table.indexes:
        if index.columns and index.columns[0].lower() == lowered:
            return index.name
    return None


def wrapped_column(side: exp.Expression) -> exp.Column | None:
    """The one column under a function, cast or arithmetic: lower(email), created_at + 1."""
    side = side.unnest()
    if isinstance(side, exp.Column) or side.find(exp.Query, exp.Subquery):
        return None
    if isinstance(side, exp.AggFunc) or not isinstance(side, (exp.Func, *_ARITHMETIC)):
        return None
    columns = list(side.find_all(exp.Column))
    return columns[0] if len(columns) == 1 else None


def function_name(node: exp.Expression, dialect: str) -> str:
    """The function's name as the dialect writes it (sqlglot's own class names are not the user's)."""
    return node.sql(dialect=dialect).split("(")[0].strip().lower()


def _sides(part: exp.Expression) -> list[tuple[exp.Expression, list[exp.Expression]]]:
    if isinstance(part, exp.In):
        return [(part.this, list(part.expressions))]
    if isinstance(part, exp.Between):
        return [(part.this, [part.args.get("low"), part.args.get("high")])]
    if isinstance(part, _SARGABLE):
        return [(part.left, [part.right]), (part.right, [part.left])]
    return []


def _wrapped_indexed_column(ctx: Context, part: exp.Expression) -> None:
    for side, others in _sides(part):
        column = wrapped_column(side)
        if column is None:
            continue
        table, alias = column_table(ctx, column)
        if table is None:
            continue
        if any(o is not None and any(column_table(ctx, c)[1] == alias for c in o.find_all(exp.Column)) for o in others):
            continue
        index = leading_index(table, column.name)
        if index is None:
            continue
        wrapper = side.unnest()
        what = "a cast" if isinstance(wrapper, exp.Cast) else (
            "arithmetic" if isinstance(wrapper, _ARITHMETIC) else f"function {function_name(wrapper, ctx.dialect)}()")
        ctx.add(Finding(
            "function_on_indexed_column", WARNING,
            f"'{wrapper.sql(dialect=ctx.dialect)}' applies {what} to the indexed column {alias}.{column.name}, "
            f"so the index {index} cannot be used to find the rows.",
            location=ctx.locate(wrapper),
            evidence={"type": "schema", "relation": table.name, "alias": alias, "column": column.name,
                      "index": index, "rows": table_rows(ctx, table)},
            suggestion="Compare the bare column with a transformed value (e.g. a date range instead of date(col)), "
                       "or index the expression itself.",
            verification="index read from the introspected schema",
        ), part)
        return


def _leading_wildcard(ctx: Context, like: exp.Expression) -> None:
    pattern = like.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string and pattern.name[:1] in ("%", "_")):
        return
    if not isinstance(like.this.unnest(), exp.Column) or like.find_ancestor(exp.Not):
        return
    table, alias = column_table(ctx, like.this.unnest())
    large = is_large(ctx, table)
    ctx.add(Finding(
        "leading_wildcard_like", WARNING if large or table is None else INFO,
        f"'{like.sql(dialect=ctx.dialect)}' starts with a wildcard: no ordinary index can find the matches, "
        "so every row is read and tested.",
        location=ctx.locate(like),
        evidence={"type": "syntax", "pattern": pattern.name, "relation": table.name if table else None,
                  "alias": alias, "rows": table_rows(ctx, table)},
        suggestion="Anchor the pattern at the start ('abc%') if you can; otherwise use full-text search "
                   "(PostgreSQL pg_trgm, SQLite FTS5).",
        verification="read from the parsed tree",
    ))


def _or_across_columns(ctx: Context, node: exp.Or) -> None:
    branches = list(node.flatten()) if hasattr(node, "flatten") else [node.left, node.right]
    columns = []
    for branch in branches:
        names = {(c.table.lower(), c.name.lower()) for c in branch.find_all(exp.Column)}
        if not names or branch.find(exp.Subquery):
            return
        columns.append(frozenset(names))
    if len(set(columns)) < 2:
        return
    first = next(node.find_all(exp.Column))
    table, alias = column_table(ctx, first)
    ctx.add(Finding(
        "or_across_columns", WARNING if is_large(ctx, table) else INFO,
        f"'{node.sql(dialect=ctx.dialect)}' ORs conditions on different columns; one index cannot serve both, "
        "so engines often fall back to a full scan.",
        location=ctx.locate(node),
        evidence={"type": "syntax", "columns": sorted({".".join(filter(None, n)) for s in columns for n in s}),
                  "relation": table.name if table else None, "alias": alias, "rows": table_rows(ctx, table)},
        suggestion="Split it into a UNION ALL of one query per condition (each can use its own index).",
        verification="read from the parsed tree",
    ), node)


def _null_comparison(ctx: Context, node: exp.Expression) -> None:
    if isinstance(node, exp.In):
        if not any(isinstance(e, exp.Null) for e in node.expressions) or not isinstance(node.parent, exp.Not):
            return
        text = node.parent.sql(dialect=ctx.dialect)
        why = "NOT IN a list holding NULL is never true: it returns no rows."
        located = node.parent
    else:
        if not (isinstance(node.left, exp.Null) or isinstance(node.right, exp.Null)):
            return
        text = node.sql(dialect=ctx.dialect)
        why = "a comparison with NULL is never true (it is unknown), so it matches no rows."
        located = node
    ctx.add(Finding(
        "null_comparison", WARNING, f"'{text}': {why}",
        location=ctx.locate(located),
        evidence={"type": "syntax", "expression": text},
        suggestion="Use IS NULL / IS NOT NULL, and keep NULL out of NOT IN lists.",
        verified=True, verification="SQL's three-valued logic: true by the standard, in every engine",
    ))


def _not_in_nullable(ctx: Context, node: exp.Not) -> None:
    inner = node.this.args["query"].this
    if not isinstance(inner, exp.Select) or len(inner.expressions) != 1:
        return
    selected = inner.expressions[0].unalias()
    if not isinstance(selected, exp.Column):
        return
    ref = ctx.notes.get("refs", {}).get(id(selected))
    if ref is None or ref.info is None:
        return
    table = ref.source.table if ref.source else None
    if not ref.info.nullable or (table and [k.lower() for k in table.primary_key] == [selected.name.lower()]):
        return
    where = inner.args.get("where")
    for part in conjuncts(where.this if where else None):
        if isinstance(part, exp.Not) and isinstance(part.this, exp.Is) and \
                isinstance(part.this.this, exp.Column) and part.this.this.name.lower() == selected.name.lower():
            return
    ctx.add(Finding(
        "not_in_nullable", WARNING,
        f"NOT IN over '{selected.sql(dialect=ctx.dialect)}', which allows NULL: if the subquery returns a single "
        "NULL, NOT IN is never true and the query returns no rows.",
        location=ctx.locate(node),
        evidence={"type": "schema", "column": f"{table.name if table else ''}.{ref.info.name}", "nullable": True,
                  "subquery": inner.sql(dialect=ctx.dialect)},
        suggestion="Use NOT EXISTS (correlated on the column), or filter the subquery with IS NOT NULL.",
        verification="nullability read from the introspected schema",
    ), node)
