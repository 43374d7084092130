"""Plain data the connectors hand to the rest of the product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    comment: str | None = None
    primary_key: bool = False
    # Distinct values of a low-cardinality text column (bounded), else None.
    values: list[str] | None = None
    # Non-null rows those values were read from: values that repeat are a
    # category ('active', 'expired'); values that do not are names or free text.
    value_rows: int = 0


@dataclass
class ForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass
class IndexInfo:
    name: str
    columns: list[str]
    unique: bool = False


@dataclass
class TableInfo:
    name: str
    columns: list[ColumnInfo]
    kind: str = "table"  # "table" or "view"
    schema: str | None = None
    comment: str | None = None
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[IndexInfo] = field(default_factory=list)
    row_estimate: int | None = None
    sample_rows: list[list[Any]] = field(default_factory=list)

    def column(self, name: str) -> ColumnInfo | None:
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)


@dataclass
class SchemaInfo:
    dialect: str  # sqlglot dialect name: sqlite, postgres, mysql, duckdb
    engine: str  # human name of the engine, e.g. "SQLite"
    server_version: str
    tables: list[TableInfo]
    fingerprint: str = ""

    def table(self, name: str) -> TableInfo | None:
        lowered = name.lower()
        return next((t for t in self.tables if t.name.lower() == lowered), None)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_s: float
    # The text that actually ran: regenerated from the checked tree, comments dropped.
    sql: str = ""
    # Why the rows were cut when truncated: "rows" (the row cap) or "bytes"
    # (the result's JSON grew past the byte cap); None when nothing was cut.
    truncated_reason: str | None = None


@dataclass
class PlanNode:
    """One step of a query plan, normalised across engines."""

    operation: str
    relation: str | None = None
    index: str | None = None
    est_rows: float | None = None
    est_cost: float | None = None
    # Filled only by explain(analyze=True) where the engine measures them.
    actual_rows: float | None = None
    actual_ms: float | None = None
    detail: str | None = None
    children: list[PlanNode] = field(default_factory=list)

    def walk(self):
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Plan:
    raw: Any  # the engine's own output (parsed JSON where the engine gives JSON)
    root: PlanNode
    analyzed: bool = False
    sql: str = ""  # the statement that was explained, as it ran


class ConnectorError(Exception):
    """The database answered with an error (bad SQL, timeout, lost connection)."""


class QueryTimeout(ConnectorError):
    """The statement ran past its time limit and was cancelled."""


class GuardRefusal(ConnectorError):
    """The statement was refused before it reached the database."""

    def __init__(self, rule: str, message: str):
        super().__init__(f"refused by rule '{rule}': {message}")
        self.rule = rule
        self.message = message
