"""The product's own state: connections, users and keys, the audit log, conversations."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from server.metadata import conversations as _conversations  # noqa: F401 - its tables join Base.metadata
from server.metadata.connections import ConnectionRegistry
from server.metadata.secrets import SecretBox
from server.metadata.store import metadata_engine
from server.settings import Settings


def open_metadata(settings: Settings) -> Engine:
    return metadata_engine(settings.resolved_metadata_url)


def open_registry(settings: Settings, engine: Engine | None = None) -> ConnectionRegistry:
    return ConnectionRegistry(engine or open_metadata(settings), SecretBox(settings.resolve_secret_key()))


def open_users(settings: Settings, engine: Engine | None = None):
    from server.auth.users import UserStore

    return UserStore(engine or open_metadata(settings))


def open_knowledge_registry(settings: Settings, engine: Engine | None = None):
    """The knowledge registry in the metadata database, with an earlier release's registry file copied in."""
    from knowledge.registry import Registry

    registry = Registry(engine or open_metadata(settings))
    registry.adopt_file(settings.data_dir / "knowledge" / "registry.sqlite")
    return registry


def bootstrap_admin(settings: Settings, users) -> None:
    """With DBGPT_ADMIN_PASSWORD_FILE and no admin yet, an admin named `admin` with that password."""
    from server.auth.users import AuthError

    if settings.admin_password_file is None or users.count_admins():
        return
    from server.settings import read_secret_file

    password = read_secret_file(settings.admin_password_file, "admin password", "DBGPT_ADMIN_PASSWORD_FILE")
    try:
        users.add("admin", "admin", password)
    except AuthError:
        pass  # made by another API process at the same moment


def open_knowledge(settings: Settings, engine: Engine | None = None):
    """The knowledge service with its registry in the metadata database."""
    from knowledge.service import Knowledge

    return Knowledge(settings, registry=open_knowledge_registry(settings, engine))
