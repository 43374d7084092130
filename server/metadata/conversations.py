"""Conversations and their turns, in the metadata database (the same `Base` as store.py).

A conversation belongs to one user and is named by an id unique for that user
(the server makes one, or a client brings its own, as the chat page does), so
two users' ids never meet. A turn keeps what its answer showed: the message,
the skill that answered, the SQL, the columns and the first rows (capped),
the chart, citations, timings, warnings, the details a diagnosis is drawn
from (findings, advice, notes), and the user's feedback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.metadata.store import Base, utcnow


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("owner", "id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(128))  # the id callers use, unique per owner
    owner: Mapped[str] = mapped_column(String(64), ForeignKey("users.name", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TurnRow(Base):
    __tablename__ = "conversation_turns"
    __table_args__ = (UniqueConstraint("conversation_pk", "n"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_pk: Mapped[int] = mapped_column(Integer, ForeignKey("conversations.pk", ondelete="CASCADE"),
                                                 index=True)
    n: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the conversation
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    message: Mapped[str] = mapped_column(Text)
    skill: Mapped[str] = mapped_column(String(16))  # sql | diagnose | docs | schema | chat
    db: Mapped[str | None] = mapped_column(String(128), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)  # the text shown (docs, chat, schema, summary)
    sql: Mapped[str | None] = mapped_column(Text, nullable=True)
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    rows: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)  # the first rows only
    row_count: Mapped[int | None] = mapped_column(Integer, nullable=True)  # rows the answer had
    chart: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    citations: Mapped[list[dict]] = mapped_column(JSON, default=list)
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(8), nullable=True)  # up | down
    # What the page needs to draw the answer again beyond the above: for a diagnosis its findings
    # (advice among them), summary source, notes, dialect and statement kind.
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
