import stat

import pytest
from cryptography.fernet import Fernet

from server.metadata import open_registry
from server.metadata.connections import ConnectionExists, ConnectionNotFound, InvalidConnection
from server.metadata.secrets import SecretError
from server.settings import Settings

SECRET = "s3cr3t-Pa55word"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path)


@pytest.fixture
def registry(settings):
    return open_registry(settings)


def test_password_is_stored_encrypted_and_never_shown(registry, settings):
    info = registry.add("warehouse", f"postgresql+psycopg://analyst:{SECRET}@db.local:5432/sales")
    assert SECRET not in info.url and "***" in info.url
    assert info.has_password
    assert SECRET not in repr(registry.list())
    assert SECRET.encode() not in settings.metadata_db_path.read_bytes()
    assert registry.full_url("warehouse") == f"postgresql+psycopg://analyst:{SECRET}@db.local:5432/sales"


def test_password_given_apart_from_the_url(registry):
    registry.add("w", "mysql+pymysql://root@127.0.0.1/test", password=SECRET)
    assert SECRET in registry.full_url("w")
    assert SECRET not in registry.get("w").url


def test_key_file_is_private_and_reused(settings):
    registry = open_registry(settings)
    registry.add("w", f"postgresql://u:{SECRET}@h/d")
    mode = stat.S_IMODE(settings.secret_key_path.stat().st_mode)
    assert mode == 0o600
    assert open_registry(settings).full_url("w").endswith(f"u:{SECRET}@h/d")


def test_a_wrong_key_is_a_clear_error(settings):
    open_registry(settings).add("w", f"postgresql://u:{SECRET}@h/d")
    other = Settings(data_dir=settings.data_dir, secret_key=Fernet.generate_key().decode())
    with pytest.raises(SecretError):
        open_registry(other).full_url("w")


def test_update_and_remove(registry):
    registry.add("w", "sqlite:///a.db", description="first")
    assert registry.update("w", description="second").description == "second"
    registry.update("w", url=f"postgresql://u:{SECRET}@h/d")
    assert registry.get("w").engine == "postgresql"
    registry.remove("w")
    with pytest.raises(ConnectionNotFound):
        registry.get("w")


@pytest.mark.parametrize("name, url", [
    ("bad name", "sqlite:///a.db"),
    ("1abc", "sqlite:///a.db"),
    ("ok", "oracle://u@h/d"),
    ("ok", "not a url"),
    ("ok", "postgresql://h:notaport/db"),  # SQLAlchemy says ValueError, not ArgumentError
    ("ok", "postgresql://[::1/db"),
])
def test_invalid_connections_are_refused(registry, name, url):
    with pytest.raises(InvalidConnection):
        registry.add(name, url)


def test_duplicates_and_builtin_names_are_refused(registry):
    registry.add("w", "sqlite:///a.db")
    with pytest.raises(ConnectionExists):
        registry.add("w", "sqlite:///b.db")
    with pytest.raises(ConnectionExists):
        registry.add("demo", "sqlite:///b.db", reserved=("demo",))


# A password follows its URL ---------------------------------------------------------
@pytest.mark.parametrize("change", [
    "postgresql://u@elsewhere/d",  # host
    "postgresql://u@h:6543/d",  # port
    "postgresql://other@h/d",  # user
    "postgresql://u@h/other",  # database
    "postgresql+psycopg2://u@h/d",  # driver
    "postgresql://u@h/d?port=6543",  # libpq reads a host or port from the query too
])
def test_a_changed_url_drops_the_stored_password(registry, change):
    registry.add("w", "postgresql://u@h/d", password=SECRET)
    info = registry.update("w", url=change)
    assert not info.has_password and SECRET not in registry.full_url("w")


def test_the_same_url_or_a_new_password_keeps_one(registry):
    registry.add("w", "postgresql://u@h/d", password=SECRET)
    assert registry.update("w", url="postgresql://u@h/d").has_password
    assert registry.update("w", url="postgresql://u@elsewhere/d", password="new").has_password
    assert registry.full_url("w") == "postgresql://u:new@elsewhere/d"
    assert not registry.update("w", url="postgresql://u@elsewhere/d", password="").has_password


# Passwords in the query string --------------------------------------------------------
@pytest.mark.parametrize("url", [
    f"postgresql://u@h/d?password={SECRET}&sslmode=require",
    f"mysql+pymysql://u@h/d?passwd={SECRET}&charset=utf8mb4",
    f"mysql+pymysql://u@h/d?PWD={SECRET}&charset=utf8mb4",
])
def test_a_query_string_password_is_moved_to_the_encrypted_field(registry, settings, url):
    info = registry.add("w", url)
    assert info.has_password and SECRET not in info.url and "***" in info.url
    assert SECRET.encode() not in settings.metadata_db_path.read_bytes()
    assert SECRET in registry.full_url("w") and "=" + SECRET not in registry.full_url("w")
    updated = registry.update("w", url=url.replace("@h/", "@h2/"))
    assert updated.has_password and SECRET not in updated.url


def test_two_different_passwords_in_one_url_are_refused(registry):
    with pytest.raises(InvalidConnection, match="two different passwords"):
        registry.add("w", "postgresql://u:one@h/d?password=two")
    with pytest.raises(InvalidConnection, match="sslpassword"):
        registry.add("w", f"postgresql://u@h/d?sslpassword={SECRET}")


def test_a_url_is_shown_and_keyed_without_any_password():
    from server.metadata.connections import shown_url, url_key

    url = f"postgresql://u:{SECRET}@h/d?password={SECRET}&sslmode=require"
    assert shown_url(url) == "postgresql://u:***@h/d?sslmode=require"
    assert shown_url("postgresql://u@h/d") == "postgresql://u@h/d"
    assert url_key(url) == url_key("postgresql://u@h/d?sslmode=require") != url_key("postgresql://u@h/d")
    assert SECRET not in url_key(url) and url_key(url).startswith("url:")


def test_a_legacy_row_with_a_query_password_is_never_shown(registry, settings):
    from sqlalchemy.orm import Session

    from server.metadata.store import ConnectionRow

    with Session(registry.engine) as session:
        session.add(ConnectionRow(name="old", url=f"postgresql://u@h/d?password={SECRET}"))
        session.commit()
    assert SECRET not in registry.get("old").url and SECRET not in repr(registry.list())
