"""The metadata database: the product's own state.

SQLite under the data dir by default; any SQLAlchemy URL (DBGPT_METADATA_URL,
PostgreSQL for several API processes). Its schema is the migrations'
(server/metadata/migrations/), applied whenever it is opened.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.private_files import private_file


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


def metadata_engine(url: str) -> Engine:
    """An engine on the metadata database, migrated to the current schema."""
    from server.metadata.migrate import upgrade

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # Created owner-only before SQLite opens it; SQLite gives its journal the same rights.
        private_file(Path(parsed.database))
    engine = create_engine(parsed, pool_pre_ping=True)
    upgrade(engine)
    return engine
