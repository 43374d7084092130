"""Credentials for tests: users and API keys made in the test's own data dir."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.metadata import open_users
from server.settings import Settings


def api_key(settings: Settings, user: str = "admin", role: str = "admin", *, grants: dict | None = None) -> str:
    """A new API key for `user` (created with `role` if absent); grants: {"db": [...], "space": [...]}."""
    settings.ensure_dirs()
    store = open_users(settings)
    if user not in {u.name for u in store.list()}:
        store.add(user, role)
    for kind, targets in (grants or {}).items():
        for target in targets:
            store.grant(user, kind, target)
    return store.create_key(user, "tests")[1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def signed_in(app, settings: Settings, user: str = "admin", role: str = "admin", **kwargs) -> TestClient:
    """A TestClient that sends an API key, addressed to 127.0.0.1 (an allowed Host)."""
    client = TestClient(app, base_url="http://127.0.0.1", **kwargs)
    client.headers.update(bearer(api_key(settings, user, role)))
    return client


def login_path(settings: Settings, user: str = "admin", role: str = "admin") -> str:
    """`/?token=...`: the one-time link that signs a browser in as `user`."""
    api_key(settings, user, role)  # makes sure the user exists
    return f"/?token={open_users(settings).create_login_token(user, settings.login_token_ttl_s)}"


def sign_in(page, base_url: str, settings: Settings, user: str = "admin", role: str = "admin") -> None:
    """Sign a Playwright page in through the one-time link, as a user does."""
    page.goto(base_url + login_path(settings, user, role))


def cli_key(env: dict[str, str], user: str = "admin") -> dict[str, str]:
    """Headers with a new key for `user` (an admin, created if absent), made through the
    `dbgpt` command in the data dir that `env` names, as a user makes one."""
    import subprocess
    import sys

    from tests.support.helpers import REPO

    def dbgpt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "server.cli.main", *args], cwd=REPO, env=env,
                              capture_output=True, text=True)

    dbgpt("user", "add", user, "--role", "admin")  # refused when it exists: fine
    made = dbgpt("key", "create", "--user", user)
    assert made.returncode == 0, made.stderr
    return bearer(made.stdout.split()[-1])
