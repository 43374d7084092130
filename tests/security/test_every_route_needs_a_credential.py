"""Every route needs a credential, and every admin route the admin role.

The routes are read from the app (its OpenAPI schema, its routers with their
dependencies, its mounts), so a route added later is covered the day it is
added: one that forgets its credential fails `test_the_open_routes_are_exactly_these`.
"""

from __future__ import annotations

import pytest

from server.api.deps import SESSION_COOKIE, require_admin
from tests.support.auth import bearer
from tests.support.routes import Route, every_route, static_mounts

BODY_METHODS = {"POST", "PUT", "PATCH"}
# Files behind the mounts, next to the routes: the docs' scripts, the chat page's scripts,
# and the two files the login page needs.
FILES = ["/docs-assets/swagger-ui-bundle.js", "/docs-assets/redoc.standalone.js", "/docs-assets/favicon.png",
         "/ui/index.html", "/ui/js/app.js", "/ui/js/api.js", "/ui/vendor/vega-6.4.0.min.js", "/ui/login.js",
         "/ui/style.css"]
# Everything a stranger may reach; the rest answers 401.
OPEN = {"GET /healthz", "POST /api/v1/auth/login", "GET /", "GET /ui/login.js", "GET /ui/style.css"}
# Outside the schema: the pages, the docs and the OpenAI-compatible API.
UNLISTED = {"GET /", "GET /docs", "GET /redoc", "GET /openapi.json", "GET /v1/models", "POST /v1/chat/completions",
            "POST /v1/completions", "POST /v1/embeddings"}
# What the admin role must guard at the least; the test derives the full list from the code.
ADMIN_AT_LEAST = {
    "GET /api/v1/users", "POST /api/v1/users", "DELETE /api/v1/users/{name}",
    "POST /api/v1/users/{name}/grants", "DELETE /api/v1/users/{name}/grants",
    "GET /api/v1/keys", "POST /api/v1/keys", "DELETE /api/v1/keys/{key_id}",
    "GET /api/v1/audit",
    "POST /api/v1/connections", "PATCH /api/v1/connections/{name}", "DELETE /api/v1/connections/{name}",
    "POST /api/v1/knowledge/spaces", "DELETE /api/v1/knowledge/spaces/{name}",
    "POST /api/v1/knowledge/spaces/{name}/documents", "DELETE /api/v1/knowledge/spaces/{name}/documents",
    "POST /api/v1/knowledge/schema/sync", "PUT /api/v1/knowledge/sensitive", "PUT /api/v1/knowledge/descriptions",
    "GET /api/v1/knowledge/jobs", "GET /api/v1/knowledge/jobs/{job_id}",
}


def targets(app) -> list[tuple[str, str, str]]:
    """(label, method, url) for every route of the app and every file behind its mounts."""
    routes = [(str(r), r.method, r.url) for r in every_route(app)]
    return routes + [(f"GET {path}", "GET", path) for path in FILES]


def call(client, method: str, url: str, **kwargs):
    # A well-formed, empty JSON body: what a request lacks is the credential, nothing else.
    return client.request(method, url, json={} if method in BODY_METHODS else None, **kwargs)


def test_the_walk_covers_the_schema_the_unlisted_routes_and_every_mount(app):
    walked = {str(r) for r in every_route(app)}
    in_schema = {f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops}
    assert in_schema <= walked
    assert UNLISTED <= walked - in_schema
    # A new mount serves files this test does not know yet: add some of them to FILES.
    assert set(static_mounts(app)) == {"/docs-assets", "/ui"}


def test_the_open_routes_are_exactly_these(stranger, app):
    answers = {label: call(stranger, method, url) for label, method, url in targets(app)}
    assert {label for label, r in answers.items() if r.status_code != 401} == OPEN
    for label, response in answers.items():
        if label not in OPEN:
            assert response.headers["www-authenticate"] == "Bearer", label
    page = answers["GET /"]
    assert page.status_code == 200 and '<form id="login"' in page.text and 'type="password"' in page.text
    assert answers["GET /healthz"].json() == {"status": "ok", "model": "scripted"}


@pytest.fixture
def bad_credentials(admin, users, settings) -> dict[str, dict]:
    """Headers and cookies that look like credentials and are not (any more)."""
    revoked = users.create_key("admin", "to revoke")
    assert admin.get("/api/v1/auth/me", headers=bearer(revoked[1])).status_code == 200  # verified, so cached
    users.revoke_key(revoked[0].id)  # from another store, as `dbgpt key revoke` does from another process
    expired = users.create_session("admin", ttl_s=-1)
    ended = users.create_session("admin", settings.session_ttl_s)
    users.end_session(ended)
    return {
        "forged key": {"headers": bearer("dbgpt_aaaaaaaaaaaa_" + "a" * 32)},
        "revoked key": {"headers": bearer(revoked[1])},
        "not a key": {"headers": bearer("let-me-in")},
        "basic auth": {"headers": {"Authorization": "Basic YWRtaW46YWRtaW4="}},
        "expired session": {"cookies": {SESSION_COOKIE: expired}},
        "ended session": {"cookies": {SESSION_COOKIE: ended}},
        "session token as a key": {"headers": bearer(expired)},
    }


def test_forged_revoked_and_expired_credentials_are_refused_everywhere(stranger, app, bad_credentials):
    guarded = [t for t in targets(app) if t[0] not in OPEN]
    for kind, credential in bad_credentials.items():
        stranger.cookies.clear()
        stranger.cookies.update(credential.get("cookies", {}))
        for label, method, url in guarded:
            response = call(stranger, method, url, headers=credential.get("headers"))
            assert response.status_code == 401, f"{kind}: {label} answered {response.status_code}"
    stranger.cookies.clear()


def test_a_real_key_id_with_a_forged_secret_is_refused(stranger, app, admin, users):
    # Each try costs the server an argon2 check (0.4 s here), so a few routes of each kind, not all.
    forged = bearer(f"dbgpt_{users.create_key('admin', 'its id is real')[0].id}_" + "b" * 32)
    for url in ("/api/v1/auth/me", "/api/v1/users", "/v1/models", "/openapi.json", "/ui/js/app.js"):
        assert stranger.get(url, headers=forged).status_code == 401, url


def admin_routes(app) -> list[Route]:
    return [r for r in every_route(app) if r.needs(require_admin)]


def test_the_admin_routes_read_from_the_code_hold_the_known_ones(app):
    found = {str(r) for r in admin_routes(app)}
    assert ADMIN_AT_LEAST <= found
    assert not any(r.path.startswith(("/v1/", "/api/v1/sql/", "/api/v1/qa")) for r in admin_routes(app))


def test_an_analyst_is_refused_every_admin_route(analyst, app):
    for route in admin_routes(app):
        response = call(analyst, route.method, route.url)
        assert response.status_code == 403, f"{route} answered {response.status_code}"
        assert "admin role" in response.json()["detail"]


def needs_a_grant(db: str, space: str) -> list[tuple[str, str, dict | None]]:
    """Requests that touch one database or one knowledge space."""
    return [
        ("POST", "/api/v1/sql/run", {"db": db, "sql": "SELECT name FROM city"}),
        ("POST", "/api/v1/sql/generate", {"db": db, "question": "which cities?"}),
        ("POST", "/api/v1/sql/generate/stream", {"db": db, "question": "which cities?"}),
        ("POST", "/api/v1/sql/diagnose", {"db": db, "sql": "SELECT name FROM city", "use_model": False}),
        ("GET", f"/api/v1/connections/{db}", None),
        ("POST", f"/api/v1/connections/{db}/test", None),
        ("POST", f"/api/v1/connections/{db}/refresh", None),
        ("GET", f"/api/v1/knowledge/sensitive?db={db}", None),
        ("GET", f"/api/v1/knowledge/descriptions?db={db}", None),
        ("GET", f"/api/v1/knowledge/examples?db={db}", None),
        ("POST", "/api/v1/knowledge/examples", {"db": db, "question": "cities", "sql": "SELECT name FROM city"}),
        ("POST", "/api/v1/knowledge/feedback", {"db": db, "question": "cities", "sql": "SELECT name FROM city",
                                                "correct": True}),
        ("POST", "/api/v1/knowledge/schema/link", {"db": db, "question": "cities"}),
        ("POST", "/api/v1/knowledge/values/match", {"db": db, "question": "Paris"}),
        ("POST", "/api/v1/qa", {"question": "which cities?", "db": db}),
        ("POST", "/api/v1/qa/stream", {"question": "which cities?", "db": db}),
        ("GET", f"/api/v1/knowledge/spaces/{space}/documents", None),
        ("POST", f"/api/v1/knowledge/spaces/{space}/search", {"query": "vacuum"}),
        ("POST", "/api/v1/qa", {"question": "what is vacuum?", "space": space}),
        ("POST", "/api/v1/qa/stream", {"question": "what is vacuum?", "space": space}),
    ]


def test_a_database_or_space_needs_a_grant(admin, analyst, cities, users):
    assert admin.post("/api/v1/knowledge/spaces", json={"name": "manuals"}).status_code == 201
    for method, url, body in needs_a_grant(cities, "manuals"):
        response = analyst.request(method, url, json=body)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
        assert "no grant" in response.json()["detail"]
    # Lists show only what the caller may use.
    assert [c["name"] for c in analyst.get("/api/v1/connections").json()] == ["demo"]
    assert analyst.get("/api/v1/knowledge/spaces").json() == []

    for kind, target in (("db", cities), ("space", "manuals")):
        assert admin.post("/api/v1/users/ana/grants", json={"kind": kind, "target": target}).status_code == 200
    rows = analyst.post("/api/v1/sql/run", json={"db": cities, "sql": "SELECT name FROM city ORDER BY id"})
    assert rows.status_code == 200 and rows.json()["rows"] == [["Paris"], ["Lyon"]]
    assert analyst.get(f"/api/v1/connections/{cities}").json()["name"] == cities
    assert analyst.post(f"/api/v1/connections/{cities}/test").json()["ok"] is True
    assert analyst.get("/api/v1/knowledge/spaces/manuals/documents").json() == []
    assert [c["name"] for c in analyst.get("/api/v1/connections").json()] == ["demo", cities]
    assert [s["name"] for s in analyst.get("/api/v1/knowledge/spaces").json()] == ["manuals"]

    # A revoked grant is gone at the next request.
    users.revoke("ana", "db", cities)
    assert analyst.post("/api/v1/sql/run", json={"db": cities, "sql": "SELECT 1"}).status_code == 403


def test_by_default_a_database_url_is_refused_even_to_an_admin(admin, analyst, settings):
    url = f"sqlite:///{settings.demo_db_path}"
    for client in (admin, analyst):
        response = client.post("/api/v1/sql/run", json={"db": url, "sql": "SELECT 1"})
        assert response.status_code == 403 and "registered name" in response.json()["detail"]
