"""Alembic migrations of the metadata database, run at start-up (server/metadata/migrate.py).

One revision per change, in versions/, each revising the one before (0001,
0002, ...). The models are those on `Base` in any module of server/metadata/
(`migrate.target_metadata` imports them all) and the knowledge registry's
tables. To add a revision after changing a model (or a
knowledge registry table), from the repository root, against a scratch
database brought to the current head:

    export DBGPT_METADATA_URL=sqlite:////tmp/scratch.sqlite
    python -m alembic -c server/metadata/migrations/alembic.ini upgrade head
    python -m alembic -c server/metadata/migrations/alembic.ini revision --autogenerate \\
      --rev-id 0003 -m "what changed"
    python -m alembic -c server/metadata/migrations/alembic.ini check   # nothing left

then read the generated file, and run tests/server/metadata/test_migrations.py:
it fails while the models and the migrations disagree.
"""
