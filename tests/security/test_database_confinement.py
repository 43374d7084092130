"""Confinement of databases, tried against the real engines through the real API.

Over HTTP a SQLite or DuckDB file opens only under the file roots, never
among the product's own files, symlinks followed, with one answer whether or
not the file exists (the CLI, the local owner, opens any file); every route
that takes a database checks the caller's grant; a database that never
answers holds up only its own requests; unregistered URLs keep a bounded
number of connections; and with DBGPT_REFUSE_PRIVILEGED=1 a superuser or root
account is refused. Each refusal comes with nothing read, written or kept
open."""

from __future__ import annotations

import os
import threading
import time
import uuid
from contextlib import contextmanager

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from server.cli.main import app as cli
from server.databases import ADHOC_CONNECTORS, OUTSIDE_ROOTS
from server.settings import Settings
from tests.support.api_server import served
from tests.support.helpers import city_db
from tests.support.tcp import TcpServer

from .conftest import pg_admin

API = "/api/v1"


@pytest.fixture
def settings(tmp_path):
    """The defaults: files under data/databases and the demo folder; no URLs over HTTP."""
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")
    settings.ensure_dirs()
    return settings


@pytest.fixture
def outside(tmp_path):
    """A SQLite and a DuckDB database the server may not open: outside every root."""
    folder = tmp_path / "outside"
    folder.mkdir()
    duck = folder / "sales.duckdb"
    with duckdb.connect(str(duck)) as con:
        con.execute("CREATE TABLE sale (id INTEGER)")
    return city_db(folder), duck


def _atime_is_kept(folder) -> bool:
    probe = folder / "atime-probe"
    probe.write_bytes(b"x")
    past = time.time() - 3 * 86400
    os.utime(probe, (past, past))
    probe.read_bytes()
    return probe.stat().st_atime != past


@contextmanager
def untouched(*paths):
    """Fails unless each file is neither read nor written in the block (its access and
    modification times, set days back, stay there; without atime, writes only)."""
    reads = _atime_is_kept(paths[0].parent)
    past = time.time() - 3 * 86400
    for path in paths:
        os.utime(path, (past, past))
    yield
    for path in paths:
        seen = path.stat()
        assert seen.st_mtime == past, f"{path} was written"
        assert not reads or seen.st_atime == past, f"{path} was read"


# Files ---------------------------------------------------------------------------------------
def test_files_outside_the_roots_are_refused_with_one_answer_and_left_unread(settings, outside, tmp_path):
    city, duck = outside
    data, databases = settings.data_dir, settings.user_databases_path
    (settings.cluster_secret_path).write_text("cluster secret of this data dir")
    links = {"to-city.sqlite": city, "to-passwd.sqlite": "/etc/passwd", "to-metadata.sqlite": settings.metadata_db_path,
             "to-key.sqlite": settings.secret_key_path}
    for name, target in links.items():
        (databases / name).symlink_to(target)
    paths = [city, tmp_path / "outside" / "missing.sqlite", "/etc/passwd", data / "metadata.sqlite",
             data / "secret.key", data / "cluster.secret", data / "chroma" / "chroma.sqlite3",
             data / "knowledge" / "registry.sqlite", databases / ".." / "metadata.sqlite",
             *(databases / name for name in links)]
    urls = [f"sqlite:///{p}" for p in paths] + [f"duckdb:///{duck}", f"duckdb:///{databases / 'to-city.sqlite'}"]
    with served(settings) as api, untouched(city, duck):
        for url in urls:
            for test in (True, False):
                answer = api.admin.post(f"{API}/connections", json={"name": "x", "url": url, "test": test})
                assert (answer.status_code, answer.json()["detail"]) == (403, OUTSIDE_ROOTS), url
        assert [c["name"] for c in api.admin.get(f"{API}/connections").json()] == ["demo"]
        assert not api.services.databases._named and not api.services.databases._adhoc


def test_a_file_under_the_roots_opens_even_through_a_symlink(settings):
    city = city_db(settings.user_databases_path)
    (settings.user_databases_path / "alias.sqlite").symlink_to(city)
    with served(settings) as api:
        for name, path in (("city", city), ("alias", settings.user_databases_path / "alias.sqlite")):
            created = api.admin.post(f"{API}/connections", json={"name": name, "url": f"sqlite:///{path}"})
            assert created.status_code == 201
            run = api.admin.post(f"{API}/sql/run", json={"db": name, "sql": "SELECT COUNT(*) FROM city"})
            assert run.json()["rows"] == [[2]]


def test_the_cli_registers_any_file_but_http_never_opens_it(settings, outside, monkeypatch):
    city, _ = outside
    monkeypatch.setenv("DBGPT_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "add", "outside", f"sqlite:///{city}"]).exit_code == 0
    assert runner.invoke(cli, ["db", "test", "outside"]).exit_code == 0  # the local owner may
    with served(settings) as api, untouched(city):
        for method, path, body in (("POST", "/connections/outside/test", None),
                                   ("POST", "/connections/outside/refresh", None),
                                   ("POST", "/sql/run", {"db": "outside", "sql": "SELECT name FROM city"}),
                                   ("POST", "/sql/diagnose", {"db": "outside", "sql": "SELECT name FROM city",
                                                              "use_model": False}),
                                   ("POST", "/knowledge/values/match", {"db": "outside", "question": "Paris"})):
            answer = api.admin.request(method, API + path, json=body)
            assert (answer.status_code, answer.json()["detail"]) == (403, OUTSIDE_ROOTS), path


def test_patching_a_connection_to_a_file_outside_is_refused_and_changes_nothing(settings, outside):
    city, duck = outside
    inside = city_db(settings.user_databases_path)
    with served(settings) as api, untouched(city, duck):
        api.admin.post(f"{API}/connections", json={"name": "city", "url": f"sqlite:///{inside}"})
        for url in (f"sqlite:///{city}", f"duckdb:///{duck}", f"sqlite:///{settings.metadata_db_path}"):
            assert api.admin.patch(f"{API}/connections/city", json={"url": url}).status_code == 403
        assert api.admin.get(f"{API}/connections/city").json()["url"] == f"sqlite:///{inside}"
        assert api.admin.post(f"{API}/sql/run", json={"db": "city", "sql": "SELECT COUNT(*) FROM city"}).json()[
            "rows"] == [[2]]


def test_ad_hoc_urls_are_confined_like_registered_ones(settings, outside):
    city, duck = outside
    inside = city_db(settings.user_databases_path)
    with served(settings.model_copy(update={"allow_urls": True})) as api, untouched(city, duck):
        for url in (f"sqlite:///{city}", f"duckdb:///{duck}", f"sqlite:///{settings.metadata_db_path}"):
            answer = api.admin.post(f"{API}/sql/run", json={"db": url, "sql": "SELECT 1"})
            assert (answer.status_code, answer.json()["detail"]) == (403, OUTSIDE_ROOTS)
        ok = api.admin.post(f"{API}/sql/run", json={"db": f"sqlite:///{inside}", "sql": "SELECT COUNT(*) FROM city"})
        assert ok.json()["rows"] == [[2]]


# Grants --------------------------------------------------------------------------------------
DB_ROUTES = [
    ("POST", "/sql/run", {"sql": "SELECT 1"}),
    ("POST", "/sql/generate", {"question": "How many cities?"}),
    ("POST", "/sql/generate/stream", {"question": "How many cities?"}),
    ("POST", "/sql/diagnose", {"sql": "SELECT 1", "use_model": False}),
    ("POST", "/qa", {"question": "How many cities?"}),
    ("POST", "/knowledge/schema/link", {"question": "How many cities?"}),
    ("POST", "/knowledge/values/match", {"question": "Paris"}),
    ("GET", "/knowledge/sensitive", None),
    ("GET", "/knowledge/examples", None),
    ("POST", "/knowledge/examples", {"question": "How many cities?", "sql": "SELECT 1"}),
    ("POST", "/knowledge/feedback", {"question": "How many cities?", "sql": "SELECT 1", "correct": True}),
]


def test_every_route_that_takes_a_database_checks_the_callers_grant(settings):
    inside = city_db(settings.user_databases_path)
    with served(settings.model_copy(update={"allow_urls": True})) as api:
        api.admin.post(f"{API}/connections", json={"name": "city", "url": f"sqlite:///{inside}"})
        analyst = api.client("ann")
        for db in ("city", f"sqlite:///{inside}", "url:0123456789abcdef"):
            for method, path, body in DB_ROUTES:
                answer = (analyst.request(method, API + path, json={**body, "db": db}) if body is not None
                          else analyst.request(method, API + path, params={"db": db}))
                assert answer.status_code == 403, (path, db, answer.text)
            for path in ("/connections/{}/test", "/connections/{}/refresh"):
                assert analyst.post(API + path.format(db)).status_code in (403, 404)
            assert analyst.get(f"{API}/connections/{db}").status_code in (403, 404)
        assert [c["name"] for c in analyst.get(f"{API}/connections").json()] == ["demo"]


# A database that never answers ---------------------------------------------------------------
def test_a_database_that_never_answers_holds_up_only_its_own_requests(settings):
    inside = city_db(settings.user_databases_path)
    silent = TcpServer()  # accepts, never answers
    try:
        with served(settings) as api:
            api.admin.post(f"{API}/connections", json={"name": "stuck", "test": False,
                                                       "url": f"mysql+pymysql://root@127.0.0.1:{silent.port}/test"})
            api.admin.post(f"{API}/connections", json={"name": "city", "test": False, "url": f"sqlite:///{inside}"})
            assert api.admin.post(f"{API}/sql/run", json={"db": "demo", "sql": "SELECT 1"}).status_code == 200
            stuck = []
            waiting = [threading.Thread(target=lambda: stuck.append(api.admin.post(
                f"{API}/sql/run", json={"db": "stuck", "sql": "SELECT 1"}))) for _ in range(2)]
            for thread in waiting:
                thread.start()
            deadline = time.monotonic() + 10
            while not silent.accepted and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            assert silent.accepted and all(thread.is_alive() for thread in waiting)
            for db, sql in (("demo", "SELECT COUNT(*) FROM customers"), ("city", "SELECT COUNT(*) FROM city")):
                started = time.perf_counter()
                answer = api.admin.post(f"{API}/sql/run", json={"db": db, "sql": sql})
                assert answer.status_code == 200 and time.perf_counter() - started < 1.0, db
            assert len(silent.accepted) == 1  # two requests for one name: one connect
            silent.close()  # the silent server hangs up: the requests end with an error
            for thread in waiting:
                thread.join(30)
            assert [r.status_code for r in stuck] == [400, 400]
    finally:
        silent.close()


# PostgreSQL accounts -------------------------------------------------------------------------
@pytest.fixture
def pg_role(postgres_url):
    """A login role with no rights beyond connecting; yields (role, its URL); dropped after."""
    role = f"dbgpt_conf_{uuid.uuid4().hex[:10]}"
    with pg_admin(postgres_url) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    yield role, sa.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    with pg_admin(postgres_url) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        admin.execute(f"DROP ROLE {role}")


def connections_of(postgres_url: str, role: str) -> int:
    with pg_admin(postgres_url) as admin:
        return admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = %s", (role,)).fetchone()[0]


def test_unregistered_urls_keep_a_bounded_number_of_connections(settings, postgres_url, pg_role):
    role, url = pg_role
    with served(settings.model_copy(update={"allow_urls": True})) as api:
        for i in range(3 * ADHOC_CONNECTORS):
            distinct = sa.make_url(url).update_query_dict({"connect_timeout": str(10 + i)})
            answer = api.admin.post(f"{API}/sql/run", json={"db": distinct.render_as_string(hide_password=False),
                                                            "sql": "SELECT 1"})
            assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 5
        while connections_of(postgres_url, role) > ADHOC_CONNECTORS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 1 <= connections_of(postgres_url, role) <= ADHOC_CONNECTORS
    deadline = time.monotonic() + 5
    while connections_of(postgres_url, role) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert connections_of(postgres_url, role) == 0  # closed with the app


def test_the_test_route_names_a_superusers_privileges(settings, postgres_url, pg_role):
    _, low = pg_role
    with served(settings) as api:
        api.admin.post(f"{API}/connections", json={"name": "super", "url": postgres_url})
        api.admin.post(f"{API}/connections", json={"name": "low", "url": low})
        warned = api.admin.post(f"{API}/connections/super/test").json()
        assert warned["ok"] and warned["warnings"][0].startswith("superuser: ")
        assert any(w.startswith("pg_execute_server_program: ") for w in warned["warnings"])
        clean = api.admin.post(f"{API}/connections/low/test").json()
        assert clean["ok"] and clean["warnings"] == []


def test_privileged_accounts_are_refused_when_registered_and_when_opened(settings, postgres_url, mariadb_url,
                                                                         pg_role):
    _, low = pg_role
    with served(settings.model_copy(update={"refuse_privileged": True})) as api:
        for name, url in (("super", postgres_url), ("root", mariadb_url)):
            for test in (True, False):
                answer = api.admin.post(f"{API}/connections", json={"name": name, "url": url, "test": test})
                assert answer.status_code == 403 and "DBGPT_REFUSE_PRIVILEGED" in answer.json()["detail"]
        assert "superuser" in api.admin.post(f"{API}/connections", json={"name": "s", "url": postgres_url}).json()[
            "detail"]
        assert "FILE" in api.admin.post(f"{API}/connections", json={"name": "r", "url": mariadb_url}).json()["detail"]
        assert [c["name"] for c in api.admin.get(f"{API}/connections").json()] == ["demo"]
        # Registered before the policy (or from the shell): refused when opened.
        api.services.databases.registry.add("super", postgres_url)
        for path, body in (("/sql/run", {"db": "super", "sql": "SELECT 1"}), ("/connections/super/test", None)):
            answer = api.admin.post(API + path, json=body)
            assert answer.status_code == 403 and "superuser" in answer.json()["detail"]
        assert "super" not in api.services.databases._named
        assert api.admin.post(f"{API}/connections", json={"name": "low", "url": low}).status_code == 201
        assert api.admin.post(f"{API}/sql/run", json={"db": "low", "sql": "SELECT 1"}).json()["rows"] == [[1]]


def test_dbgpt_db_test_warns_and_refuses_where_the_settings_say(settings, postgres_url, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "add", "super", postgres_url]).exit_code == 0
    warned = runner.invoke(cli, ["db", "test", "super"])
    assert warned.exit_code == 0 and "the account has superuser" in warned.output
    monkeypatch.setenv("DBGPT_REFUSE_PRIVILEGED", "1")
    refused = runner.invoke(cli, ["db", "test", "super"])
    assert refused.exit_code == 3 and "refused" in refused.output and "superuser" in refused.output


def test_driver_options_that_read_server_files_are_refused_over_http(tmp_path):
    from server.databases import DatabaseCatalog, DatabaseNotAllowed
    from server.settings import Settings

    catalog = DatabaseCatalog(Settings(data_dir=tmp_path / "data"))
    for url in ("mysql+pymysql://root@127.0.0.1:3306/test?read_default_file=/root/.my.cnf",
                "postgresql+psycopg://u@127.0.0.1/test?passfile=/root/.pgpass",
                "postgresql+psycopg://u@127.0.0.1/test?service=prod"):
        with pytest.raises(DatabaseNotAllowed, match="read files on the server"):
            catalog.confine(url)
