"""Pass 6: findings whose truth depends on the data, checked by small read-only queries.

NOT IN over a nullable column: does the subquery return NULL today?
Bare columns beside GROUP BY: do their values differ within a group?
DISTINCT over a join: does the join really multiply rows?
UNION: are there duplicates for it to remove?
"""

from __future__ import annotations

from sqlglot import exp

from assistant.diagnosis.context import Context
from assistant.diagnosis.findings import INFO, Finding, counted
from connectors.types import ConnectorError, QueryTimeout


def verify_facts(ctx: Context) -> None:
    checks = {"not_in_nullable": _nulls_in_subquery, "group_by": _varies_in_group,
              "distinct_join_fanout": _fan_out, "union_not_all": _duplicates}
    for finding in list(ctx.report.findings):
        check = checks.get(finding.kind)
        node = ctx.node_of(finding)
        if check is None or node is None or finding.verified:
            continue
        try:
            check(ctx, finding, node)
        except QueryTimeout:
            finding.verification += "; the data check was stopped at the connector's timeout (unverified)"
        except ConnectorError as error:
            finding.verification += f"; the data check failed: {str(error).splitlines()[0]}"


def _scalar(ctx: Context, query: exp.Expression):
    result = ctx.connector.run(query.sql(dialect=ctx.engine_dialect), row_limit=1, timeout_s=ctx.timeout_s)
    return result.rows[0][0] if result.rows else None


def _standalone(ctx: Context, node: exp.Expression) -> bool:
    """True when the part can run on its own (it does not refer to an outer query)."""
    refs = ctx.notes.get("refs", {})
    return not any(refs.get(id(c)) is not None and refs[id(c)].status == "outer" for c in node.find_all(exp.Column))


def _count_of(query: exp.Expression) -> exp.Select:
    return exp.select(exp.Count(this=exp.Star())).from_(exp.Subquery(this=query, alias=exp.TableAlias(
        this=exp.to_identifier("dbgpt_q"))))


def _nulls_in_subquery(ctx: Context, finding: Finding, node: exp.Not) -> None:
    inner = node.this.args["query"].this
    if not _standalone(ctx, inner):
        return
    selected = inner.expressions[0]
    probe = inner.copy()
    probe.set("expressions", [exp.alias_(selected.unalias().copy(), "dbgpt_v")])
    query = exp.select(exp.Count(this=exp.Star())).from_(
        exp.Subquery(this=probe, alias=exp.TableAlias(this=exp.to_identifier("dbgpt_q")))
    ).where(exp.column("dbgpt_v", "dbgpt_q").is_(exp.null()))
    nulls = _scalar(ctx, query)
    finding.evidence["null_rows_in_subquery"] = nulls
    if nulls:
        finding.verified = True
        finding.verification = (f"the subquery returns {counted(nulls, 'NULL value')} on your data, so this NOT IN "
                                "returns no rows at all")
    else:
        finding.severity = INFO
        finding.verification = "the subquery returns no NULL today; the column still allows one"


def _varies_in_group(ctx: Context, finding: Finding, column: exp.Column) -> None:
    select = column.find_ancestor(exp.Select)
    if select is None or select is not ctx.tree or ctx.engine_dialect in ("postgres", "duckdb"):
        return
    probe = select.copy()
    for key in ("order", "limit", "offset", "distinct", "having"):
        probe.set(key, None)
    probe.set("expressions", [exp.Literal.number(1)])
    distinct = exp.Count(this=exp.Distinct(expressions=[column.copy()]))
    probe.set("having", exp.Having(this=exp.GT(this=distinct, expression=exp.Literal.number(1))))
    probe.set("limit", exp.Limit(expression=exp.Literal.number(1)))
    result = ctx.connector.run(probe.sql(dialect=ctx.engine_dialect), row_limit=1, timeout_s=ctx.timeout_s)
    if result.rows:
        finding.verified = True
        finding.verification = (f"on your data {column.sql(dialect=ctx.dialect)} takes different values within "
                                "one group, so the value returned is arbitrary")
    else:
        finding.severity = INFO
        finding.verification = f"{column.sql(dialect=ctx.dialect)} is constant within each group on your data today"


def _fan_out(ctx: Context, finding: Finding, select: exp.Select) -> None:
    if select is not ctx.tree:
        return
    plain = select.copy()
    plain.set("distinct", None)
    with_join, deduplicated = _scalar(ctx, _count_of(plain)), _scalar(ctx, _count_of(select.copy()))
    finding.evidence.update({"rows_before_distinct": with_join, "rows_after_distinct": deduplicated})
    if with_join is not None and deduplicated is not None and with_join > deduplicated:
        finding.verified = True
        finding.verification = (f"the join produces {with_join:,} rows and DISTINCT reduces them to "
                                f"{deduplicated:,} on your data")
    else:
        finding.severity = INFO
        finding.verification = "the join does not multiply rows on your data today"


def _duplicates(ctx: Context, finding: Finding, union: exp.Union) -> None:
    if not _standalone(ctx, union) or union is not ctx.tree:
        return
    every = union.copy()
    every.set("distinct", False)
    for key in ("order", "limit", "offset"):
        every.set(key, None)
    distinct = union.copy()
    for key in ("order", "limit", "offset"):
        distinct.set(key, None)
    total, unique = _scalar(ctx, _count_of(every)), _scalar(ctx, _count_of(distinct))
    finding.evidence.update({"union_all_rows": total, "union_rows": unique})
    if total is not None and total == unique:
        finding.verified = True
        finding.verification = f"on your data there are no duplicates to remove: both return {total:,} rows"
    else:
        finding.severity = INFO
        finding.message = (f"UNION removes {counted(total - unique, 'duplicate row')} here (of {total:,}); keep it if "
                           "that is intended.") if total is not None and unique is not None else finding.message
        finding.verification = "counted on your data: UNION does remove duplicates"
