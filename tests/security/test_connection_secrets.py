"""Connection passwords, tried against the real engines through the real API.

A stored password follows its URL: a PATCH to another host (or port, given
in the query string) leaves it behind, shown with a server that speaks just
enough PostgreSQL to ask for a cleartext password and keeps what it gets.
A password in the query string is stored encrypted like any other, and
nothing shown carries one. Knowledge of an unregistered URL is kept under a
digest of it: no file under the data dir holds the URL or its password."""

from __future__ import annotations

import socket
import struct
import threading
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from knowledge.service import Knowledge
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.support.api_server import served
from tests.support.tcp import TcpServer

from .conftest import pg_admin

API = "/api/v1"
SECRET = "s3cret-Pa55-" + uuid.uuid4().hex[:8]
SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")
    settings.ensure_dirs()
    return settings


@pytest.fixture(autouse=True)
def no_password_from_the_environment(monkeypatch, tmp_path):
    """libpq sends only what it is given: no PGPASSWORD, no ~/.pgpass."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def _exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the client hung up")
        data += chunk
    return data


class FakePostgres(TcpServer):
    """Answers a startup with AuthenticationCleartextPassword ('R', code 3) and records
    the PasswordMessage it gets, then refuses the login."""

    def __init__(self):
        self.passwords: list[str] = []
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        with conn:
            conn.settimeout(5)
            try:
                while True:
                    length, code = struct.unpack("!ii", _exactly(conn, 8))
                    if code not in (SSL_REQUEST, GSSENC_REQUEST):
                        break
                    conn.sendall(b"N")  # no encryption: the startup message comes next
                _exactly(conn, length - 8)  # user, database, options
                conn.sendall(b"R" + struct.pack("!ii", 8, 3))
                kind = _exactly(conn, 1)
                (length,) = struct.unpack("!i", _exactly(conn, 4))
                body = _exactly(conn, length - 4)
                if kind == b"p":
                    self.passwords.append(body.rstrip(b"\0").decode())
                error = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
                conn.sendall(b"E" + struct.pack("!i", len(error) + 4) + error)
            except (OSError, TimeoutError):  # the client hung up (libpq with no password to give)
                return


@pytest.fixture
def fake_postgres():
    fake = FakePostgres()
    # The fake keeps what a client sends it: a password given to libpq is recorded.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=fake.port, user="postgres", password="control", dbname="x",
                        connect_timeout=5, sslmode="disable")
    assert fake.passwords == ["control"]
    fake.passwords.clear()
    yield fake
    fake.close()


def test_a_patched_url_never_receives_the_stored_password(settings, postgres_url, fake_postgres):
    elsewhere = sa.make_url(postgres_url).set(host="127.0.0.1", port=fake_postgres.port)
    query_port = sa.make_url(postgres_url).update_query_dict({"port": str(fake_postgres.port)})
    with served(settings) as api:
        created = api.admin.post(f"{API}/connections", json={"name": "pg", "url": postgres_url, "password": SECRET})
        assert created.status_code == 201 and created.json()["has_password"]
        assert api.admin.post(f"{API}/connections/pg/test").json()["ok"]
        for moved in (elsewhere, query_port):  # a new host, or only a query option that names the port
            patched = api.admin.patch(f"{API}/connections/pg",
                                      json={"url": moved.render_as_string(hide_password=False)})
            before = len(fake_postgres.accepted)
            assert api.admin.post(f"{API}/connections/pg/test").status_code == 400
            assert len(fake_postgres.accepted) > before  # it was reached, and asked for a password
            assert not any(fake_postgres.passwords)
            assert patched.status_code == 200 and patched.json()["has_password"] is False
            restored = api.admin.patch(f"{API}/connections/pg", json={"url": postgres_url, "password": SECRET})
            assert restored.json()["has_password"]
        # Giving the password with the new URL is the owner's choice, and is honoured.
        api.admin.patch(f"{API}/connections/pg",
                        json={"url": elsewhere.render_as_string(hide_password=False), "password": "meant-for-it"})
        api.admin.post(f"{API}/connections/pg/test")
        assert fake_postgres.passwords == ["meant-for-it"]


def test_query_string_passwords_are_stored_encrypted_and_never_shown(settings, postgres_url, mariadb_url):
    pg = sa.make_url(postgres_url).update_query_dict({"password": SECRET}).render_as_string(hide_password=False)
    urls = {
        "pg": (pg, True),  # trust authentication accepts the password, so the test connect passes
        "my": (sa.make_url(mariadb_url).update_query_dict({"passwd": SECRET + "m"}).render_as_string(
            hide_password=False), False),
        "my2": (sa.make_url(mariadb_url).update_query_dict({"pwd": SECRET + "w"}).render_as_string(
            hide_password=False), False),
    }
    with served(settings) as api:
        shown = []
        for name, (url, test) in urls.items():
            created = api.admin.post(f"{API}/connections", json={"name": name, "url": url, "test": test})
            assert created.status_code == 201 and created.json()["has_password"], created.text
            shown.append(created.text)
        shown += [api.admin.get(f"{API}/connections").text, api.admin.get(f"{API}/connections/pg").text,
                  api.admin.patch(f"{API}/connections/pg", json={"description": "x"}).text,
                  api.admin.patch(f"{API}/connections/my", json={"url": urls["my"][0].replace("/test", "/other")}).text]
        assert api.admin.post(f"{API}/connections/pg/test").json()["ok"]
        registry = api.services.databases.registry
        assert SECRET in registry.full_url("pg") and "password=" not in registry.full_url("pg")
    assert all(SECRET not in text for text in shown)
    assert SECRET.encode() not in settings.metadata_db_path.read_bytes()


@pytest.fixture
def pg_schema(postgres_url):
    """A scratch schema with one small table; dropped after."""
    schema = f"dbgpt_keys_{uuid.uuid4().hex[:10]}"
    with pg_admin(postgres_url) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.execute(f"CREATE TABLE {schema}.staff (id int PRIMARY KEY, name text, ssn text)")
        admin.execute(f"INSERT INTO {schema}.staff VALUES (1, 'Ann', '123-45-6789')")
    yield schema
    with pg_admin(postgres_url) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_knowledge_of_an_ad_hoc_url_is_kept_under_a_digest(settings, postgres_url, pg_schema, embedder):  # noqa: F811
    settings = settings.model_copy(update={"allow_urls": True})
    base = sa.make_url(postgres_url).update_query_dict({"options": f"-csearch_path={pg_schema}"})
    url = base.update_query_dict({"password": SECRET}).render_as_string(hide_password=False)
    bare = base.render_as_string(hide_password=False)
    with served(settings, knowledge=Knowledge(settings, embedder=embedder)) as api:
        synced = api.admin.post(f"{API}/knowledge/schema/sync", json={"db": url})
        assert synced.status_code == 200, synced.text
        key = synced.json()["connection"]
        assert key.startswith("url:") and synced.json()["schema"]["added"] == ["staff"]
        marked = api.admin.put(f"{API}/knowledge/sensitive", json={"db": url, "table": "staff", "column": "ssn"})
        assert marked.json() == [{"table": "staff", "column": "ssn"}]
        # The same database without the password is the same knowledge.
        assert api.admin.get(f"{API}/knowledge/sensitive", params={"db": bare}).json() == marked.json()
        example = api.admin.post(f"{API}/knowledge/examples", json={"db": url, "question": "How many staff?",
                                                                     "sql": "SELECT COUNT(*) FROM staff"})
        assert example.json()["connection"] == key
        assert api.admin.post(f"{API}/sql/run", json={"db": url, "sql": "SELECT name FROM staff"}).json()[
            "rows"] == [["Ann"]]
        audit = api.admin.get(f"{API}/audit").text
        assert SECRET not in audit and "://" not in audit
    address = f"{base.host}:{base.port}"
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data and address.encode() not in data, path
