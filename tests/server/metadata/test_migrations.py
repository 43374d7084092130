"""The metadata database's migrations: a fresh database, one from the release before, PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.auth.audit import AuditEntry, AuditLog
from server.auth.users import UserStore
from server.conversations import Conversations, StoredTurn
from server.metadata import open_knowledge_registry, open_metadata, open_registry, open_users
from server.metadata.connections import ConnectionRegistry
from server.metadata.descriptions import Descriptions
from server.metadata.migrate import alembic_config, current_revision, target_metadata
from server.metadata.secrets import SecretBox
from server.settings import Settings
from tests.server.metadata.previous_release import REGISTRY_SCHEMA, previous_metadata_engine
from tests.support.postgres import fresh_database

PASSWORD = "s3cr3t-Pa55word"


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                target_metadata())


def test_a_fresh_database_gets_exactly_the_tables_the_models_declare(tmp_path):
    engine = open_metadata(Settings(data_dir=tmp_path))
    assert current_revision(engine) == head()
    assert differences(engine) == [], "a model changed without a migration (server/metadata/migrations/__init__.py)"
    open_metadata(Settings(data_dir=tmp_path))  # opening again at head changes nothing
    assert current_revision(engine) == head()


def test_the_revisions_form_one_line_one_per_change():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "two revisions revise the same one: make one follow the other"
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"


@pytest.fixture(params=[True, False], ids=["last-release", "older-release"])
def previous_release(tmp_path, request):
    """A data dir as a release before migrations left it: a connection, a user, a key, an audit row, a
    description and a conversation (in the last release, which had their tables); its knowledge file."""
    settings = Settings(data_dir=tmp_path)
    settings.ensure_dirs()
    engine = previous_metadata_engine(settings.metadata_db_path, latest=request.param)
    # The stores write rows as that release did: their tables and code are the same.
    ConnectionRegistry(engine, SecretBox(settings.resolve_secret_key())).add(
        "warehouse", f"postgresql+psycopg://analyst:{PASSWORD}@db.local:5432/sales", description="sales")
    users = UserStore(engine)
    users.add("ada", "analyst", "correct horse battery")
    users.grant("ada", "db", "warehouse")
    _, key = users.create_key("ada", "laptop")
    entry = AuditEntry(user="ada", route="/api/v1/sql")
    entry.touch(db="warehouse", sql="SELECT 1", row_count=1)
    AuditLog(engine).write(entry)
    if request.param:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO descriptions VALUES ('warehouse', 'orders', '', 'one row per order',"
                                    " 'user', '2026-01-01 00:00:00')"))
            # As that release's Conversations.add wrote them (its turns had no details).
            connection.execute(text("INSERT INTO conversations (id, owner, title, created_at, updated_at) VALUES "
                                    "('c1', 'ada', 'How many orders?', '2026-01-01 00:00:00', "
                                    "'2026-01-01 00:00:00')"))
            connection.execute(text("INSERT INTO conversation_turns (conversation_pk, n, created_at, message, skill, "
                                    "db, sql, columns, rows, citations, timings, warnings) VALUES (1, 1, "
                                    "'2026-01-01 00:00:00', 'How many orders?', 'sql', 'warehouse', "
                                    "'SELECT COUNT(*) FROM orders', '[]', '[[3]]', '[]', '{}', '[]')"))
    engine.dispose()
    registry = settings.data_dir / "knowledge" / "registry.sqlite"
    registry.parent.mkdir()
    with sqlite3.connect(registry) as db:
        db.executescript(REGISTRY_SCHEMA)
        db.execute("INSERT INTO spaces VALUES ('runbooks', 'ops', 1.0)")
        db.execute("INSERT INTO documents VALUES ('runbooks', '/r/backup.md', 'h1', 'indexed', 3, 120, NULL, 2.0)")
        db.execute("INSERT INTO examples (connection, question, sql, source, state, checked_fingerprint, created_at,"
                   " created_by) VALUES ('warehouse', 'how many orders?', 'SELECT COUNT(*) FROM orders', 'api', 'ok',"
                   " 'f1', 3.0, 'ada')")
        db.execute("INSERT INTO sensitive_columns VALUES ('warehouse', 'customers', 'email')")
        db.execute("INSERT INTO column_values VALUES ('warehouse', 'city', 'name', 'New York')")
        db.execute("INSERT INTO connections VALUES ('warehouse', 'f1', 4.0)")
    return settings, key, request.param


def test_a_database_of_the_release_before_is_adopted_without_losing_a_row(previous_release):
    settings, key, latest = previous_release  # latest: the last release, with its later tables
    engine = open_metadata(settings)
    assert current_revision(engine) == head()
    assert differences(engine) == []

    connections = open_registry(settings, engine)
    assert connections.get("warehouse").description == "sales"
    assert connections.full_url("warehouse") == f"postgresql+psycopg://analyst:{PASSWORD}@db.local:5432/sales"
    users = open_users(settings, engine)
    assert users.check_password("ada", "correct horse battery").name == "ada"
    assert users.user_for_key(key).may_use_db("warehouse")
    [audit] = AuditLog(engine).query()
    tables = Descriptions(engine).list("warehouse")
    assert [(d.table, d.text) for d in tables] == ([("orders", "one row per order")] if latest else [])
    conversation = Conversations(engine).get("ada", "c1")
    if latest:
        assert [(t["message"], t["sql"], t["rows"], t["details"]) for t in conversation["turns"]] == [
            ("How many orders?", "SELECT COUNT(*) FROM orders", [[3]], None)]
        # A turn added now keeps its details in the column the upgrade added.
        Conversations(engine).add("ada", "c1", StoredTurn(message="why slow?", skill="diagnose",
                                                          details={"findings": [], "notes": ["n"]}))
        assert Conversations(engine).get("ada", "c1")["turns"][1]["details"] == {"findings": [], "notes": ["n"]}
    else:
        assert conversation is None
        assert Conversations(engine).add("ada", "c2", StoredTurn(message="hello", skill="chat")) == ("c2", 1)
    assert (audit["user"], audit["db"], audit["sql"]) == ("ada", "warehouse", "SELECT 1")

    registry = open_knowledge_registry(settings, engine)
    assert registry.sensitive("warehouse") == {("customers", "email")}
    assert registry.synced_fingerprint("warehouse") == "f1"
    knowledge_dir = settings.data_dir / "knowledge"
    assert not (knowledge_dir / "registry.sqlite").exists() and (knowledge_dir / "registry.sqlite.imported").exists()
    from knowledge.registry import EXAMPLES, VALUES
    from sqlalchemy import select

    [example] = registry.rows(select(EXAMPLES))
    assert (example["id"], example["question"], example["created_by"]) == (1, "how many orders?", "ada")
    assert registry.rows(select(VALUES.c.value)) == [{"value": "New York"}]
    # New rows follow the copied ones.
    assert registry.execute(EXAMPLES.insert().values(
        connection="warehouse", question="q", sql="SELECT 2", source="api", state="ok", created_at=5.0)) == 2


@pytest.fixture
def postgres_database(postgres_url):
    with fresh_database(postgres_url, "dbgpt_meta") as url:
        yield url


@pytest.mark.services
def test_postgresql_as_the_metadata_database(tmp_path, postgres_database):
    settings = Settings(data_dir=tmp_path, metadata_url=postgres_database)
    engine = open_metadata(settings)
    assert engine.dialect.name == "postgresql"
    assert current_revision(engine) == head()
    assert differences(engine) == []
    connections = open_registry(settings, engine)
    connections.add("warehouse", f"postgresql+psycopg://analyst:{PASSWORD}@db.local:5432/sales")
    users = open_users(settings, engine)
    users.add("ada", "admin")
    _, key = users.create_key("ada")
    registry = open_knowledge_registry(settings, engine)
    registry.set_sensitive("warehouse", "Customers", "Email", True)
    registry.mark_synced("warehouse", "f1")
    registry.mark_synced("warehouse", "f2")
    engine.dispose()
    # Another process: a new engine on the same database.
    again = open_metadata(settings)
    assert open_registry(settings, again).full_url("warehouse").endswith(f":{PASSWORD}@db.local:5432/sales")
    assert open_users(settings, again).user_for_key(key).name == "ada"
    assert open_knowledge_registry(settings, again).sensitive("warehouse") == {("customers", "email")}
    assert open_knowledge_registry(settings, again).synced_fingerprint("warehouse") == "f2"
    assert not (tmp_path / "metadata.sqlite").exists()
    again.dispose()


def test_the_metadata_password_comes_from_its_file(tmp_path):
    secret = tmp_path / "pg_password"
    secret.write_text("pa:ss@word\n")
    settings = Settings(data_dir=tmp_path, metadata_url="postgresql+psycopg://dbgpt@db:5432/dbgpt",
                        metadata_password_file=secret)
    assert make_url(settings.resolved_metadata_url).password == "pa:ss@word"
    assert Settings(data_dir=tmp_path).resolved_metadata_url == f"sqlite:///{tmp_path / 'metadata.sqlite'}"
