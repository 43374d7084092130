"""The registry of a user's database connections.

A URL is stored without its password; the password is stored apart,
encrypted. A password may come in the URL's user part or in its query
string (`?password=`, and `pwd` or `passwd` for some drivers): either way it
is moved to the encrypted field. Whatever leaves this module for display
carries no password. A stored password follows its URL: a new host, port,
user, database, driver or option drops it unless a new one is given, so a
changed URL never receives the password meant for the old one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from server.metadata.secrets import SecretBox
from server.metadata.descriptions import Descriptions
from server.metadata.store import ConnectionRow

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
SUPPORTED = ("sqlite", "postgresql", "mysql", "mariadb", "duckdb")
PASSWORD_PARAMS = frozenset({"password", "pwd", "passwd"})  # query-string names drivers read a password from


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


def check_name(name: str) -> str:
    """`name` if it can name a connection, else InvalidConnection saying what a name holds."""
    if not NAME_RE.match(name):
        raise InvalidConnection("a connection name starts with a letter and holds letters, digits, '_', '.', '-'")
    return name


def parse_url(url: str) -> URL:
    """A supported SQLAlchemy URL, or InvalidConnection."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number, an unclosed '['
        raise InvalidConnection(f"not a valid database URL ({exc})") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise InvalidConnection(f"unsupported engine '{parsed.get_backend_name()}'; supported: {', '.join(SUPPORTED)}")
    return parsed


def _without_passwords(parsed: URL) -> tuple[URL, list[str]]:
    """The URL without a password in its user part or query string, and the passwords that were there."""
    found = [parsed.password] if parsed.password else []
    query = {}
    for key, value in parsed.query.items():
        if key.lower() in PASSWORD_PARAMS:
            found += [value] if isinstance(value, str) else list(value)
        elif "password" in key.lower():
            raise InvalidConnection(f"'{key}' in the query string would be stored in clear; "
                                    "remove it (only the account's password is stored, encrypted)")
        else:
            query[key] = value
    # URL.set(password=None) keeps the password; build the URL anew without it.
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, query)
    return bare, [str(p) for p in found if p]


def split_url(url: str, password: str | None) -> tuple[str, str | None]:
    """The URL without its password, and the password (given apart, or inside the URL)."""
    bare, found = _without_passwords(parse_url(url))
    if password is None and len(set(found)) > 1:
        raise InvalidConnection("the URL holds two different passwords; give one")
    secret = password if password is not None else (found[0] if found else None)
    return bare.render_as_string(hide_password=False), (secret or None)


def with_password(url: str, password: str | None) -> str:
    """`url` carrying `password`, for opening a connection; never display it."""
    return make_url(url).set(password=password).render_as_string(hide_password=False) if password else url


def shown_url(url: str, *, has_password: bool = False) -> str:
    """A URL fit for display: no password anywhere, '***' where one is set."""
    try:
        bare, found = _without_passwords(make_url(url))
    except (ArgumentError, ValueError, InvalidConnection):
        return "(a URL that cannot be shown)"
    if has_password or found:
        bare = bare.set(password="hidden")  # rendered as ***
    return bare.render_as_string(hide_password=True)


def url_key(url: str) -> str:
    """A stable name for an unregistered URL: a digest of it without its password, never the URL."""
    bare, _ = _without_passwords(parse_url(url))
    return "url:" + hashlib.sha256(bare.render_as_string(hide_password=False).encode()).hexdigest()[:16]


class ConnectionRegistry:
    def __init__(self, engine: Engine, box: SecretBox):
        self.engine = engine
        self.box = box

    def _info(self, row: ConnectionRow) -> ConnectionInfo:
        return ConnectionInfo(
            name=row.name, url=shown_url(row.url, has_password=bool(row.password_encrypted)),
            engine=make_url(row.url).get_backend_name(),
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
        check_name(name)
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
                if secret is not None:
                    row.password_encrypted = self.box.encrypt(secret)
                elif password is not None or bare != row.url:
                    # Query options can name the host too (libpq's host, hostaddr, port): any change counts.
                    row.password_encrypted = None
                row.url = bare
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
        Descriptions(self.engine).remove_all(name)  # a new connection of that name starts blank

    def full_url(self, name: str) -> str:
        """The URL with its password, for opening the connection; never display it."""
        with Session(self.engine) as session:
            row = self._row(session, name)
            return with_password(row.url, self.box.decrypt(row.password_encrypted) if row.password_encrypted else None)
