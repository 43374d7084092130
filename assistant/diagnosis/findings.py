"""What a diagnosis reports: findings with their evidence and how they were checked."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}

# Families of finding kinds; the benchmark and the summary group by them.
INPUT_KINDS = frozenset({"empty", "not_sql", "syntax_error", "multiple_statements", "write_statement", "not_a_query",
                         "placeholders"})
SCHEMA_KINDS = frozenset(
    {"unknown_table", "unknown_column", "ambiguous_column", "type_mismatch", "group_by",
     "aggregate_in_where", "engine_error"}
)
PLAN_KINDS = frozenset({"full_scan", "join_without_index", "temp_sort", "nested_loop_large", "cartesian_plan"})
ADVICE_KINDS = frozenset({"index_suggestion", "rewrite_suggestion"})

# Within one severity, what a reader should see first: a statement that cannot run, then results that
# are wrong or explode (a missing join condition pairs every row with every row), then work wasted
# reading rows, then style. A kind not listed here sorts with style.
KIND_TIERS = (
    INPUT_KINDS | SCHEMA_KINDS | {"refused", "engine_timeout"},
    frozenset({"cartesian_join", "null_comparison", "not_in_nullable", "write_without_where", "nested_loop_large"}),
    frozenset({"full_scan", "join_without_index", "unbounded_scan", "function_on_indexed_column",
               "leading_wildcard_like", "or_across_columns", "correlated_subquery", "order_by_random",
               "distinct_join_fanout", "large_offset", "temp_sort"}),
    frozenset({"comma_join", "select_star_join", "union_not_all", "having_without_aggregate"}),
)
# Every kind a diagnosis reports.
KINDS = frozenset().union(*KIND_TIERS) | ADVICE_KINDS


@dataclass
class Location:
    line: int
    column: int


@dataclass
class Finding:
    kind: str
    severity: str
    message: str
    location: Location | None = None
    # The plan node, schema fact, engine message or result that supports it.
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestion: str | None = None
    # True only when the database itself confirmed it (plan, engine error, results).
    verified: bool = False
    verification: str = ""
    # The statement behind an advice item (CREATE INDEX ..., or the rewritten query).
    sql: str | None = None
    source: str = "rules"  # "rules" or "model": who proposed it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kind_rank(kind: str) -> int:
    return next((i for i, tier in enumerate(KIND_TIERS) if kind in tier), len(KIND_TIERS) - 1)


def reading_order(finding: Finding) -> tuple:
    """Problems before advice; errors, then warnings, then the rest; within a severity by kind
    (a missing join condition before a full scan before style), then by position in the text."""
    where = (finding.location.line, finding.location.column) if finding.location else (10**9, 0)
    return (finding.kind in ADVICE_KINDS, SEVERITY_RANK.get(finding.severity, 3), kind_rank(finding.kind), where)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """"1 problem", "3 problems", "2 indexes" (with plural="indexes")."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def listed(items, conjunction: str = "and") -> str:
    """Items as a sentence says them: "a", "a and b", "a, b and c"."""
    words = [str(i) for i in items]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


@dataclass
class Report:
    sql: str
    dialect: str
    findings: list[Finding] = field(default_factory=list)
    summary: str = ""
    summary_source: str = "rules"  # "model" when the model wrote it and it passed the grounding check
    statement: str | None = None  # the kind of statement: select, insert, ...
    executed: bool = False  # whether anything of the user's statement reached the engine
    timings: dict[str, float] = field(default_factory=dict)
    # What was tried and left out, in plain words (e.g. candidate indexes the engine ignored).
    notes: list[str] = field(default_factory=list)

    def add(self, finding: Finding) -> Finding:
        self.findings.append(finding)
        return finding

    def kinds(self) -> set[str]:
        return {f.kind for f in self.findings}

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def sort(self) -> None:
        self.findings.sort(key=reading_order)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "dialect": self.dialect,
            "statement": self.statement,
            "executed": self.executed,
            "summary": self.summary,
            "summary_source": self.summary_source,
            "findings": [f.to_dict() for f in self.findings],
            "notes": self.notes,
            "timings": self.timings,
        }
