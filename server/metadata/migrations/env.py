"""Alembic's environment: the models' metadata, and the connection the product hands over.

server/metadata/migrate.py passes an open connection in `config.attributes`;
the `alembic` command line (writing revisions) gets one from the settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from server.metadata.migrate import target_metadata

config = context.config


def _run(connection) -> None:
    # render_as_batch: SQLite alters a table by copying it; Alembic does that in batch mode.
    context.configure(connection=connection, target_metadata=target_metadata(),
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from server.settings import Settings

    with create_engine(Settings().resolved_metadata_url).connect() as opened:
        _run(opened)
        opened.commit()
