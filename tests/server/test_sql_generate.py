import sqlite3


def url(path):
    return f"sqlite:///{path}"


def test_question_becomes_sql_and_rows(client, llm, shop_db):
    llm.reply = '{"thoughts": "count stores", "sql": "SELECT COUNT(*) AS n FROM store"}'
    response = client.post("/api/v1/sql/generate", json={"question": "How many stores?", "db": url(shop_db)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sql"] == "SELECT COUNT(*) AS n FROM store"
    assert body["rows"] == [[3]] and body["columns"] == ["n"]
    assert body["error"] is None
    assert {"schema", "generate", "execute", "total"} <= set(body["timings"])
    # The model saw the real schema.
    system = llm.requests[0].messages[0]["content"]
    assert "CREATE TABLE store" in system and "REFERENCES city(id)" in system


def test_a_write_statement_is_refused_and_never_runs(client, llm, shop_db):
    llm.reply = '{"sql": "DELETE FROM store"}'
    response = client.post("/api/v1/sql/generate", json={"question": "Remove stores", "db": url(shop_db)})
    assert response.status_code == 200
    body = response.json()
    assert body["error"]["kind"] == "refused" and body["error"]["rule"]
    assert body["rows"] == []
    with sqlite3.connect(shop_db) as con:
        assert con.execute("SELECT COUNT(*) FROM store").fetchone() == (3,)


def test_an_execution_error_carries_the_database_message(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT nope FROM store"}'
    body = client.post("/api/v1/sql/generate", json={"question": "?", "db": url(shop_db)}).json()
    assert body["error"]["kind"] == "execution"
    assert "nope" in body["error"]["message"]


def test_an_answer_without_sql_says_so(client, llm, shop_db):
    llm.reply = "I am not sure what you mean."
    body = client.post("/api/v1/sql/generate", json={"question": "?", "db": url(shop_db)}).json()
    assert body["sql"] is None and body["error"]["kind"] == "no_sql"


def test_execute_false_returns_sql_only(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city"}'
    body = client.post("/api/v1/sql/generate",
                       json={"question": "cities", "db": url(shop_db), "execute": False}).json()
    assert body["sql"] == "SELECT name FROM city" and body["rows"] == []


def test_row_limit_truncates(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM store ORDER BY id"}'
    body = client.post("/api/v1/sql/generate",
                       json={"question": "stores", "db": url(shop_db), "row_limit": 2}).json()
    assert body["rows"] == [["A"], ["B"]] and body["truncated"] is True


def test_unknown_database_is_404_naming_the_known_ones(client):
    response = client.post("/api/v1/sql/generate", json={"question": "How many?", "db": "nosuchdb"})
    assert response.status_code == 404
    assert "nosuchdb" in response.json()["detail"] and "demo" in response.json()["detail"]


def test_empty_blank_and_overlong_questions_are_422(client, shop_db):
    for question in ("", "   ", "x" * 2001):
        response = client.post("/api/v1/sql/generate", json={"question": question, "db": url(shop_db)})
        assert response.status_code == 422, question


def test_malformed_body_is_422_with_a_message(client):
    response = client.post("/api/v1/sql/generate", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_no_model_is_503_naming_the_fix(client, llm, shop_db):
    llm.available = False
    response = client.post("/api/v1/sql/generate", json={"question": "How many?", "db": url(shop_db)})
    assert response.status_code == 503
    assert "dbgpt model pull" in response.json()["detail"]  # the settings' model dir is empty


def test_healthz_follows_the_model(client, llm):
    assert client.get("/healthz").status_code == 200
    llm.available = False
    assert client.get("/healthz").status_code == 503


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/v1/sql/generate" in client.get("/openapi.json").json()["paths"]
