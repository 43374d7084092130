"""A web page in the user's browser as the adversary: DNS rebinding, cross-site requests, the session cookie,
and the one-time login URL. The Host check runs against the real server on a real port."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
import pytest

from server.api.deps import SESSION_COOKIE
from server.app import create_app
from server.settings import Settings
from tests.support.auth import api_key, bearer, login_path
from tests.support.helpers import serve_app

FOREIGN_HOSTS = ["attacker.example", "attacker.example:5670", "127.0.0.1.attacker.example", "localhost.example"]


def kinds_of_route(key: str) -> list[tuple[str, str, dict]]:
    """One request of each kind the server answers: (method, path, extra httpx arguments)."""
    signed = {"headers": bearer(key)}
    return [
        ("GET", "/healthz", {}),
        ("GET", "/", {}),
        ("GET", "/ui/login.js", {}),
        ("GET", "/ui/js/app.js", signed),
        ("GET", "/docs", signed),
        ("GET", "/docs-assets/swagger-ui-bundle.js", signed),
        ("GET", "/openapi.json", signed),
        ("POST", "/api/v1/auth/login", {"json": {"name": "admin", "password": "whatever1"}}),
        ("GET", "/api/v1/connections", signed),
        ("POST", "/api/v1/sql/run", {"json": {"db": "demo", "sql": "SELECT 1"}, **signed}),
        ("GET", "/v1/models", signed),
        ("GET", "/no/such/route", {}),
    ]


def test_a_foreign_host_is_refused_before_routing_on_every_kind_of_route(app, settings):
    key = api_key(settings)
    with serve_app(app) as base, httpx.Client(base_url=base) as http:
        for method, path, extra in kinds_of_route(key):
            for host in FOREIGN_HOSTS:
                headers = {**extra.get("headers", {}), "Host": host}
                response = http.request(method, path, **{**extra, "headers": headers})
                assert response.status_code == 400, f"{host}: {method} {path} answered {response.status_code}"
                assert "set-cookie" not in response.headers
            # The same request from the loopback name is served.
            assert http.request(method, path, **extra).status_code != 400, path


def test_allowed_hosts_are_served_and_the_local_names_stay(tmp_path, monkeypatch, llm):
    monkeypatch.setenv("DBGPT_ALLOWED_HOSTS", '["dbgpt.example.com", "db.lan"]')
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models")
    with serve_app(create_app(settings, llm=llm)) as base, httpx.Client(base_url=base) as http:
        for host in ("dbgpt.example.com", "db.lan:8443", "127.0.0.1", "localhost"):
            assert http.get("/healthz", headers={"Host": host}).status_code == 200, host
        # The one-time link `dbgpt serve` prints names 127.0.0.1: it keeps working.
        assert http.get(login_path(settings)).status_code == 303
        assert http.get("/healthz", headers={"Host": "attacker.example"}).status_code == 400


def cookie_of(response: httpx.Response):
    jar = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar[SESSION_COOKIE]


@pytest.fixture
def password_user(users) -> tuple[str, str]:
    users.add("pat", "analyst", "correct horse battery")
    return "pat", "correct horse battery"


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(app, settings, password_user):
    name, password = password_user
    with serve_app(app) as base, httpx.Client(base_url=base) as http:
        plain = http.post("/api/v1/auth/login", json={"name": name, "password": password})
        assert plain.status_code == 200
        cookie = cookie_of(plain)
        # No script reads it, no other site's page sends it: a cross-site POST carries no session.
        assert cookie["httponly"] is True and cookie["samesite"].lower() == "strict" and cookie["path"] == "/"
        assert cookie["max-age"] == str(settings.session_ttl_s)
        assert cookie["secure"] == ""  # reached over plain HTTP: a Secure cookie would never come back
        # Behind a TLS proxy on this machine (uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as `dbgpt
        # serve` runs it), the cookie is Secure.
        proxied = http.post("/api/v1/auth/login", json={"name": name, "password": password},
                            headers={"X-Forwarded-Proto": "https"})
        assert cookie_of(proxied)["secure"] is True
        me = http.get("/api/v1/auth/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie.value}"})
        assert me.json()["name"] == name


SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]


def test_a_simple_cross_site_request_does_not_act(admin, stranger, users):
    """A page may POST text/plain, form or multipart bodies without a CORS preflight; JSON routes refuse them,
    even with a valid session (were SameSite ever absent)."""
    session = users.create_session("admin", 3600)
    stranger.cookies.set(SESSION_COOKIE, session)
    for content_type in SIMPLE_TYPES:
        headers = {"Content-Type": content_type, "Origin": "http://attacker.example"}
        made = stranger.post("/api/v1/users", content=b'{"name": "mallory", "role": "admin"}', headers=headers)
        assert 400 <= made.status_code < 500, content_type
        ran = stranger.post("/api/v1/sql/run", content=b'{"db": "demo", "sql": "SELECT 1"}', headers=headers)
        assert 400 <= ran.status_code < 500, content_type
        login = stranger.post("/api/v1/auth/login", content=b'{"name": "admin", "password": "x"}', headers=headers)
        assert 400 <= login.status_code < 500 and "set-cookie" not in login.headers, content_type
    stranger.cookies.clear()
    assert "mallory" not in [u["name"] for u in admin.get("/api/v1/users").json()]
    assert admin.get("/api/v1/audit").json() == []  # nothing reached a database


def test_no_cors_headers_for_a_foreign_origin(admin):
    origin = {"Origin": "http://attacker.example"}
    answers = [
        admin.options("/api/v1/auth/me", headers={**origin, "Access-Control-Request-Method": "GET"}),
        admin.options("/api/v1/sql/run", headers={**origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"}),
        admin.get("/api/v1/auth/me", headers=origin),
        admin.post("/api/v1/sql/run", json={"db": "demo", "sql": "SELECT 1"}, headers=origin),
        admin.get("/v1/models", headers=origin),
        admin.get("/", headers=origin),
    ]
    for response in answers:
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], response.request.url


def test_the_one_time_login_url_works_once(stranger, settings, users):
    path = login_path(settings)
    first = stranger.get(path, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    # The token sits in the address bar: no Referer carries it away, no cache keeps it.
    assert first.headers["referrer-policy"] == "no-referrer" and first.headers["cache-control"] == "no-store"
    session = stranger.cookies.get(SESSION_COOKIE)
    assert session and stranger.get("/api/v1/auth/me").json()["name"] == "admin"
    stranger.cookies.clear()

    again = stranger.get(path, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/?login=expired"
    assert "set-cookie" not in again.headers

    expired = f"/?token={users.create_login_token('admin', ttl_s=-1)}"
    forged = "/?token=" + "A" * 43
    as_session = f"/?token={users.create_session('admin', 3600)}"  # a session token is no login token
    for refused in (expired, forged, as_session):
        answer = stranger.get(refused, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/?login=expired", refused
        assert "set-cookie" not in answer.headers
    # Refused, the visitor gets the login page.
    assert '<form id="login"' in stranger.get("/?login=expired").text
