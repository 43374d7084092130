"""Bring the metadata database to the current schema at start-up: Alembic's `upgrade head`.

The tables are those of `Base.metadata` (server/metadata/store.py and every
module that declares models on it) and of the knowledge registry
(knowledge/registry.py). A database made by a release before migrations
(tables from `create_all`, no `alembic_version`) is stamped at the baseline
revision, which creates exactly those tables, and upgraded from there: no row
is touched. Processes that start together on PostgreSQL take turns (an
advisory lock), so only one of them migrates.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # what create_all made before migrations existed (0003 and 0004 adopt later tables)
_LOCK_KEY = 0x6462677074  # "dbgpt": the advisory lock migrations hold on PostgreSQL


def target_metadata() -> list[MetaData]:
    """Everything the migrations own: `Base.metadata`, with the models of every module of
    this package on it (a new module, such as conversations.py, counts without a change
    here), and the knowledge registry's tables."""
    import server.metadata as package
    from knowledge.registry import METADATA as knowledge_tables
    from server.metadata.store import Base

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in ("migrate", "migrations"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return [Base.metadata, knowledge_tables]


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "users" in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
