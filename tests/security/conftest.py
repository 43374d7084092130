"""The product as a stranger, a web page, an analyst and an admin meet it.

The real app with its default settings (databases by registered name only,
loopback Host names only) and a scripted model at the LLM interface.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.metadata import open_registry, open_users
from server.settings import Settings
from tests.server.conftest import ScriptedLLM
from tests.support.auth import signed_in
from tests.support.helpers import city_db


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def app(settings, llm):
    return create_app(settings, llm=llm)


@pytest.fixture
def stranger(app):
    """No credential at all, from an allowed Host."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def admin(app, settings):
    with signed_in(app, settings) as client:
        yield client


@pytest.fixture
def analyst(app, settings):
    """An analyst with no grants."""
    with signed_in(app, settings, "ana", "analyst") as client:
        yield client


@pytest.fixture
def users(settings):
    return open_users(settings)


@pytest.fixture
def cities(settings) -> str:
    """A registered SQLite database, 'cities', in the folder user databases live in."""
    settings.ensure_dirs()
    open_registry(settings).add("cities", f"sqlite:///{city_db(settings.user_databases_path)}")
    return "cities"
