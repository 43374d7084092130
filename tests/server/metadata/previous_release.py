"""The metadata database as the release before migrations made it, to upgrade from.

The models below are server/metadata/store.py, the descriptions table of
server/metadata/descriptions.py and server/metadata/conversations.py as they
were then (tables made with create_all, no alembic_version; a release older
still had the baseline tables alone),
and REGISTRY_SCHEMA the knowledge registry's own SQLite file of that release.
Kept as they were: never edit them to follow the current models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint,
                        create_engine)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass

def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ConnectionRow(Base):
    __tablename__ = "connections"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # never holds the password
    password_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class UserRow(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | analyst
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)  # argon2; None = no password login
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GrantRow(Base):
    """An analyst may use one database or knowledge space."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user", "kind", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(String(64), ForeignKey("users.name", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # db | space
    target: Mapped[str] = mapped_column(String(128))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public part of the key
    user: Mapped[str] = mapped_column(String(64), ForeignKey("users.name", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(Text, default="")
    secret_hash: Mapped[str] = mapped_column(Text)  # argon2 of the secret part
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(Base):
    """A browser session (cookie) or a one-time login token, stored as a SHA-256 digest."""

    __tablename__ = "sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(64), ForeignKey("users.name", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # session | login
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One request that reached a database or the model; never a password or key."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), index=True)
    route: Mapped[str] = mapped_column(Text)
    db: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    sql: Mapped[str | None] = mapped_column(Text, nullable=True)
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the guard rule that refused the SQL
    row_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(32))  # ok | refused | error | denied
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class DescriptionRow(Base):
    __tablename__ = "descriptions"

    connection: Mapped[str] = mapped_column(String(128), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(256), primary_key=True)
    column_name: Mapped[str] = mapped_column(String(256), primary_key=True)  # '' for the table itself
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))  # user | model
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


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


LATER_TABLES = ("descriptions", "conversations", "conversation_turns")  # not in releases before the last


def previous_metadata_engine(path: Path, *, latest: bool = True) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    tables = [t for t in Base.metadata.sorted_tables if latest or t.name not in LATER_TABLES]
    Base.metadata.create_all(engine, tables=tables)
    return engine


REGISTRY_SCHEMA = """
CREATE TABLE IF NOT EXISTS spaces (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    space TEXT NOT NULL REFERENCES spaces(name) ON DELETE CASCADE,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    state TEXT NOT NULL,            -- indexed | failed
    chunks INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (space, path)
);
CREATE TABLE IF NOT EXISTS examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    question TEXT NOT NULL,
    sql TEXT NOT NULL,
    source TEXT NOT NULL,           -- api | cli | feedback
    state TEXT NOT NULL,            -- ok | quarantined
    reason TEXT,
    checked_fingerprint TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    created_by TEXT                 -- the user who added it (NULL: added before users were recorded)
);
CREATE INDEX IF NOT EXISTS examples_connection ON examples(connection, state);
CREATE TABLE IF NOT EXISTS sensitive_columns (
    connection TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    PRIMARY KEY (connection, table_name, column_name)
);
CREATE TABLE IF NOT EXISTS column_values (
    connection TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS column_values_connection ON column_values(connection);
CREATE TABLE IF NOT EXISTS connections (
    connection TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    synced_at REAL NOT NULL
);
"""
