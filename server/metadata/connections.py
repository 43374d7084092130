"""The registry of a user's database connections.

A URL is stored without its password; the password is stored apart,
encrypted. Whatever leaves this module for display carries no password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from server.metadata.secrets import SecretBox
from server.metadata.store import ConnectionRow

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
SUPPORTED = ("sqlite", "postgresql", "mysql", "mariadb", "duckdb")


class ConnectionExists(Exception):
    pass


class ConnectionNotFound(LookupError):
    pass


class InvalidConnection(ValueError):
    pass


@dataclass
class ConnectionInfo:
    name: str
    url: str  # password hidden
    engine: str
    description: str
    has_password: bool
    created_at: datetime
    updated_at: datetime


def split_url(url: str, password: str | None) -> tuple[str, str | None]:
    """The URL without its password, and the password (given apart or inside the URL)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number, an unclosed '['
        raise InvalidConnection(f"not a valid database URL ({exc})") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise InvalidConnection(f"unsupported engine '{parsed.get_backend_name()}'; supported: {', '.join(SUPPORTED)}")
    secret = password if password is not None else parsed.password
    # URL.set(password=None) keeps the password; build the URL anew without it.
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                      parsed.query).render_as_string(hide_password=False)
    return bare, (str(secret) if secret else None)


class ConnectionRegistry:
    def __init__(self, engine: Engine, box: SecretBox):
        self.engine = engine
        self.box = box

    def _info(self, row: ConnectionRow) -> ConnectionInfo:
        url = make_url(row.url)
        if row.password_encrypted:
            url = url.set(password="hidden")  # rendered as *** below
        return ConnectionInfo(
            name=row.name, url=url.render_as_string(hide_password=True), engine=url.get_backend_name(),
            description=row.description, has_password=bool(row.password_encrypted),
            created_at=row.created_at, updated_at=row.updated_at,
        )

    def _row(self, session: Session, name: str) -> ConnectionRow:
        row = session.get(ConnectionRow, name)
        if row is None:
            raise ConnectionNotFound(f"no connection named '{name}'")
        return row

    def names(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(ConnectionRow.name).order_by(ConnectionRow.name)))

    def list(self) -> list[ConnectionInfo]:
        with Session(self.engine) as session:
            return [self._info(r) for r in session.scalars(select(ConnectionRow).order_by(ConnectionRow.name))]

    def get(self, name: str) -> ConnectionInfo:
        with Session(self.engine) as session:
            return self._info(self._row(session, name))

    def add(self, name: str, url: str, *, password: str | None = None, description: str = "",
            reserved: tuple[str, ...] = ()) -> ConnectionInfo:
        if not NAME_RE.match(name):
            raise InvalidConnection("a connection name starts with a letter and holds letters, digits, '_', '.', '-'")
        if name in reserved:
            raise ConnectionExists(f"'{name}' is a built-in database name")
        bare, secret = split_url(url, password)
        with Session(self.engine) as session:
            if session.get(ConnectionRow, name) is not None:
                raise ConnectionExists(f"a connection named '{name}' already exists")
            row = ConnectionRow(name=name, url=bare, description=description,
                                password_encrypted=self.box.encrypt(secret) if secret else None)
            session.add(row)
            session.commit()
            return self._info(row)

    def update(self, name: str, *, url: str | None = None, password: str | None = None,
               description: str | None = None) -> ConnectionInfo:
        with Session(self.engine) as session:
            row = self._row(session, name)
            if url is not None:
                bare, secret = split_url(url, password)
                row.url = bare
                if secret is not None:
                    row.password_encrypted = self.box.encrypt(secret)
            elif password is not None:
                row.password_encrypted = self.box.encrypt(password) if password else None
            if description is not None:
                row.description = description
            session.commit()
            return self._info(row)

    def remove(self, name: str) -> None:
        with Session(self.engine) as session:
            session.delete(self._row(session, name))
            session.commit()

    def full_url(self, name: str) -> str:
        """The URL with its password, for opening the connection; never display it."""
        with Session(self.engine) as session:
            row = self._row(session, name)
            url = make_url(row.url)
            if row.password_encrypted:
                url = url.set(password=self.box.decrypt(row.password_encrypted))
            return url.render_as_string(hide_password=False)
