"""Pass 7: candidate indexes from the predicates, joins and ORDER BY, each tried by the engine.

Only a candidate the engine uses, and that lowers the plan's cost (or SQLite's
work), is reported as verified. Candidates the engine ignores are dropped;
those the engine cannot try are shown unverified with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from assistant.diagnosis.context import Context
from assistant.diagnosis.dialect_sql import NotInDialect, render
from assistant.diagnosis.findings import INFO, WARNING, Finding, counted
from assistant.diagnosis.index_trials import Trial, run_trials
from assistant.diagnosis.predicates import column_table, predicate_parts, wrapped_column
from assistant.diagnosis.sizes import INDEX_WORTH_ROWS, table_rows
from connectors.types import TableInfo

MAX_CANDIDATES = 5
_RANGES = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between)


@dataclass
class Candidate:
    table: TableInfo
    keys: list[exp.Expression]  # columns or expressions, in index order
    reason: str
    anchor: exp.Expression | None = None  # where in the query it comes from
    trial: Trial | None = None

    @property
    def names(self) -> list[str]:
        """The keys as the index would hold them, to compare candidates (not to show)."""
        return [k.name if isinstance(k, exp.Column) else _bare(k).sql() for k in self.keys]

    def shown(self, dialect: str) -> str:
        """The keys as the dialect writes them: "created_at", "STRFTIME('%Y', created_at)"."""
        return ", ".join(k.name if isinstance(k, exp.Column) else render(_bare(k), dialect) for k in self.keys)

    def ddl(self, dialect: str, name: str | None = None) -> str:
        columns = [_bare(k) for k in self.keys]
        label = name or "idx_" + "_".join([self.table.name] + [_slug(k) for k in self.keys])
        table = exp.Table(this=exp.to_identifier(self.table.name),
                          db=exp.to_identifier(self.table.schema) if self.table.schema else None)
        index = exp.Index(this=exp.to_identifier(label[:63]), table=table,
                          params=exp.IndexParameters(columns=columns))
        return render(exp.Create(this=index, kind="INDEX"), dialect, identify=True)


def _bare(key: exp.Expression) -> exp.Expression:
    """The key without table qualifiers: index definitions name columns of their own table."""
    copy = key.copy()
    for column in list(copy.find_all(exp.Column)):
        column.set("table", None)
    return copy.unnest() if isinstance(copy, exp.Paren) else copy


def _slug(key: exp.Expression) -> str:
    return "_".join(c.name for c in key.find_all(exp.Column)) if not isinstance(key, exp.Column) else key.name


@dataclass
class _Uses:
    eq: list[exp.Column] = field(default_factory=list)
    ranges: list[exp.Column] = field(default_factory=list)
    joins: list[exp.Column] = field(default_factory=list)
    expressions: list[exp.Expression] = field(default_factory=list)
    order: list[exp.Column] = field(default_factory=list)


def candidates(ctx: Context) -> list[Candidate]:
    uses: dict[str, tuple[TableInfo, _Uses]] = {}

    def slot(column: exp.Column) -> _Uses | None:
        table, _alias = column_table(ctx, column)
        if table is None or table.kind != "table":
            return None
        return uses.setdefault(table.name.lower(), (table, _Uses()))[1]

    for select in ctx.tree.find_all(exp.Select):
        for part in predicate_parts(select):
            _classify(ctx, part, slot)
        order = select.args.get("order")
        if order is not None and select.args.get("limit") is not None:
            columns = [o.this for o in order.expressions if isinstance(o.this, exp.Column)]
            if columns and len(columns) == len(order.expressions):
                for column in columns:
                    entry = slot(column)
                    if entry is not None:
                        entry.order.append(column)
    out: list[Candidate] = []
    for table, use in uses.values():
        rows = table_rows(ctx, table)
        if rows is None or rows < INDEX_WORTH_ROWS:
            continue
        eq = _unique(use.eq)
        tail = _unique(use.ranges)[:1] or _unique(use.order)[:1]
        if eq or tail:
            out.append(Candidate(table, (eq + [c for c in tail if c.name not in {e.name for e in eq}])[:4],
                                 "filter" if eq or use.ranges else "order", (eq + tail)[0]))
        if use.order and eq and not use.ranges:
            out.append(Candidate(table, eq + _unique(use.order)[:1], "filter and order", eq[0]))
        for column in _unique(use.joins):
            out.append(Candidate(table, [column], "join", column))
        for wrapped in use.expressions[:1]:
            if ctx.engine_dialect in ("postgres", "sqlite"):
                out.append(Candidate(table, [wrapped], "expression", wrapped))
    return [c for c in _dedupe(out) if not _covered(c)][:MAX_CANDIDATES]


def _classify(ctx: Context, part: exp.Expression, slot) -> None:
    def constant(node: exp.Expression | None) -> bool:
        return node is not None and not node.find(exp.Column) and not node.find(exp.Query)

    if isinstance(part, exp.EQ):
        left, right = part.left.unnest(), part.right.unnest()
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            if column_table(ctx, left)[1] != column_table(ctx, right)[1]:
                for column in (left, right):
                    entry = slot(column)
                    if entry is not None:
                        entry.joins.append(column)
            return
        for column, other in ((left, right), (right, left)):
            if isinstance(column, exp.Column) and constant(other):
                entry = slot(column)
                if entry is not None:
                    entry.eq.append(column)
                return
        for side, other in ((left, right), (right, left)):
            inner = wrapped_column(side)
            if inner is not None and constant(other) and isinstance(side, exp.Func):
                entry = slot(inner)
                if entry is not None:
                    entry.expressions.append(side)
                return
    elif isinstance(part, exp.In) and isinstance(part.this, exp.Column) and part.expressions and all(
            constant(e) for e in part.expressions):
        entry = slot(part.this)
        if entry is not None:
            entry.eq.append(part.this)
    elif isinstance(part, exp.Is) and isinstance(part.this, exp.Column):
        entry = slot(part.this)
        if entry is not None:
            entry.eq.append(part.this)
    elif isinstance(part, _RANGES) or (isinstance(part, exp.Like) and isinstance(part.expression, exp.Literal)
                                       and not part.expression.name.startswith(("%", "_"))):
        column = part.this if isinstance(part.this, exp.Column) else None
        if column is None and isinstance(part, _RANGES[:4]) and isinstance(part.expression, exp.Column):
            column = part.expression
        if column is not None:
            entry = slot(column)
            if entry is not None:
                entry.ranges.append(column)


def _unique(columns: list[exp.Column]) -> list[exp.Column]:
    seen, out = set(), []
    for column in columns:
        if column.name.lower() not in seen:
            seen.add(column.name.lower())
            out.append(column)
    return out


def _dedupe(found: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    for candidate in found:
        key = (candidate.table.name.lower(), tuple(n.lower() for n in candidate.names))
        if key not in seen:
            seen.add(key)
            out.append(candidate)
    return out


def _covered(candidate: Candidate) -> bool:
    """An existing index (or the primary key) already starts with these columns."""
    wanted = [n.lower() for n in candidate.names]
    existing = [[c.lower() for c in i.columns] for i in candidate.table.indexes]
    existing.append([c.lower() for c in candidate.table.primary_key])
    return any(cols[: len(wanted)] == wanted for cols in existing if cols)


def advise_indexes(ctx: Context) -> None:
    # DuckDB reads columns in row groups skipped by min/max; its ART indexes serve constraints and
    # point lookups, not the scans and joins this advice is about.
    if ctx.tree is None or ctx.schema is None or ctx.engine_dialect == "duckdb":
        return
    found = [c for c in candidates(ctx) if _writable(ctx, c)]
    if not found:
        return
    run_trials(ctx, found)
    dropped, helped = [], set()
    for candidate in found:
        trial = candidate.trial
        if trial is None:
            continue
        verdict = trial.verdict()
        if verdict == "dropped":
            dropped.append(candidate)
            continue
        if verdict == "verified":
            helped.add(candidate.table.name.lower())
        ctx.add(_finding(ctx, candidate, trial))
    if dropped:
        one = len(dropped) == 1
        ctx.report.notes.append(f"{counted(len(dropped), 'candidate index', 'candidate indexes')} "
                                f"{'was' if one else 'were'} tried by the engine and dropped: the plan did not use "
                                f"{'it' if one else 'them'} or did not get cheaper.")
    _scans_that_are_best(ctx, {c.table.name.lower() for c in dropped} - helped)


def _writable(ctx: Context, candidate: Candidate) -> bool:
    try:
        candidate.ddl(ctx.engine_dialect)
        candidate.shown(ctx.engine_dialect)
    except NotInDialect as error:
        ctx.report.notes.append(f"An index on {candidate.table.name} was not tried: {error}.")
        return False
    return True


def _scans_that_are_best(ctx: Context, tables: set[str]) -> None:
    """A full scan no index could improve (the filter keeps most rows) is the right plan, not a problem."""
    for finding in ctx.report.findings:
        if finding.kind == "full_scan" and str(finding.evidence.get("relation", "")).lower() in tables:
            finding.severity = INFO
            finding.verification += ("; an index on the filtered columns was tried and did not make the plan "
                                     "cheaper, so scanning is the engine's best plan here")


def _finding(ctx: Context, candidate: Candidate, trial: Trial) -> Finding:
    target = f"{candidate.table.name} ({candidate.shown(ctx.engine_dialect)})"
    verified = trial.verdict() == "verified"
    if verified:
        message = (f"An index on {target} is used by the engine and cuts the {trial.metric} from "
                   f"{trial.before:,.0f} to {trial.after:,.0f} ({trial.gain:+.0%}).")
    elif trial.tried:
        message = (f"An index on {target} is used by the engine, which expects the {trial.metric} to go from "
                   f"{trial.before:,.0f} to {trial.after:,.0f} ({trial.gain:+.0%}); not proven to help.")
    else:
        message = f"An index on {target} may help this query ({candidate.reason}); the engine could not try it."
    return Finding(
        "index_suggestion", WARNING if verified else INFO, message,
        location=ctx.locate(candidate.anchor),
        evidence={"type": "plan", "metric": trial.metric, "before": trial.before, "after": trial.after,
                  "seconds_before": trial.seconds_before, "seconds_after": trial.seconds_after,
                  "plan_before": trial.plan_before, "plan_after": trial.plan_after, "method": trial.method},
        suggestion=f"Create it: {candidate.ddl(ctx.engine_dialect)}",
        verified=verified, verification=trial.note,
        sql=candidate.ddl(ctx.engine_dialect),
    )
