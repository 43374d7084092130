"""Rule-based rewrites, each a tree transformation tied to the finding it answers.

A rule returns a Proposal; nothing here claims equivalence. rewrites.py runs
the original and the proposal on the real data and compares them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from assistant.diagnosis.context import Context, conjuncts, is_grouping_aggregate, local_nodes
from assistant.diagnosis.findings import Location


@dataclass
class Proposal:
    rule: str
    tree: exp.Expression
    why: str
    # When set, a rewrite that changes results is still shown (never as equivalent), with this reason.
    if_different: str | None = None
    source: str = "rules"
    # "speed": offered only when it is cheaper; "correctness": offered when it is not dearer.
    purpose: str = "speed"
    location: Location | None = None


def proposals(ctx: Context) -> list[Proposal]:
    out: list[Proposal] = []
    for finding in ctx.report.findings:
        node = ctx.node_of(finding)
        rule = _RULES.get(finding.kind)
        if rule is None or node is None or not _inside(ctx.tree, node):
            continue
        proposal = rule(ctx, node)
        if proposal is not None:
            proposal.location = finding.location
            out.append(proposal)
    return out


def _inside(tree: exp.Expression, node: exp.Expression) -> bool:
    return node is tree or any(n is node for n in tree.walk())


def _replace(ctx: Context, node: exp.Expression, build) -> exp.Expression | None:
    """A copy of the whole statement with `node` replaced by build(copy_of_node, copy_of_tree)."""
    path = []
    current = node
    while current is not ctx.tree:
        parent = current.parent
        if parent is None:
            return None
        path.append((current.arg_key, current.index))
        current = parent
    tree = ctx.tree.copy()
    target = tree
    for key, index in reversed(path):
        value = target.args[key]
        target = value[index] if isinstance(value, list) else value
    replacement = build(target, tree)
    if replacement is None:
        return None
    if replacement is not target:
        target.replace(replacement)
    return tree


def _outer_qualified(ctx: Context, column: exp.Column) -> exp.Column | None:
    ref = ctx.notes.get("refs", {}).get(id(column))
    if ref is None or ref.source is None:
        return None
    return exp.column(column.name, ref.source.alias, quoted=column.this.quoted or None)


def _single_source(select: exp.Select) -> tuple[exp.Table, str] | None:
    source = select.args.get("from_") or select.args.get("from")
    if source is None or select.args.get("joins") or not isinstance(source.this, exp.Table):
        return None
    return source.this, source.this.alias_or_name


# -- NOT IN (subquery) -> NOT EXISTS ---------------------------------------------


def not_in_to_not_exists(ctx: Context, node: exp.Not) -> Proposal | None:
    outer = node.this.this
    inner = node.this.args["query"].this
    if not isinstance(outer, exp.Column) or not isinstance(inner, exp.Select) or _grouped(inner):
        return None
    qualified = _outer_qualified(ctx, outer)
    single = _single_source(inner)
    selected = inner.expressions[0].unalias() if len(inner.expressions) == 1 else None
    if qualified is None or single is None or not isinstance(selected, exp.Column):
        return None
    table, alias = single

    def build(target, _tree):
        query = target.this.args["query"].this.copy()
        if not table.alias:  # give the inner table a name the outer query cannot shadow
            query.args["from_"].this.set("alias", exp.TableAlias(this=exp.to_identifier("dbgpt_in")))
        inner_alias = query.args["from_"].this.alias_or_name
        match = exp.EQ(this=exp.column(selected.name, inner_alias), expression=qualified.copy())
        query.set("expressions", [exp.Literal.number(1)])
        query.where(match, copy=False)
        return exp.Not(this=exp.Exists(this=query))

    tree = _replace(ctx, node, build)
    return tree and Proposal(
        "not_in_to_not_exists", tree, "NOT EXISTS is not defeated by NULLs in the subquery and plans as an anti-join.",
        if_different="NOT EXISTS ignores the NULLs that make NOT IN return no rows; it returns the rows NOT IN "
                     "was most likely meant to return.", purpose="correctness")


def _grouped(select: exp.Select) -> bool:
    return bool(select.args.get("group") or select.args.get("limit") or select.args.get("having") or any(
        is_grouping_aggregate(a) for e in select.expressions for a in local_nodes(e, exp.AggFunc)))


# -- A OR B -> UNION ALL ------------------------------------------------------------


def or_to_union_all(ctx: Context, node: exp.Or) -> Proposal | None:
    select = ctx.tree
    if not isinstance(select, exp.Select) or node.find_ancestor(exp.Select) is not select or _grouped(select):
        return None
    if select.args.get("distinct") or select.args.get("order") or select.args.get("joins") or select.find(exp.Window):
        return None
    where = select.args.get("where")
    rest = [p for p in conjuncts(where.this if where else None) if p is not node]
    branches = list(node.flatten())
    if len(branches) > 4 or len(rest) + 1 != len(conjuncts(where.this)):
        return None
    parts = []
    for i, branch in enumerate(branches):
        # Earlier branches are excluded so a row matching several is returned once, NULLs included.
        excluded = [exp.Not(this=exp.Paren(this=exp.Is(this=exp.Paren(this=b.copy()), expression=exp.true())))
                    for b in branches[:i]]
        query = select.copy()
        query.set("where", None)
        condition = exp.and_(*[p.copy() for p in rest], branch.copy(), *excluded)
        parts.append(query.where(condition, copy=False))
    tree = parts[0]
    for part in parts[1:]:
        tree = exp.Union(this=tree, expression=part, distinct=False)
    return Proposal("or_to_union_all", tree, "Each branch can use the index on its own column.")


# -- correlated scalar subquery -> LEFT JOIN of a grouped subquery ----------------


def correlated_to_join(ctx: Context, subquery: exp.Subquery) -> Proposal | None:
    outer = ctx.tree
    inner = subquery.this
    if not isinstance(outer, exp.Select) or subquery.find_ancestor(exp.Select) is not outer or _grouped(outer):
        return None
    if not isinstance(inner, exp.Select) or len(inner.expressions) != 1 or inner.args.get("group"):
        return None
    value = inner.expressions[0].unalias()
    if not is_grouping_aggregate(value) or _single_source(inner) is None or isinstance(subquery.parent, exp.Exists):
        return None
    refs = ctx.notes.get("refs", {})
    where = inner.args.get("where")
    link, others = None, []
    for part in conjuncts(where.this if where else None):
        outer_cols = [c for c in part.find_all(exp.Column) if refs.get(id(c)) and refs[id(c)].status == "outer"]
        if not outer_cols:
            others.append(part)
        elif link is None and isinstance(part, exp.EQ) and all(isinstance(s.unnest(), exp.Column) for s in
                                                                (part.left, part.right)) and len(outer_cols) == 1:
            link = part
        else:
            return None
    if link is None:
        return None
    outer_col = next(c for c in link.find_all(exp.Column) if refs[id(c)].status == "outer")
    inner_col = next(c for c in link.find_all(exp.Column) if c is not outer_col)
    qualified = _outer_qualified(ctx, outer_col)
    if qualified is None:
        return None
    grouped = exp.select(exp.alias_(inner_col.copy(), "dbgpt_key"), exp.alias_(value.copy(), "dbgpt_val")).from_(
        inner.args["from_"].this.copy())
    if others:
        grouped = grouped.where(exp.and_(*[o.copy() for o in others]))
    grouped = grouped.group_by(inner_col.copy())
    counted = isinstance(value, exp.Count)

    def build(target, tree):
        joined = exp.column("dbgpt_val", "dbgpt_sq")
        tree.join(exp.Subquery(this=grouped, alias=exp.TableAlias(this=exp.to_identifier("dbgpt_sq"))),
                  on=exp.EQ(this=exp.column("dbgpt_key", "dbgpt_sq"), expression=qualified.copy()),
                  join_type="LEFT", copy=False)
        return exp.Coalesce(this=joined, expressions=[exp.Literal.number(0)]) if counted else joined

    tree = _replace(ctx, subquery, build)
    return tree and Proposal("correlated_to_join", tree,
                             "The aggregate is computed once per key instead of once per outer row.")


# -- UNION -> UNION ALL ---------------------------------------------------------------


def union_to_union_all(ctx: Context, union: exp.Union) -> Proposal | None:
    def build(target, _tree):
        target.set("distinct", False)
        return target

    tree = _replace(ctx, union, build)
    return tree and Proposal("union_to_union_all", tree, "UNION ALL skips the de-duplication sort or hash.")


# -- DISTINCT over a join fan-out -> EXISTS ---------------------------------------------


def distinct_to_exists(ctx: Context, select: exp.Select) -> Proposal | None:
    if select is not ctx.tree:
        return None
    refs = ctx.notes.get("refs", {})

    def aliases(node):
        return {refs[id(c)].source.alias for c in node.find_all(exp.Column)
                if refs.get(id(c)) and refs[id(c)].source} | {c.table for c in node.find_all(exp.Column) if c.table}

    used = set().union(*(aliases(e) for e in select.expressions))
    joins = select.args.get("joins") or []
    movable = [j for j in joins if j.this.alias_or_name not in used and not j.args.get("side")
               and not j.args.get("kind") in ("CROSS",) and j.args.get("on") is not None]
    if not movable or len(movable) != len([j for j in joins if j.this.alias_or_name not in used]):
        return None
    tree = select.copy()
    where = tree.args.get("where")
    remaining = conjuncts(where.this if where else None)
    kept_joins = [j for j in tree.args.get("joins") if j.this.alias_or_name in used]
    moved_names = {j.this.alias_or_name for j in movable}
    exists_parts = []
    for join in [j for j in tree.args.get("joins") if j.this.alias_or_name in moved_names]:
        name = join.this.alias_or_name
        own = [p for p in remaining if name in aliases(p)]
        remaining = [p for p in remaining if p not in own]
        sub = exp.select(exp.Literal.number(1)).from_(join.this.copy()).where(
            exp.and_(join.args["on"].copy(), *[p.copy() for p in own]))
        exists_parts.append(exp.Exists(this=sub))
    if any(moved_names & aliases(p) for p in remaining):
        return None  # a condition ties two moved tables together
    tree.set("joins", kept_joins or None)
    tree.set("where", None)
    tree.where(exp.and_(*[p.copy() for p in remaining], *exists_parts), copy=False)
    return Proposal("distinct_to_exists", tree,
                    "EXISTS stops at the first match instead of producing every joined row and sorting them away.")


# -- a function on an indexed column -> a range on the bare column ------------------------


def function_to_range(ctx: Context, part: exp.Expression) -> Proposal | None:
    if not isinstance(part, (exp.EQ, exp.Between, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        return None
    side = part.this.unnest()
    column, day_of = _date_of(side)
    if column is None:
        return None
    if isinstance(part, exp.Between):
        low, high = _day(part.args.get("low")), _day(part.args.get("high"))
        bounds = low and high and (("GTE", low), ("LT", high + dt.timedelta(days=1)))
    else:
        value = _day(part.expression) if day_of == "day" else _year(part.expression)
        if value is None:
            return None
        step = dt.timedelta(days=1) if day_of == "day" else None
        nxt = value + step if step else value.replace(year=value.year + 1)
        bounds = {"EQ": (("GTE", value), ("LT", nxt)), "GTE": (("GTE", value),), "GT": (("GTE", nxt),),
                  "LT": (("LT", value),), "LTE": (("LT", nxt),)}.get(type(part).__name__)
    if not bounds:
        return None
    ops = {"GTE": exp.GTE, "LT": exp.LT}

    def build(target, _tree):
        bare = target.this.unnest().find(exp.Column).copy()
        pieces = [ops[op](this=bare.copy(), expression=exp.Literal.string(when.isoformat())) for op, when in bounds]
        return exp.Paren(this=exp.and_(*pieces))

    tree = _replace(ctx, part, build)
    return tree and Proposal("function_to_range", tree,
                             "A range on the bare column lets the engine use its index.")


def _date_of(side: exp.Expression) -> tuple[exp.Column | None, str]:
    if isinstance(side, (exp.Date, exp.TsOrDsToDate)) or (
            isinstance(side, exp.Cast) and side.to.this == exp.DataType.Type.DATE):
        inner = side.this
        return (inner if isinstance(inner, exp.Column) else None), "day"
    if isinstance(side, exp.TimestampTrunc) and side.text("unit").upper() == "DAY":
        return (side.this if isinstance(side.this, exp.Column) else None), "day"
    if isinstance(side, exp.Year) or (isinstance(side, exp.Extract) and side.this.name.upper() == "YEAR"):
        inner = side.this if isinstance(side, exp.Year) else side.expression
        column = inner.find(exp.Column) if inner is not None else None
        return column, "year"
    if isinstance(side, exp.TimeToStr) and side.text("format") == "%Y":
        return side.this.find(exp.Column), "year"
    return None, ""


def _day(node: exp.Expression | None) -> dt.date | None:
    if isinstance(node, exp.Cast):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return dt.date.fromisoformat(node.name.strip())
        except ValueError:
            return None
    return None


def _year(node: exp.Expression | None) -> dt.date | None:
    if isinstance(node, exp.Literal) and node.name.strip().isdigit() and len(node.name.strip()) == 4:
        return dt.date(int(node.name), 1, 1)
    return None


_RULES = {
    "not_in_nullable": not_in_to_not_exists,
    "or_across_columns": or_to_union_all,
    "correlated_subquery": correlated_to_join,
    "union_not_all": union_to_union_all,
    "distinct_join_fanout": distinct_to_exists,
    "function_on_indexed_column": function_to_range,
}
