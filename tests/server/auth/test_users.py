"""Users, roles, grants, API keys, sessions and one-time login tokens in the metadata database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.users import KEY_RE, AuthError, UserNotFound
from server.conversations import Conversations, StoredTurn
from server.metadata import open_users
from server.metadata.store import ApiKeyRow, SessionRow, UserRow
from server.settings import Settings

PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings):
    store = open_users(settings)
    store.add("ada", "admin", PASSWORD)
    store.add("ana", "analyst")
    return store


def stored(settings) -> bytes:
    return settings.metadata_db_path.read_bytes()


def test_passwords_are_argon2_hashes(store, settings):
    with Session(store.engine) as session:
        hashed = session.get(UserRow, "ada").password_hash
        assert hashed.startswith("$argon2id$")
        assert session.get(UserRow, "ana").password_hash is None  # signs in with a key or a link only
    assert PASSWORD.encode() not in stored(settings)
    assert store.check_password("ada", PASSWORD).name == "ada"
    assert store.check_password("ada", PASSWORD + "!") is None
    assert store.check_password("ana", PASSWORD) is None
    assert store.check_password("nobody", PASSWORD) is None


def test_names_roles_and_passwords_are_checked(store):
    for name in ("../x", "1abc", "", "a b", "x" * 65):
        with pytest.raises(AuthError):
            store.add(name, "analyst")
    with pytest.raises(AuthError, match="unknown role"):
        store.add("bob", "root")
    with pytest.raises(AuthError, match="already exists"):
        store.add("ada", "analyst")
    with pytest.raises(AuthError, match="at least 8"):
        store.set_password("ana", "short")
    with pytest.raises(UserNotFound):
        store.set_password("nobody", PASSWORD)


def test_a_key_is_shown_once_and_only_its_hash_is_stored(store, settings):
    info, key = store.create_key("ana", "notebook")
    key_id, secret = KEY_RE.match(key).groups()
    assert info.id == key_id and info.user == "ana" and not info.revoked
    with Session(store.engine) as session:
        assert session.get(ApiKeyRow, key_id).secret_hash.startswith("$argon2id$")
    everything = stored(settings)
    assert key.encode() not in everything and secret.encode() not in everything
    assert key not in repr(store.list_keys()) and secret not in repr(store.list_keys("ana"))
    assert store.user_for_key(key).name == "ana"
    assert store.list_keys("ana")[0].last_used_at is not None


def test_a_wrong_or_malformed_key_is_no_one(store):
    _, key = store.create_key("ana")
    key_id = KEY_RE.match(key).group(1)
    for wrong in (f"dbgpt_{key_id}_" + "x" * 32, "dbgpt_aaaaaaaaaaaa_" + "x" * 32, key[:-1], key + "x",
                  "let-me-in", ""):
        assert store.user_for_key(wrong) is None, wrong


def test_revoking_a_key_works_at_once_even_when_it_was_just_used(store, settings):
    info, key = store.create_key("ana")
    assert store.user_for_key(key) is not None  # verified and remembered for a minute
    open_users(settings).revoke_key(info.id)  # another process: this store's memory is not told
    assert store.user_for_key(key) is None
    assert store.list_keys("ana")[0].revoked
    with pytest.raises(AuthError, match="no API key"):
        store.revoke_key("nosuchkey000")


def test_removing_a_user_ends_their_keys_sessions_and_conversations(store):
    _, key = store.create_key("ana")
    session = store.create_session("ana", 3600)
    conversations = Conversations(store.engine)
    conversations.add("ana", "c1", StoredTurn("How many orders?", "sql", sql="SELECT COUNT(*) FROM orders"))
    store.remove("ana")
    assert store.user_for_key(key) is None and store.user_for_session(session) is None
    with pytest.raises(UserNotFound):
        store.get("ana")
    # A new user of the same name starts with nothing of the old one's.
    store.add("ana", "analyst")
    assert conversations.list("ana") == [] and conversations.history("ana", "c1") == []


def test_sessions_are_stored_as_digests_and_expire(store, settings):
    token = store.create_session("ana", 3600)
    assert store.user_for_session(token).name == "ana"
    assert token.encode() not in stored(settings)
    expired = store.create_session("ana", ttl_s=-1)
    assert store.user_for_session(expired) is None
    with Session(store.engine) as session:  # an expired session is deleted when met
        assert len(session.scalars(select(SessionRow)).all()) == 1
    store.end_session(token)
    assert store.user_for_session(token) is None


def test_a_login_token_is_single_use_and_expires(store):
    token = store.create_login_token("ada", 600)
    assert store.user_for_session(token) is None  # a login token is no session
    assert store.use_login_token(token).name == "ada"
    assert store.use_login_token(token) is None
    assert store.use_login_token(store.create_login_token("ada", ttl_s=-1)) is None
    session = store.create_session("ada", 600)
    assert store.use_login_token(session) is None  # nor a session a login token
    assert store.user_for_session(session) is not None  # and trying did not spend it


def test_grants_are_checked_and_forgotten_with_their_target(store):
    ana = store.grant("ana", "db", "sales")
    assert ana.may_use_db("sales") and not ana.may_use_db("hr") and not ana.may_use_space("sales")
    assert store.grant("ana", "db", "sales") == ana  # granting twice changes nothing
    store.grant("ana", "space", "manuals")
    assert store.get("ana").may_use_space("manuals")
    assert store.get("ada").may_use_db("anything")  # an admin needs no grant
    store.forget_target("db", "sales")
    assert store.get("ana").databases == frozenset()
    assert store.revoke("ana", "space", "manuals").spaces == frozenset()
    with pytest.raises(AuthError):
        store.grant("ana", "table", "x")
    assert store.count_admins() == 1
