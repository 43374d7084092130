"""Connector limits that keep a request from hanging or leaking: a database
server that accepts and never answers fails within the connect timeout, a
driver option the driver refuses is a ConnectorError that names it (never a
traceback), and no message shows a password."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest
from sqlalchemy.engine import make_url

from connectors import ConnectorError, connect
from server.app import create_app
from server.databases import DatabaseCatalog
from server.settings import Settings
from tests.support.auth import signed_in

SECRET = "s3cret-Pa55word"


@contextmanager
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A local port that accepts connections and never sends a byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()


def failure_within(seconds: float, opener) -> tuple[BaseException | None, float]:
    """What opener() raised and how long it took; fails the test rather than hang."""
    outcome: dict = {}

    def attempt() -> None:
        started = time.monotonic()
        try:
            opener().close()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return outcome.get("error"), outcome["elapsed"]


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql", "mariadb"])
def test_a_server_that_never_answers_fails_within_the_connect_timeout(scheme):
    with silent_server() as (port, accepted):
        url = f"{scheme}://someone:{SECRET}@127.0.0.1:{port}/test"
        error, elapsed = failure_within(15, lambda: connect(url, connect_timeout_s=2, timeout_s=30))
        assert accepted, "the driver never reached the socket"
    assert isinstance(error, ConnectorError), repr(error)
    assert 1.5 <= elapsed < 5
    message = str(error)
    assert message.startswith("cannot connect to ") and "no answer within 2 s" in message
    assert f"127.0.0.1:{port}/test" in message and SECRET not in message


def test_the_server_passes_its_limits_to_the_connectors(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", connect_timeout_s=2,
                        file_roots=[tmp_path], max_result_bytes=4096, duckdb_memory_limit="300MB", duckdb_threads=3)
    catalog = DatabaseCatalog(settings)
    with silent_server() as (port, _):
        url = f"mysql+pymysql://root@127.0.0.1:{port}/test"
        error, elapsed = failure_within(15, lambda: catalog.connector(url))
    assert isinstance(error, ConnectorError) and "no answer within 2 s" in str(error)
    assert elapsed < 5
    duck = tmp_path / "limits.duckdb"
    duckdb.connect(str(duck)).close()
    try:
        connector = catalog.connector(f"duckdb:///{duck}")
        assert connector.run("SELECT current_setting('threads')").rows == [[3]]
        cut = connector.run("SELECT repeat('x', 100) FROM range(1000)")
        assert cut.truncated_reason == "bytes" and len(cut.rows) < 50
    finally:
        catalog.close()


def _with_secret(url: str, query: str) -> str:
    return make_url(url).set(password=SECRET).render_as_string(hide_password=False) + query


POSTGRES_OPTIONS = [("?sslmode=bogus", "sslmode"), ("?unknownoption=1", "unknownoption")]
MARIADB_OPTIONS = [
    ("?charset=nope", "charset"),
    ("?unknownoption=1", "unknownoption"),
    ("?compress=maybe", "compress"),
    ("?ssl_ca=/nonexistent/ca.pem", "ssl_ca"),
]


@pytest.mark.parametrize(("query", "option"), POSTGRES_OPTIONS)
def test_postgres_options_the_driver_refuses_are_named(postgres_url, query, option):
    with pytest.raises(ConnectorError) as refused:
        connect(_with_secret(postgres_url, query))  # trust auth would accept any password
    assert option in str(refused.value) and SECRET not in str(refused.value)


@pytest.mark.parametrize(("query", "option"), MARIADB_OPTIONS)
def test_mariadb_options_the_driver_refuses_are_named(mariadb_url, query, option):
    with pytest.raises(ConnectorError) as refused:
        connect(_with_secret(mariadb_url, query))
    assert option in str(refused.value) and SECRET not in str(refused.value)


def test_file_urls_take_no_options(tmp_path):
    lite = tmp_path / "a.sqlite"
    sqlite3.connect(lite).close()
    duck = tmp_path / "b.duckdb"
    duckdb.connect(str(duck)).close()
    for url, option in [(f"sqlite:///{lite}?journal=wal", "journal"), (f"duckdb:///{duck}?threads=64", "threads")]:
        with pytest.raises(ConnectorError, match=option):
            connect(url)


def test_no_connector_error_shows_a_password(postgres_url, mariadb_url):
    """Even where the database repeats what it was given (here a user name that
    is also the password), the password is masked."""
    attempts = [
        make_url(postgres_url).set(username=SECRET, password=SECRET),
        make_url(postgres_url).set(password=SECRET, database="no_such_database"),
        make_url(mariadb_url).set(username=SECRET, password=SECRET),
        make_url(mariadb_url).set(password=SECRET, database="no_such_database"),
    ]
    for url in attempts:
        with pytest.raises(ConnectorError) as failed:
            connect(url.render_as_string(hide_password=False))
        assert SECRET not in str(failed.value)
        assert "***" in str(failed.value)


def test_the_api_answers_a_refused_option_with_its_name(tmp_path, mariadb_url):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")
    with signed_in(create_app(settings), settings, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/connections",
                               json={"name": "odd", "url": _with_secret(mariadb_url, "?unknownoption=1")})
    assert response.status_code == 400
    assert "unknownoption" in response.json()["detail"] and SECRET not in response.text
    assert "Traceback" not in response.text
