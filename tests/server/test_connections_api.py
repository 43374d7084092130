import logging

SECRET = "api-s3cr3t-word"


def test_register_list_test_refresh_remove_a_sqlite_connection(client, shop_db):
    created = client.post("/api/v1/connections", json={"name": "shop", "url": f"sqlite:///{shop_db}",
                                                        "description": "the shop"})
    assert created.status_code == 201, created.text
    names = [c["name"] for c in client.get("/api/v1/connections").json()]
    assert names == ["demo", "shop"]
    assert client.post("/api/v1/connections/shop/test").json()["ok"] is True
    refreshed = client.post("/api/v1/connections/shop/refresh").json()
    assert refreshed["tables"] == 2 and refreshed["changed"] is False
    # The name now works wherever a database is asked for.
    run = client.post("/api/v1/sql/run", json={"db": "shop", "sql": "SELECT COUNT(*) FROM store"})
    assert run.json()["rows"] == [[3]]
    assert client.delete("/api/v1/connections/shop").status_code == 204
    assert client.post("/api/v1/sql/run", json={"db": "shop", "sql": "SELECT 1"}).status_code == 404


def test_refresh_sees_schema_drift(client, shop_db):
    import sqlite3

    client.post("/api/v1/connections", json={"name": "shop", "url": f"sqlite:///{shop_db}"})
    client.post("/api/v1/connections/shop/refresh")
    with sqlite3.connect(shop_db) as con:
        con.execute("CREATE TABLE supplier (id INTEGER PRIMARY KEY)")
    refreshed = client.post("/api/v1/connections/shop/refresh").json()
    assert refreshed["changed"] is True and refreshed["tables"] == 3


def test_a_connection_that_cannot_connect_is_not_saved(client, tmp_path):
    response = client.post("/api/v1/connections",
                           json={"name": "ghost", "url": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert response.status_code == 400 and "cannot connect" in response.json()["detail"]
    assert [c["name"] for c in client.get("/api/v1/connections").json()] == ["demo"]


def test_bad_names_urls_and_duplicates(client, shop_db):
    url = f"sqlite:///{shop_db}"
    assert client.post("/api/v1/connections", json={"name": "a b", "url": url}).status_code == 422
    assert client.post("/api/v1/connections", json={"name": "x", "url": "oracle://h/d"}).status_code == 422
    assert client.post("/api/v1/connections", json={"name": "x", "url": url}).status_code == 201
    assert client.post("/api/v1/connections", json={"name": "x", "url": url}).status_code == 409
    assert client.post("/api/v1/connections", json={"name": "demo", "url": url}).status_code == 409
    assert client.get("/api/v1/connections/nope").status_code == 404


def test_no_response_or_log_line_holds_the_password(client, postgres_url, caplog):
    caplog.set_level(logging.DEBUG)
    url = postgres_url.replace("postgres@", f"postgres:{SECRET}@")  # trust auth accepts any password
    texts = []
    response = client.post("/api/v1/connections", json={"name": "pg", "url": url})
    assert response.status_code == 201, response.text
    texts.append(response.text)
    texts.append(client.get("/api/v1/connections").text)
    texts.append(client.get("/api/v1/connections/pg").text)
    texts.append(client.post("/api/v1/connections/pg/test").text)
    texts.append(client.patch("/api/v1/connections/pg", json={"description": "x"}).text)
    texts.append(client.post("/api/v1/sql/run", json={"db": "pg", "sql": "SELECT nope"}).text)
    assert client.post("/api/v1/connections/pg/test").json()["ok"] is True
    assert all(SECRET not in t for t in texts)
    assert SECRET not in caplog.text


def test_a_file_outside_the_roots_is_refused_before_anything_is_saved(client, settings):
    for url in ("sqlite:////etc/passwd", f"sqlite:///{settings.metadata_db_path}"):
        for test in (True, False):
            response = client.post("/api/v1/connections", json={"name": "x", "url": url, "test": test})
            assert response.status_code == 403 and "file roots" in response.json()["detail"]
    assert [c["name"] for c in client.get("/api/v1/connections").json()] == ["demo"]


def test_patching_the_url_drops_the_password_unless_one_is_given(client, shop_db):
    client.post("/api/v1/connections", json={"name": "pg", "url": "postgresql+psycopg://u@h/d",
                                             "password": SECRET, "test": False})
    moved = client.patch("/api/v1/connections/pg", json={"url": "postgresql+psycopg://u@elsewhere/d"}).json()
    assert moved["has_password"] is False
    again = client.patch("/api/v1/connections/pg", json={"url": "postgresql+psycopg://u@h/d", "password": SECRET})
    assert again.json()["has_password"] is True
    assert client.patch("/api/v1/connections/pg", json={"url": "sqlite:////etc/passwd"}).status_code == 403
    assert client.get("/api/v1/connections/pg").json()["url"] == "postgresql+psycopg://u:***@h/d"


def test_the_test_route_warns_about_a_superuser(client, postgres_url, shop_db):
    client.post("/api/v1/connections", json={"name": "pg", "url": postgres_url})
    client.post("/api/v1/connections", json={"name": "shop", "url": f"sqlite:///{shop_db}"})
    warnings = client.post("/api/v1/connections/pg/test").json()["warnings"]
    assert warnings[0].startswith("superuser: ")
    assert client.post("/api/v1/connections/shop/test").json()["warnings"] == []
