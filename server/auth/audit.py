"""The audit log: every request that reaches a database or the model, append-only.

An entry is opened when a request starts and written once when it ends,
whatever the outcome. Nothing here ever stores a password or a key: a URL
given as `db` is recorded with its password hidden.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from server.metadata.store import AuditRow

MAX_TEXT = 10_000  # a question or statement longer than this is cut in the log


def _redacted_db(db: str | None) -> str | None:
    if db is None or "://" not in db:
        return db
    try:
        return make_url(db).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number, an unclosed '['
        return "(not a valid URL)"


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT]


@dataclass
class AuditEntry:
    """Filled in by the handler as it learns things; written by AuditLog.write."""

    user: str
    route: str
    db: str | None = None
    question: str | None = None
    sql: str | None = None
    rule: str | None = None
    row_count: int | None = None
    outcome: str = "ok"
    detail: str | None = None
    started: float = field(default_factory=time.perf_counter)
    relevant: bool = False  # only requests that reach a database or the model are kept

    def touch(self, *, db: str | None = None, question: str | None = None, sql: str | None = None,
              row_count: int | None = None) -> None:
        self.relevant = True
        if db is not None:
            self.db = db
        if question is not None:
            self.question = question
        if sql is not None:
            self.sql = sql
        if row_count is not None:
            self.row_count = row_count


class AuditLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def write(self, entry: AuditEntry) -> None:
        if not entry.relevant:
            return
        row = AuditRow(user=entry.user, route=entry.route, db=_redacted_db(entry.db),
                       question=_cut(entry.question), sql=_cut(entry.sql), rule=entry.rule,
                       row_count=entry.row_count, outcome=entry.outcome, detail=_cut(entry.detail),
                       duration_ms=round((time.perf_counter() - entry.started) * 1000, 1))
        with Session(self.engine) as session:
            session.add(row)
            session.commit()

    def query(self, *, limit: int = 100, user: str | None = None, db: str | None = None,
              since: datetime | None = None) -> list[dict]:
        """The newest entries first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if user:
            query = query.where(AuditRow.user == user)
        if db:
            query = query.where(AuditRow.db == db)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        with Session(self.engine) as session:
            return [_entry_dict(r) for r in session.scalars(query)]


def _entry_dict(row: AuditRow) -> dict:
    return {"id": row.id, "at": row.at.isoformat(), "user": row.user, "route": row.route, "db": row.db,
            "question": row.question, "sql": row.sql, "rule": row.rule, "row_count": row.row_count,
            "duration_ms": row.duration_ms, "outcome": row.outcome, "detail": row.detail}
