"""The metadata database: the product's own state, in SQLite under the data dir."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, String, Text, create_engine
from sqlalchemy.engine import Engine
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


def metadata_engine(path: Path) -> Engine:
    # Created owner-only before SQLite opens it; SQLite gives its journal the same rights.
    engine = create_engine(f"sqlite:///{private_file(path)}")
    Base.metadata.create_all(engine)
    return engine
