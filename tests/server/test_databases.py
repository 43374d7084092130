"""server/databases.py: confinement of files, one connect per name outside any shared
lock, and a bounded LRU of connectors for unregistered URLs. The connect()
interface is replaced where a test needs a slow or counted connect;
tests/security drives the same paths against the real engines and API."""

import threading
import time

import pytest

import connectors
from server.databases import (
    ADHOC_CONNECTORS,
    DEMO,
    DatabaseCatalog,
    DatabaseNotAllowed,
    UnknownDatabase,
    knowledge_key,
)
from server.settings import Settings
from tests.support.helpers import city_db


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    return settings


@pytest.fixture
def catalog(settings):
    catalog = DatabaseCatalog(settings)
    yield catalog
    catalog.close()


class FakeConnector:
    def __init__(self, url):
        self.url = url
        self.closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def connects(monkeypatch):
    """connect() replaced: records each URL, and waits while a URL is in `held`."""
    calls: list[str] = []
    held: dict[str, threading.Event] = {}

    def fake_connect(url, **_options):
        calls.append(url)
        for part, gate in held.items():
            if part in url:
                gate.wait(10)
        return FakeConnector(url)

    monkeypatch.setattr(connectors, "connect", fake_connect)
    fake_connect.calls, fake_connect.held = calls, held
    return fake_connect


# Confinement -------------------------------------------------------------------------------
def test_a_file_under_the_roots_opens(catalog, settings):
    path = city_db(settings.user_databases_path)
    assert catalog.connector(f"sqlite:///{path}").run("SELECT COUNT(*) FROM city").rows == [[2]]


def test_files_outside_the_roots_are_refused_alike_whether_or_not_they_exist(catalog, settings, tmp_path):
    outside = city_db(tmp_path)
    messages = set()
    for url in (f"sqlite:///{outside}", f"sqlite:///{tmp_path}/missing.sqlite", f"duckdb:///{outside}",
                f"sqlite:///{settings.metadata_db_path}", "sqlite:////etc/passwd"):
        with pytest.raises(DatabaseNotAllowed) as refused:
            catalog.connector(url)
        messages.add(str(refused.value))
    assert len(messages) == 1 and str(tmp_path) not in messages.pop()


def test_a_registered_name_is_confined_when_opened(catalog, tmp_path):
    catalog.registry.add("outside", f"sqlite:///{city_db(tmp_path)}")  # as `dbgpt db add` may
    with pytest.raises(DatabaseNotAllowed):
        catalog.connector("outside")


def test_a_symlink_is_resolved_and_the_file_behind_it_opened(catalog, settings, tmp_path):
    link = settings.user_databases_path / "meta.sqlite"
    link.symlink_to(settings.metadata_db_path)
    with pytest.raises(DatabaseNotAllowed):
        catalog.confine(f"sqlite:///{link}")
    inside = city_db(settings.user_databases_path)
    alias = settings.user_databases_path / "alias.sqlite"
    alias.symlink_to(inside)
    assert catalog.confine(f"sqlite:///{alias}") == f"sqlite:///{inside.resolve()}"


def test_server_urls_pass_the_file_check(catalog):
    url = "postgresql+psycopg://u@h/d?sslmode=require"
    assert catalog.confine(url) == url


def test_the_cli_catalog_opens_any_file_the_user_can_read(settings, tmp_path):
    local = DatabaseCatalog(settings, confined=False)
    try:
        assert local.connector(f"sqlite:///{city_db(tmp_path)}").run("SELECT 1").rows == [[1]]
    finally:
        local.close()


def test_the_demo_opens_whatever_the_roots(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", file_roots=[tmp_path / "elsewhere"])
    catalog = DatabaseCatalog(settings)
    try:
        assert catalog.connector(DEMO).run("SELECT 1").rows == [[1]]
    finally:
        catalog.close()


# Connecting outside the lock ---------------------------------------------------------------
def test_two_requests_for_one_name_connect_once(catalog, connects):
    connects.held["slow"] = threading.Event()
    catalog.remember("postgresql://u@slow/d")
    results = []
    threads = [threading.Thread(target=lambda: results.append(catalog.connector("postgresql://u@slow/d")))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    connects.held["slow"].set()
    for thread in threads:
        thread.join(5)
    assert connects.calls == ["postgresql://u@slow/d"] and len({id(r) for r in results}) == 1


def test_a_slow_connect_blocks_only_its_own_name(catalog, connects):
    connects.held["slow"] = threading.Event()
    slow = threading.Thread(target=catalog.connector, args=("postgresql://u@slow/d",))
    slow.start()
    time.sleep(0.1)
    started = time.perf_counter()
    catalog.connector("postgresql://u@fast/d")
    assert time.perf_counter() - started < 0.5
    connects.held["slow"].set()
    slow.join(5)


def test_requests_waiting_for_one_connect_hold_no_thread(catalog, connects):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    connects.held["slow"] = threading.Event()

    async def scenario():
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(2))
        waiting = [asyncio.create_task(catalog.aconnector("postgresql://u@slow/d")) for _ in range(10)]
        await asyncio.sleep(0.1)
        fast = await asyncio.wait_for(catalog.aconnector("postgresql://u@fast/d"), 1)
        connects.held["slow"].set()
        slow = await asyncio.gather(*waiting)
        return fast, slow

    fast, slow = asyncio.run(scenario())
    assert fast.url.endswith("@fast/d") and len({id(c) for c in slow}) == 1
    assert connects.calls == ["postgresql://u@slow/d", "postgresql://u@fast/d"]


def test_a_failed_connect_is_not_kept(catalog, monkeypatch):
    def refuse(url, **_options):
        raise connectors.ConnectorError("no")

    monkeypatch.setattr(connectors, "connect", refuse)
    for _ in range(2):
        with pytest.raises(connectors.ConnectorError):
            catalog.connector("postgresql://u@h/d")
    assert not catalog._opening


def test_a_connection_changed_while_connecting_is_opened_anew(catalog, connects):
    catalog.registry.add("w", "postgresql://u@old/d")
    connects.held["old"] = threading.Event()
    result = []
    thread = threading.Thread(target=lambda: result.append(catalog.connector("w")))
    thread.start()
    time.sleep(0.1)
    catalog.registry.update("w", url="postgresql://u@new/d")
    catalog.forget("w")
    connects.held["old"].set()
    thread.join(5)
    assert result[0].url == "postgresql://u@new/d"
    assert catalog.connector("w") is result[0]


# Unregistered URLs -------------------------------------------------------------------------
def test_unregistered_urls_live_in_a_small_lru_that_closes_what_it_drops(catalog, connects):
    opened = [catalog.connector(f"postgresql://u@h/d?application_name=n{i}") for i in range(ADHOC_CONNECTORS + 5)]
    assert len(catalog._adhoc) == ADHOC_CONNECTORS
    assert [c.closed for c in opened] == [True] * 5 + [False] * ADHOC_CONNECTORS
    catalog.registry.add("w", "postgresql://u@h/d")
    named = catalog.connector("w")
    assert catalog.connector("w") is named and not named.closed  # names are kept apart, by name


def test_a_url_is_named_by_a_digest_without_its_password(catalog, connects):
    with_password = "postgresql://u:s3cret@h/d?password=other"
    key = catalog.remember(with_password)
    assert key == knowledge_key("postgresql://u@h/d") and "s3cret" not in key and "://" not in key
    assert catalog.connector(key).url == with_password
    with pytest.raises(UnknownDatabase):
        catalog.connector("url:0000000000000000")


def test_names_are_their_own_knowledge_key():
    assert knowledge_key("warehouse") == "warehouse"



# Privileged accounts -----------------------------------------------------------------------
def test_a_privileged_account_is_refused_and_closed_where_the_settings_say(settings, connects, monkeypatch):
    from connectors import privileges

    monkeypatch.setattr(privileges, "dangerous_privileges",
                        lambda _c: [privileges.Privilege("superuser", "passes every check.")])
    lenient = DatabaseCatalog(settings)
    assert not lenient.connector("postgresql://u@h/d").closed
    strict = DatabaseCatalog(settings.model_copy(update={"refuse_privileged": True}))
    with pytest.raises(DatabaseNotAllowed, match="superuser: passes every check") as refused:
        strict.connector("postgresql://u@h/d")
    assert "DBGPT_REFUSE_PRIVILEGED" in str(refused.value)
    assert not strict._adhoc
