"""Pass 2: the statement against the live schema.

Unknown tables and columns (with "did you mean"), ambiguous columns, comparisons
of unlike types, and aggregate / GROUP BY mistakes. The engine's own verdict
comes afterwards (engine_check.py) and confirms or contradicts these.
"""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis import sqltypes
from assistant.diagnosis.context import Context, did_you_mean, is_grouping_aggregate, local_nodes
from assistant.diagnosis.findings import ERROR, WARNING, Finding, listed
from assistant.diagnosis.resolve import Ref, Resolver

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)


def check_schema(ctx: Context) -> None:
    if ctx.analysis is None:
        return
    # Scopes are resolved even without a schema: the anti-pattern passes need the query's own aliases.
    resolver = Resolver(ctx.analysis, ctx.schema, ctx.engine_dialect)
    ctx.notes["resolver"] = resolver
    refs = resolver.refs()
    ctx.notes["refs"] = {id(r.column): r for r in refs}
    if ctx.schema is None:
        return
    _unknown_tables(ctx)
    for ref in refs:
        _reference(ctx, ref)
    _type_mismatches(ctx)
    _grouping(ctx, resolver)


def _unknown_tables(ctx: Context) -> None:
    ctes = {c.alias_or_name.lower() for c in ctx.tree.find_all(exp.CTE)}
    names = [t.name for t in ctx.schema.tables]
    for table in ctx.tree.find_all(exp.Table):
        if not table.name or table.name.lower() in ctes or not isinstance(table.this, exp.Identifier):
            continue
        if isinstance(table.parent, (exp.Column,)) or ctx.table(table) is not None:
            continue
        close = did_you_mean(table.name, names)
        hint = f" Did you mean {listed((quoted(c) for c in close), 'or')}?" if close else ""
        shown = ".".join(p for p in (table.db, table.name) if p)
        ctx.add(Finding(
            "unknown_table", ERROR, f"Table '{shown}' does not exist in this database.{hint}",
            location=ctx.locate(table),
            evidence={"type": "schema", "table": table.name, "close_matches": close,
                      "tables": len(ctx.schema.tables)},
            suggestion=f"Use {quoted(close[0])}." if close else "Check the table name against the schema.",
            verification="checked against the introspected schema",
        ))


def _reference(ctx: Context, ref: Ref) -> None:
    column = ref.column
    name = column.sql(dialect=ctx.dialect)
    if ref.status == "unknown_column":
        close = did_you_mean(column.name, ref.candidates)
        hint = f" Did you mean {listed((quoted(c) for c in close), 'or')}?" if close else ""
        owner = (ref.source.table.name if ref.source.table else ref.source.alias) if ref.source else None
        where = f" in '{owner}'" if owner else ""
        ctx.add(Finding(
            "unknown_column", ERROR, f"Column '{name}' does not exist{where}.{hint}",
            location=ctx.locate(column),
            evidence={"type": "schema", "column": column.name, "close_matches": close,
                      "searched": sorted(set(ref.candidates))[:30]},
            suggestion=f"Use {quoted(close[0])}." if close else "Check the column name against the schema.",
            verification="checked against the introspected schema",
        ))
    elif ref.status == "unknown_source":
        ctx.add(Finding(
            "unknown_table", ERROR,
            f"'{column.table}' in '{name}' is not a table or alias of this query.",
            location=ctx.locate(column),
            evidence={"type": "schema", "qualifier": column.table, "aliases": ref.candidates},
            suggestion=_alias_hint(column.table, ref.candidates),
            verification="checked against the tables and aliases of the query",
        ))
    elif ref.status == "ambiguous":
        ctx.add(Finding(
            "ambiguous_column", ERROR,
            f"Column '{name}' is ambiguous: it exists in {listed(ref.candidates)}.",
            location=ctx.locate(column),
            evidence={"type": "schema", "column": column.name, "tables": ref.candidates},
            suggestion=f"Qualify it, e.g. {ref.candidates[0]}.{column.name}.",
            verification="checked against the introspected schema",
        ))


def quoted(name: str) -> str:
    """A name as the messages quote it: 'orders'."""
    return f"'{name}'"


def _alias_hint(qualifier: str, aliases: list[str]) -> str:
    close = did_you_mean(qualifier, aliases)
    if close:
        return f"Use '{close[0]}'."
    return f"Use {listed((quoted(a) for a in aliases), 'or')}." if aliases else "Add the table to FROM."


# -- types -------------------------------------------------------------------


def _side(ctx: Context, node: exp.Expression) -> tuple[str | None, str | None, str]:
    """(family, literal text or None, description) of one side of a comparison."""
    node = node.unnest()
    if isinstance(node, exp.Column):
        ref = ctx.notes["refs"].get(id(node))
        if ref and ref.info:
            table = ref.source.table.name if ref.source and ref.source.table else ""
            return sqltypes.family(ref.info.type), None, f"{table}.{ref.info.name} ({ref.info.type})"
        return None, None, node.sql(dialect=ctx.dialect)
    fam, text = sqltypes.literal_family(node)
    return fam, text, node.sql(dialect=ctx.dialect)


def _type_mismatches(ctx: Context) -> None:
    for node in ctx.analysis.find_all(*_COMPARISONS, exp.In):
        pairs = []
        if isinstance(node, exp.In):
            pairs = [(node.this, item) for item in node.expressions]
        else:
            pairs = [(node.left, node.right)]
        for left, right in pairs:
            problem = _mismatch(ctx, left, right) or _mismatch(ctx, right, left)
            if problem:
                ctx.add(_type_finding(ctx, node, *problem))
                break


def _mismatch(ctx: Context, column_side: exp.Expression, other: exp.Expression):
    if not isinstance(column_side.unnest(), exp.Column):
        return None
    col_family, _, col_text = _side(ctx, column_side)
    other_family, literal, other_text = _side(ctx, other)
    if col_family is None or other_family is None or col_family in (sqltypes.JSON, sqltypes.BINARY):
        return None
    if literal is not None and other_family == sqltypes.TEXT:
        if sqltypes.string_fits(literal, col_family, ctx.engine_dialect):
            return None
        return col_text, other_text, f"the text {other_text} is not a valid {col_family} value"
    if isinstance(other.unnest(), exp.Column):
        if sqltypes.compatible(col_family, other_family, ctx.engine_dialect):
            return None
        return col_text, other_text, f"a {col_family} column is compared with a {other_family} column"
    if sqltypes.compatible(col_family, other_family, ctx.engine_dialect):
        return None
    if ctx.engine_dialect == "sqlite" and col_family == sqltypes.TEXT and other_family == sqltypes.NUMERIC:
        # SQLite converts the number to text for a TEXT column: correct, but the intent is unclear.
        return col_text, other_text, "a text column is compared with a number (SQLite converts the number to text)"
    return col_text, other_text, f"a {col_family} column is compared with a {other_family} value"


def _type_finding(ctx: Context, node: exp.Expression, left: str, right: str, why: str) -> Finding:
    strict = ctx.engine_dialect == "postgres"
    consequence = (
        "PostgreSQL rejects the comparison or the literal." if strict else
        "The engine converts one side implicitly: matches can be missed and an index on the column may not be used."
    )
    return Finding(
        "type_mismatch", ERROR if strict else WARNING,
        f"Type mismatch in '{node.sql(dialect=ctx.dialect)}': {why}. {consequence}",
        location=ctx.locate(node),
        evidence={"type": "schema", "left": left, "right": right},
        suggestion="Compare values of the same type: fix the literal, or join on columns of the same type.",
        verification="types read from the introspected schema",
    )


# -- aggregates and GROUP BY ---------------------------------------------------


def _grouping(ctx: Context, resolver: Resolver) -> None:
    for scope in resolver.scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        where = select.args.get("where")
        aggregates = [a for a in local_nodes(where, exp.AggFunc) if is_grouping_aggregate(a)] if where else []
        if aggregates:
            text = aggregates[0].sql(dialect=ctx.dialect)
            ctx.add(Finding(
                "aggregate_in_where", ERROR,
                f"Aggregate '{text}' is not allowed in WHERE, which filters rows before grouping.",
                location=ctx.locate(aggregates[0]), evidence={"type": "syntax", "aggregate": text},
                suggestion="Move the condition to HAVING (after GROUP BY).",
                verification="read from the parsed tree",
            ))
        _bare_columns(ctx, resolver, scope, select)


def _bare_columns(ctx: Context, resolver: Resolver, scope, select: exp.Select) -> None:
    group = select.args.get("group")
    group_exprs = list(group.expressions) if group else []
    aggregated = any(is_grouping_aggregate(a) for item in select.expressions for a in local_nodes(item, exp.AggFunc))
    if not group_exprs and not aggregated:
        return
    refs = ctx.notes["refs"]
    grouped_sql = {g.sql(dialect=ctx.dialect).lower() for g in group_exprs}
    positions = {int(g.name) for g in group_exprs if isinstance(g, exp.Literal) and g.is_int}
    aliases = {g.name.lower() for g in group_exprs if isinstance(g, exp.Column) and not g.table}
    grouped_cols = set()
    for g in group_exprs:
        for col in local_nodes(g, exp.Column):
            ref = refs.get(id(col))
            if ref and ref.source:
                grouped_cols.add((ref.source.alias, col.name.lower()))
    # A grouped primary key determines every other column of its table.
    whole = {s.alias for s in resolver.sources(scope).values()
             if s.table and s.table.primary_key
             and all((s.alias, k.lower()) in grouped_cols for k in s.table.primary_key)}
    for position, item in enumerate(select.expressions, start=1):
        inner = item.this if isinstance(item, exp.Alias) else item
        if position in positions or inner.sql(dialect=ctx.dialect).lower() in grouped_sql:
            continue
        if isinstance(item, exp.Alias) and item.alias.lower() in aliases:
            continue
        for col in _outside_aggregates(inner):
            ref = refs.get(id(col))
            if ref is None or ref.status not in ("ok",) or ref.source is None:
                continue
            if (ref.source.alias, col.name.lower()) in grouped_cols or ref.source.alias in whole:
                continue
            ctx.add(_group_finding(ctx, col, bool(group_exprs)), col)
            return


def _outside_aggregates(node: exp.Expression):
    for col in local_nodes(node, exp.Column):
        ancestor = col.parent
        inside = False
        while ancestor is not None and ancestor is not node.parent:
            if is_grouping_aggregate(ancestor) or isinstance(ancestor, exp.Window):
                inside = True
                break
            ancestor = ancestor.parent
        if not inside:
            yield col


def _group_finding(ctx: Context, col: exp.Column, has_group: bool) -> Finding:
    name = col.sql(dialect=ctx.dialect)
    what = "is not in GROUP BY" if has_group else "is selected next to an aggregate without GROUP BY"
    strict = ctx.engine_dialect in ("postgres", "duckdb")
    consequence = (
        "The engine rejects this." if strict else
        "The engine returns the value of an arbitrary row of each group (MySQL with ONLY_FULL_GROUP_BY rejects it)."
    )
    return Finding(
        "group_by", ERROR if strict else WARNING,
        f"Column '{name}' {what} and is not aggregated. {consequence}",
        location=ctx.locate(col),
        evidence={"type": "syntax", "column": name},
        suggestion=f"Add {name} to GROUP BY, or aggregate it (MIN({name}), MAX({name}), ...).",
        verification="read from the parsed tree and the schema's primary keys",
    )
