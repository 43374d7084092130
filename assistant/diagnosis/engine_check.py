"""Pass 3: the engine's own verdict (plain EXPLAIN, which prepares without running).

It confirms the schema findings the engine agrees with, softens the ones it
accepts, and reports what the parser could not see.
"""

from __future__ import annotations

import re

from sqlglot import exp

from assistant.diagnosis.context import Context
from assistant.diagnosis.findings import ERROR, INFO, SCHEMA_KINDS, WARNING, Finding
from connectors.types import ConnectorError, GuardRefusal, QueryTimeout

# Engine messages (SQLite, PostgreSQL, MySQL/MariaDB, DuckDB) by the finding kind they confirm.
_MESSAGE_KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("ambiguous_column", re.compile(r"ambiguous", re.I)),
    ("unknown_table", re.compile(r"no such table|relation .* does not exist|missing FROM-clause|Table .* doesn't exist|"
                                 r"Table with name .* does not exist|invalid reference to FROM-clause", re.I)),
    ("unknown_column", re.compile(r"no such column|column .* does not exist|Unknown column|"
                                  r"Referenced column .* not found|not found in FROM clause", re.I)),
    ("aggregate_in_where", re.compile(r"aggregate functions are not allowed in WHERE|misuse of aggregate|"
                                      r"Invalid use of group function|WHERE clause cannot contain aggregates", re.I)),
    ("group_by", re.compile(r"GROUP BY", re.I)),
    ("type_mismatch", re.compile(r"operator does not exist|invalid input syntax|cannot be matched|"
                                 r"Could not convert|Cannot compare|No function matches", re.I)),
)
_QUOTED = re.compile(r"\"([^\"]+)\"|: ([\w.]+)\s*$|'([^']+)'")


def engine_kind(message: str) -> str:
    for kind, pattern in _MESSAGE_KINDS:
        if pattern.search(message):
            return kind
    return "engine_error"


def check_engine(ctx: Context) -> None:
    if not ctx.can_run:
        return
    try:
        ctx.plan = ctx.connector.explain(ctx.engine_sql)
    except GuardRefusal as refusal:
        ctx.notes["refused"] = refusal
        ctx.add(Finding(
            "refused", WARNING,
            f"The statement guard refused to send this to the database ({refusal.rule}): {refusal.message}. "
            "Only its text was checked.",
            evidence={"type": "guard", "rule": refusal.rule},
            verified=True, verification="the connector's statement guard",
        ))
        return
    except QueryTimeout as timeout:
        ctx.add(Finding("engine_timeout", INFO, f"The engine did not finish planning in time: {timeout}",
                        verification="stopped at the connector's timeout"))
        return
    except ConnectorError as error:
        ctx.engine_error = str(error)
    _reconcile(ctx)


def _reconcile(ctx: Context) -> None:
    static = [f for f in ctx.report.findings if f.kind in SCHEMA_KINDS]
    if ctx.engine_error is None:
        engine = ctx.schema.engine if ctx.schema else ctx.dialect
        for finding in [f for f in static if f.severity == ERROR]:
            if finding.kind == "unknown_column" and ctx.engine_dialect == "sqlite" and _double_quoted(ctx, finding):
                # SQLite's legacy rule: an unknown "name" silently becomes the string 'name'.
                finding.severity = WARNING
                finding.message += " SQLite accepts it only by reading the double-quoted name as a string literal."
                finding.verified = True
                finding.verification = "SQLite accepted the statement, which it does for unknown double-quoted names"
                continue
            # The engine is the authority on its own catalog (e.g. a schema that was not introspected).
            ctx.report.findings.remove(finding)
            ctx.report.notes.append(f"{engine} accepted what the schema check flagged ({finding.kind}: "
                                    f"{finding.message.split('.')[0]}); the finding was withdrawn.")
        return
    message = ctx.engine_error
    kind = engine_kind(message)
    first_line = message.strip().splitlines()[0]
    matching = [f for f in static if f.kind == kind]
    named = _named(message)
    chosen = next((f for f in matching if named and named.lower() in f.message.lower()), None) or (
        matching[0] if matching else None)
    if chosen is not None:
        chosen.severity = ERROR  # the engine refuses it, whatever the dialect's usual leniency
        chosen.verified = True
        chosen.verification = f"the engine rejected the statement: {first_line}"
        chosen.evidence["engine_message"] = first_line
        for other in static:
            if other is not chosen and not other.verified:
                other.verification += "; the engine stops at its first error, so this one is not confirmed"
        return
    ctx.add(Finding(
        kind, ERROR, f"The database rejected the statement: {first_line}",
        location=_locate_named(ctx, named),
        evidence={"type": "engine", "engine_message": first_line},
        suggestion="Fix the part the engine names.",
        verified=True, verification="the engine's own error when asked to plan the statement",
        source="engine",
    ))


def _double_quoted(ctx: Context, finding: Finding) -> bool:
    if finding.location is None:
        return False
    line = ctx.sql.splitlines()[finding.location.line - 1]
    return line[finding.location.column - 1: finding.location.column] == '"'


def _named(message: str) -> str | None:
    match = _QUOTED.search(message)
    if not match:
        return None
    return next(g for g in match.groups() if g)


def _locate_named(ctx: Context, named: str | None):
    if not named or ctx.tree is None:
        return None
    last = named.split(".")[-1].lower()
    for node in ctx.tree.find_all(exp.Identifier):
        if node.name.lower() == last:
            return ctx.locate(node)
    return None
