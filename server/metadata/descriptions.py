"""The semantic layer: what each table and column of a database means, in words.

A column called `area` or `pop` means little to a model that has never seen
the database; one line saying "area in square kilometres" or "people living
there" does. Descriptions are written by the user (CLI, API) or drafted by the
model from the schema and sample values, kept per database in the metadata
database, and merged into the schema the model reads as comments (the
database's own comments are kept beside them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, String, Text, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.metadata.store import Base, utcnow

MAX_DESCRIPTION_CHARS = 300
SOURCES = ("user", "model")


class DescriptionRow(Base):
    __tablename__ = "descriptions"

    connection: Mapped[str] = mapped_column(String(128), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(256), primary_key=True)
    column_name: Mapped[str] = mapped_column(String(256), primary_key=True)  # '' for the table itself
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))  # user | model
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Description:
    table: str
    column: str | None
    text: str
    source: str

    def to_dict(self) -> dict:
        return {"table": self.table, "column": self.column, "text": self.text, "source": self.source}


class InvalidDescription(ValueError):
    pass


class Descriptions:
    def __init__(self, engine: Engine):
        self.engine = engine  # the table is the migrations' (server/metadata/migrations/)

    def list(self, connection: str) -> list[Description]:
        with Session(self.engine) as session:
            rows = session.scalars(select(DescriptionRow).where(DescriptionRow.connection == connection)
                                   .order_by(DescriptionRow.table_name, DescriptionRow.column_name))
            return [Description(r.table_name, r.column_name or None, r.text, r.source) for r in rows]

    def set(self, connection: str, table: str, column: str | None, text: str, *, source: str = "user",
            overwrite: bool = True) -> bool:
        """Store one description; an empty text removes it. With overwrite=False a user's text is
        kept (the model drafts only what is missing). Returns whether anything changed."""
        text = " ".join(text.split())
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise InvalidDescription(f"a description holds at most {MAX_DESCRIPTION_CHARS} characters")
        if source not in SOURCES:
            raise InvalidDescription(f"source is one of {', '.join(SOURCES)}")
        key = (connection, table, column or "")
        with Session(self.engine) as session:
            row = session.get(DescriptionRow, key)
            if not text:
                if row is None:
                    return False
                session.delete(row)
            elif row is None:
                session.add(DescriptionRow(connection=connection, table_name=table, column_name=column or "",
                                           text=text, source=source))
            elif not overwrite and row.source == "user":
                return False
            else:
                row.text, row.source = text, source
            session.commit()
            return True

    def remove_all(self, connection: str) -> None:
        with Session(self.engine) as session:
            session.execute(delete(DescriptionRow).where(DescriptionRow.connection == connection))
            session.commit()

    def dictionary(self, connection: str, base: dict | None = None) -> dict | None:
        """The descriptions as a data dictionary ({"tables": {t: {"description", "columns"}}}), laid over
        `base` (a built-in dictionary): a stored text replaces the built-in one."""
        merged: dict = {"tables": {}}
        for name, entry in ((base or {}).get("tables") or {}).items():
            if isinstance(entry, dict):
                merged["tables"][name] = {"description": entry.get("description", ""),
                                          "columns": dict(entry.get("columns") or {})}
        found = self.list(connection)
        for item in found:
            entry = merged["tables"].setdefault(item.table, {"description": "", "columns": {}})
            if item.column is None:
                entry["description"] = item.text
            else:
                entry["columns"][item.column] = item.text
        return merged if (found or base) else None


def layer(schema, stored: list) -> list[dict]:
    """Each table and column with the comment the model reads and the stored text, if any."""
    texts = {(d.table, d.column): d for d in stored}
    out = []
    for table in schema.tables:
        own = texts.get((table.name, None))
        out.append({
            "table": table.name,
            "comment": table.comment,
            "description": own.text if own else None,
            "source": own.source if own else None,
            "columns": [{"column": c.name, "type": c.type, "comment": c.comment,
                         "description": texts[(table.name, c.name)].text if (table.name, c.name) in texts else None,
                         "source": texts[(table.name, c.name)].source if (table.name, c.name) in texts else None}
                        for c in table.columns],
        })
    return out
