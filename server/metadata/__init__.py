"""The product's own state: connections, users and keys, the audit log, conversations."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from server.metadata import conversations as _conversations  # noqa: F401 - its tables join Base.metadata
from server.metadata.connections import ConnectionRegistry
from server.metadata.secrets import SecretBox, load_or_create_key
from server.metadata.store import metadata_engine
from server.settings import Settings


def open_metadata(settings: Settings) -> Engine:
    return metadata_engine(settings.metadata_db_path)


def open_registry(settings: Settings, engine: Engine | None = None) -> ConnectionRegistry:
    key = settings.secret_key.encode() if settings.secret_key else load_or_create_key(settings.secret_key_path)
    return ConnectionRegistry(engine or open_metadata(settings), SecretBox(key))


def open_users(settings: Settings, engine: Engine | None = None):
    from server.auth.users import UserStore

    return UserStore(engine or open_metadata(settings))
