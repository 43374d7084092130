"""The product's own state: connections (and later spaces, examples, feedback)."""

from __future__ import annotations

from server.metadata.connections import ConnectionRegistry
from server.metadata.secrets import SecretBox, load_or_create_key
from server.metadata.store import metadata_engine
from server.settings import Settings


def open_registry(settings: Settings) -> ConnectionRegistry:
    key = settings.secret_key.encode() if settings.secret_key else load_or_create_key(settings.secret_key_path)
    return ConnectionRegistry(metadata_engine(settings.metadata_db_path), SecretBox(key))
