"""Secrets a deployment gives as files (docker compose secrets): the Fernet key and the first admin's password."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from server.metadata import bootstrap_admin, open_registry, open_users
from server.settings import Settings


def test_the_secret_key_comes_from_its_file_and_no_key_file_is_made(tmp_path):
    key_file = tmp_path / "secret_key"
    key = Fernet.generate_key()
    key_file.write_bytes(key + b"\n")
    settings = Settings(data_dir=tmp_path / "data", secret_key_file=key_file)
    assert settings.resolve_secret_key() == key
    settings.ensure_dirs()
    open_registry(settings).add("warehouse", "postgresql+psycopg://u:pw@db/sales")
    assert not settings.secret_key_path.exists()
    again = open_registry(Settings(data_dir=tmp_path / "data", secret_key=key.decode()))
    assert again.full_url("warehouse") == "postgresql+psycopg://u:pw@db/sales"
    with pytest.raises(ValueError, match="cannot read the secret key file"):
        Settings(data_dir=tmp_path, secret_key_file=tmp_path / "missing").resolve_secret_key()


def test_the_first_admin_is_made_from_the_password_file_once(tmp_path):
    password_file = tmp_path / "admin_password"
    password_file.write_text("a long admin password\n")
    settings = Settings(data_dir=tmp_path / "data", admin_password_file=password_file)
    settings.ensure_dirs()
    users = open_users(settings)
    bootstrap_admin(settings, users)
    assert users.check_password("admin", "a long admin password").is_admin
    users.set_password("admin", "changed since then")
    bootstrap_admin(settings, users)  # a restart leaves the admins alone
    assert users.check_password("admin", "changed since then") is not None
    assert [u.name for u in users.list()] == ["admin"]


def test_without_the_file_no_admin_is_made(tmp_path):
    settings = Settings(data_dir=tmp_path)
    settings.ensure_dirs()
    users = open_users(settings)
    bootstrap_admin(settings, users)
    assert users.list() == []
