"""Users, their roles and grants, API keys and browser sessions, in the metadata database.

An API key reads `dbgpt_<id>_<secret>`: the id finds the row, the secret is
checked against its argon2 hash. A verified key is remembered in memory (by
its SHA-256 digest) for a minute, so a busy client does not pay argon2 on
every request; a revoked key is refused at once because the row is read on
every request.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.hashing import digest, hash_secret, new_token, verify_secret
from server.metadata.conversations import ConversationRow, TurnRow
from server.metadata.store import ApiKeyRow, GrantRow, SessionRow, UserRow, utcnow

ROLES = ("admin", "analyst")
GRANT_KINDS = ("db", "space")
USER_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.@-]{0,63}$")
KEY_RE = re.compile(r"^dbgpt_([a-z0-9]{12})_([A-Za-z0-9_-]{20,})$")
KEY_CACHE_S = 60.0


class AuthError(Exception):
    """A user, key or grant request that cannot be carried out; the message says why."""


class UserNotFound(AuthError, LookupError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str
    databases: frozenset[str] = field(default_factory=frozenset)
    spaces: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_use_db(self, name: str) -> bool:
        return self.is_admin or name in self.databases

    def may_use_space(self, name: str) -> bool:
        return self.is_admin or name in self.spaces

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "databases": sorted(self.databases),
                "spaces": sorted(self.spaces)}


@dataclass(frozen=True)
class KeyInfo:
    id: str
    user: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    def to_dict(self) -> dict:
        return asdict(self)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class UserStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._verified: dict[str, tuple[str, float]] = {}  # key digest -> (key id, until)
        self._lock = threading.Lock()

    # Users -------------------------------------------------------------------------
    def _user(self, session: Session, name: str) -> User:
        row = session.get(UserRow, name)
        if row is None:
            raise UserNotFound(f"no user named '{name}'")
        grants = session.execute(select(GrantRow.kind, GrantRow.target).where(GrantRow.user == name)).all()
        return User(row.name, row.role, frozenset(t for k, t in grants if k == "db"),
                    frozenset(t for k, t in grants if k == "space"))

    def get(self, name: str) -> User:
        with Session(self.engine) as session:
            return self._user(session, name)

    def list(self) -> list[User]:
        with Session(self.engine) as session:
            names = session.scalars(select(UserRow.name).order_by(UserRow.name)).all()
            return [self._user(session, n) for n in names]

    def count_admins(self) -> int:
        with Session(self.engine) as session:
            return len(session.scalars(select(UserRow.name).where(UserRow.role == "admin")).all())

    def add(self, name: str, role: str, password: str | None = None) -> User:
        if not USER_NAME_RE.match(name):
            raise AuthError("a user name starts with a letter and holds letters, digits, '_', '.', '@', '-'")
        if role not in ROLES:
            raise AuthError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
        with Session(self.engine) as session:
            if session.get(UserRow, name) is not None:
                raise AuthError(f"a user named '{name}' already exists")
            session.add(UserRow(name=name, role=role, password_hash=hash_secret(password) if password else None))
            try:
                session.commit()
            except IntegrityError:  # another process added the same name just now
                raise AuthError(f"a user named '{name}' already exists") from None
            return self._user(session, name)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise AuthError("a password has at least 8 characters")
        with Session(self.engine) as session:
            self._user(session, name)
            session.execute(update(UserRow).where(UserRow.name == name).values(password_hash=hash_secret(password)))
            session.commit()

    def remove(self, name: str) -> None:
        with Session(self.engine) as session:
            self._user(session, name)
            for table in (GrantRow, ApiKeyRow, SessionRow):
                session.execute(delete(table).where(table.user == name))
            # Their conversations too: a later user of the same name must not inherit them.
            owned = select(ConversationRow.pk).where(ConversationRow.owner == name)
            session.execute(delete(TurnRow).where(TurnRow.conversation_pk.in_(owned)))
            session.execute(delete(ConversationRow).where(ConversationRow.owner == name))
            session.execute(delete(UserRow).where(UserRow.name == name))
            session.commit()
        self._forget_keys()

    def grant(self, name: str, kind: str, target: str) -> User:
        if kind not in GRANT_KINDS:
            raise AuthError(f"a grant is for a db or a space, not '{kind}'")
        with Session(self.engine) as session:
            self._user(session, name)
            exists = session.scalar(select(GrantRow.id).where(
                GrantRow.user == name, GrantRow.kind == kind, GrantRow.target == target))
            if exists is None:
                session.add(GrantRow(user=name, kind=kind, target=target))
                session.commit()
            return self._user(session, name)

    def revoke(self, name: str, kind: str, target: str) -> User:
        with Session(self.engine) as session:
            self._user(session, name)
            session.execute(delete(GrantRow).where(
                GrantRow.user == name, GrantRow.kind == kind, GrantRow.target == target))
            session.commit()
            return self._user(session, name)

    def forget_target(self, kind: str, target: str) -> None:
        """A database or space was removed: grants to it must not carry over to a new one of that name."""
        with Session(self.engine) as session:
            session.execute(delete(GrantRow).where(GrantRow.kind == kind, GrantRow.target == target))
            session.commit()

    def check_password(self, name: str, password: str) -> User | None:
        with Session(self.engine) as session:
            row = session.get(UserRow, name)
            stored = row.password_hash if row is not None else None
        if stored is None:
            # Same work either way, so timing does not reveal which names exist.
            verify_secret(_dummy_hash(), password)
            return None
        return self.get(name) if verify_secret(stored, password) else None

    # API keys ----------------------------------------------------------------------
    def create_key(self, user: str, label: str = "") -> tuple[KeyInfo, str]:
        """A new key for `user`; the whole key is returned here once and never stored."""
        key_id = new_token(9).lower().replace("-", "a").replace("_", "b")[:12]
        secret = new_token(24)
        with Session(self.engine) as session:
            self._user(session, user)
            row = ApiKeyRow(id=key_id, user=user, label=label, secret_hash=hash_secret(secret))
            session.add(row)
            session.commit()
            return self._key_info(row), f"dbgpt_{key_id}_{secret}"

    @staticmethod
    def _key_info(row: ApiKeyRow) -> KeyInfo:
        return KeyInfo(row.id, row.user, row.label, row.created_at, row.last_used_at, row.revoked)

    def list_keys(self, user: str | None = None) -> list[KeyInfo]:
        with Session(self.engine) as session:
            query = select(ApiKeyRow).order_by(ApiKeyRow.created_at)
            if user is not None:
                query = query.where(ApiKeyRow.user == user)
            return [self._key_info(r) for r in session.scalars(query)]

    def revoke_key(self, key_id: str) -> None:
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                raise AuthError(f"no API key with id '{key_id}'")
            row.revoked = True
            session.commit()
        self._forget_keys()

    def _forget_keys(self) -> None:
        with self._lock:
            self._verified.clear()

    def user_for_key(self, key: str) -> User | None:
        match = KEY_RE.match(key.strip())
        if not match:
            return None
        key_id, secret = match.groups()
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.revoked:
                return None
            stored, owner = row.secret_hash, row.user
        key_digest = digest(key)
        now = time.monotonic()
        with self._lock:
            cached = self._verified.get(key_digest)
        if not (cached and cached[0] == key_id and cached[1] > now):
            if not verify_secret(stored, secret):
                return None
            with self._lock:
                self._verified[key_digest] = (key_id, now + KEY_CACHE_S)
            with Session(self.engine) as session:
                session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow()))
                session.commit()
        try:
            return self.get(owner)
        except UserNotFound:
            return None

    # Browser sessions and one-time login tokens -------------------------------------
    def _new_token(self, user: str, kind: str, ttl_s: int) -> str:
        token = new_token()
        with Session(self.engine) as session:
            self._user(session, user)
            session.execute(delete(SessionRow).where(SessionRow.expires_at < utcnow()))
            session.add(SessionRow(digest=digest(token), user=user, kind=kind,
                                   expires_at=utcnow() + timedelta(seconds=ttl_s)))
            session.commit()
        return token

    def create_session(self, user: str, ttl_s: int) -> str:
        return self._new_token(user, "session", ttl_s)

    def create_login_token(self, user: str, ttl_s: int) -> str:
        return self._new_token(user, "login", ttl_s)

    def _token_user(self, token: str, kind: str, consume: bool) -> User | None:
        with Session(self.engine) as session:
            row = session.get(SessionRow, digest(token))
            if row is None or row.kind != kind:
                return None
            user, expired = row.user, _aware(row.expires_at) < utcnow()
            if consume or expired:
                session.delete(row)
                session.commit()
        if expired:
            return None
        try:
            return self.get(user)
        except UserNotFound:
            return None

    def user_for_session(self, token: str) -> User | None:
        return self._token_user(token, "session", consume=False)

    def use_login_token(self, token: str) -> User | None:
        """The user a one-time login token names; the token is spent either way."""
        return self._token_user(token, "login", consume=True)

    def end_session(self, token: str) -> None:
        with Session(self.engine) as session:
            session.execute(delete(SessionRow).where(SessionRow.digest == digest(token)))
            session.commit()


@functools.cache
def _dummy_hash() -> str:
    return hash_secret("a password no user has")
