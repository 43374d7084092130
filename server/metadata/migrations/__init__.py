"""Alembic migrations of the metadata database, run at start-up (server/metadata/migrate.py).

One revision per change, in versions/. To add one after changing a model (or a
knowledge registry table), against a scratch database at the current head:

    DBGPT_METADATA_URL=sqlite:////tmp/scratch.sqlite \\
      alembic -c server/metadata/migrations/alembic.ini revision --autogenerate -m "what changed"

then read the generated file, and run tests/server/metadata/test_migrations.py:
it fails while the models and the migrations disagree.
"""
