"""Conversations that last: each user's own, in the metadata database.

Every route that takes a `conversation_id` reads its earlier turns from here
(the model sees a bounded number of them) and adds its turn here; the
conversation routes list, read, rename and delete them. Another user's id
names nothing: every read and write is by (owner, id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from assistant.router.rules import chart_request
from assistant.sqlgen.follow_up import Turn
from server.metadata.conversations import ConversationRow, TurnRow
from server.metadata.store import utcnow

TITLE_CHARS = 80
# The parts of a diagnosis (its `done`) beyond summary and SQL that its view draws.
DETAILS = ("findings", "summary_source", "notes", "dialect", "statement")


@dataclass
class StoredTurn:
    """What one answer showed, as a turn keeps it."""

    message: str
    skill: str
    db: str | None = None
    answer: str | None = None
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    row_count: int | None = None
    chart: dict | None = None
    citations: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: dict | None = None
    details: dict | None = None

    @classmethod
    def from_done(cls, message: str, skill: str, db: str | None, done: dict[str, Any] | None,
                  error: dict | None = None) -> "StoredTurn":
        """A turn from a skill's `done` data (the whole answer its route streams last)."""
        done = done or {}
        rows = done.get("rows") or []
        return cls(message=message, skill=skill, db=db,
                   answer=done.get("answer") or done.get("summary") or done.get("explanation") or None,
                   sql=done.get("sql"), columns=list(done.get("columns") or []), rows=rows,
                   row_count=len(rows) if "rows" in done else None, chart=done.get("chart"),
                   citations=list(done.get("citations") or []), timings=dict(done.get("timings") or {}),
                   warnings=list(done.get("warnings") or []), error=done.get("error") or error,
                   details={k: done[k] for k in DETAILS if k in done} or None)


def new_id() -> str:
    return uuid.uuid4().hex


def title_of(message: str) -> str:
    words = " ".join(message.split())
    return words if len(words) <= TITLE_CHARS else words[:TITLE_CHARS - 1].rstrip() + "…"


def _turn_dict(row: TurnRow) -> dict[str, Any]:
    return {"n": row.n, "created_at": row.created_at, "message": row.message, "skill": row.skill, "db": row.db,
            "answer": row.answer, "sql": row.sql, "columns": row.columns or [], "rows": row.rows or [],
            "row_count": row.row_count, "chart": row.chart, "citations": row.citations or [],
            "timings": row.timings or {}, "warnings": row.warnings or [], "error": row.error,
            "details": row.details, "feedback": row.feedback}


def _summary(row: ConversationRow, turns: int) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "created_at": row.created_at, "updated_at": row.updated_at,
            "turns": turns}


class Conversations:
    """Synchronous (SQLite); routes call it through asyncio.to_thread."""

    def __init__(self, engine: Engine, max_turns: int = 4, max_rows: int = 20):
        self.engine = engine
        self.max_turns = max_turns  # earlier turns the model sees
        self.max_rows = max_rows  # rows a turn keeps

    def _find(self, session: Session, owner: str, conversation_id: str) -> ConversationRow | None:
        return session.scalar(select(ConversationRow).where(ConversationRow.owner == owner,
                                                            ConversationRow.id == conversation_id))

    def _turns(self, session: Session, row: ConversationRow, last: int | None = None) -> list[TurnRow]:
        query = select(TurnRow).where(TurnRow.conversation_pk == row.pk).order_by(TurnRow.n.desc())
        if last is not None:
            query = query.limit(last)
        return list(reversed(session.scalars(query).all()))

    # What the model sees -------------------------------------------------------------
    def history(self, owner: str, conversation_id: str | None) -> list[Turn]:
        """The last text-to-SQL turns, as follow-up questions see them."""
        if conversation_id is None:
            return []
        with Session(self.engine) as session:
            row = self._find(session, owner, conversation_id)
            if row is None:
                return []
            query = (select(TurnRow).where(TurnRow.conversation_pk == row.pk, TurnRow.skill == "sql")
                     .order_by(TurnRow.n.desc()).limit(self.max_turns))
            turns: list[Turn] = []
            for t in reversed(session.scalars(query).all()):
                if turns and t.sql == turns[-1].sql and chart_request(t.message):
                    continue  # the same answer drawn again ("as a line chart"): its question says less
                turns.append(Turn(t.message, t.sql))
            return turns

    def last_turn(self, owner: str, conversation_id: str | None) -> dict[str, Any] | None:
        """The newest turn, with `latest_sql`: the newest SQL of the conversation (this turn's, or an
        earlier one's when this turn has none: "why is that slow?" after a reply in words)."""
        if conversation_id is None:
            return None
        with Session(self.engine) as session:
            row = self._find(session, owner, conversation_id)
            turns = self._turns(session, row, last=1) if row is not None else []
            if not turns:
                return None
            latest_sql = turns[0].sql or session.scalar(
                select(TurnRow.sql).where(TurnRow.conversation_pk == row.pk, TurnRow.sql.is_not(None))
                .order_by(TurnRow.n.desc()).limit(1))
            return {**_turn_dict(turns[0]), "latest_sql": latest_sql}

    # Writing -------------------------------------------------------------------------
    def add(self, owner: str, conversation_id: str | None, turn: StoredTurn) -> tuple[str, int]:
        """Add a turn; the conversation is made (titled by this message) when it does not exist yet.
        Returns the conversation's id and the turn's number in it."""
        conversation_id = conversation_id or new_id()
        with Session(self.engine) as session, session.begin():
            row = self._find(session, owner, conversation_id)
            if row is None:
                row = ConversationRow(id=conversation_id, owner=owner, title=title_of(turn.message))
                session.add(row)
                session.flush()
            n = (session.scalar(select(func.max(TurnRow.n)).where(TurnRow.conversation_pk == row.pk)) or 0) + 1
            session.add(TurnRow(conversation_pk=row.pk, n=n, message=turn.message, skill=turn.skill, db=turn.db,
                                answer=turn.answer, sql=turn.sql, columns=turn.columns,
                                rows=turn.rows[:self.max_rows], row_count=turn.row_count, chart=turn.chart,
                                citations=turn.citations, timings=turn.timings, warnings=turn.warnings,
                                error=turn.error, details=turn.details))
            row.updated_at = utcnow()
        return conversation_id, n

    def rename(self, owner: str, conversation_id: str, title: str) -> dict[str, Any] | None:
        with Session(self.engine) as session, session.begin():
            row = self._find(session, owner, conversation_id)
            if row is None:
                return None
            row.title, row.updated_at = title_of(title), utcnow()
        return self.get(owner, conversation_id)

    def set_feedback(self, owner: str, conversation_id: str, n: int, feedback: str | None) -> bool:
        with Session(self.engine) as session, session.begin():
            row = self._find(session, owner, conversation_id)
            turn = row and session.scalar(select(TurnRow).where(TurnRow.conversation_pk == row.pk, TurnRow.n == n))
            if not turn:
                return False
            turn.feedback = feedback
        return True

    def delete(self, owner: str, conversation_id: str) -> bool:
        with Session(self.engine) as session, session.begin():
            row = self._find(session, owner, conversation_id)
            if row is None:
                return False
            session.execute(delete(TurnRow).where(TurnRow.conversation_pk == row.pk))
            session.delete(row)
        return True

    # Reading -------------------------------------------------------------------------
    def list(self, owner: str, q: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first; `q` keeps those whose title contains it (any case)."""
        turns = (select(TurnRow.conversation_pk, func.count().label("turns"))
                 .group_by(TurnRow.conversation_pk).subquery())
        query = (select(ConversationRow, func.coalesce(turns.c.turns, 0))
                 .outerjoin(turns, turns.c.conversation_pk == ConversationRow.pk)
                 .where(ConversationRow.owner == owner)
                 .order_by(ConversationRow.updated_at.desc(), ConversationRow.pk.desc()).limit(limit))
        if q:
            escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(func.lower(ConversationRow.title).like(f"%{escaped}%", escape="\\"))
        with Session(self.engine) as session:
            return [_summary(row, count) for row, count in session.execute(query).all()]

    def get(self, owner: str, conversation_id: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = self._find(session, owner, conversation_id)
            if row is None:
                return None
            turns = self._turns(session, row)
            return {**_summary(row, len(turns)), "turns": [_turn_dict(t) for t in turns]}
