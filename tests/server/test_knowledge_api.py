"""Knowledge routes over real Chroma, embeddings and SQLite; no model involved."""

import shutil
import sqlite3

import pytest

from knowledge.service import Knowledge
from server.app import create_app
from server.settings import Settings
from tests.support.auth import signed_in
from tests.support.helpers import wait_for_job
from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401

API = "/api/v1/knowledge"


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, city_id INTEGER REFERENCES city(id));
            INSERT INTO city VALUES (1, 'New York'), (2, 'Lyon');
            INSERT INTO customer VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 2);
            """
        )
    return path


@pytest.fixture
def client(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", allow_urls=True,
                        file_roots=[tmp_path])
    with signed_in(create_app(settings, knowledge=Knowledge(settings, embedder=embedder)), settings) as test_client:
        yield test_client


def test_documents_are_ingested_in_the_background_and_searched(client, tmp_path):
    assert client.post(f"{API}/spaces", json={"name": "manuals"}).status_code == 201
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nope")
    shutil.copy(sqlite_docs() / "lang_vacuum.html", tmp_path)  # under the file roots (tmp_path)
    started = client.post(f"{API}/spaces/manuals/documents",
                          json={"paths": [str(tmp_path / "lang_vacuum.html"), str(tmp_path / "broken.pdf")]})
    assert started.status_code == 202 and started.json()["paths"] == 2 and "files" not in started.json()
    job = wait_for_job(client, started.json()["id"])
    assert job["counts"] == {"added": 1, "failed": 1}
    assert [f["error_kind"] for f in job["files"]] == [None, "corrupt"]
    hits = client.post(f"{API}/spaces/manuals/search", json={"query": "reclaim free pages", "k": 2}).json()
    assert hits[0]["metadata"]["title"] == "VACUUM" and hits[0]["score"] > 0 and hits[0]["vector_score"] > 0
    assert client.post(f"{API}/spaces/manuals/search", json={"query": "x", "filters": {"kind": "pdf"}}).json() == []
    docs = client.get(f"{API}/spaces/manuals/documents").json()
    assert {d["state"] for d in docs} == {"indexed", "failed"}
    vacuum = next(d["path"] for d in docs if d["state"] == "indexed")
    assert client.delete(f"{API}/spaces/manuals/documents", params={"path": vacuum}).status_code == 204
    assert client.post(f"{API}/spaces/manuals/search", json={"query": "vacuum"}).json() == []


def test_uploaded_documents_are_stored_indexed_replaced_and_dropped_with_their_space(client, tmp_path):
    assert client.post(f"{API}/spaces", json={"name": "ops"}).status_code == 201
    vacuum = (sqlite_docs() / "lang_vacuum.html").read_bytes()
    started = client.post(f"{API}/spaces/ops/upload", files=[
        ("files", ("runbook.md", b"# Failover\nPromote the replica with pg_ctl promote.\n", "text/markdown")),
        ("files", ("vacuum.html", vacuum, "text/html"))])
    assert started.status_code == 202, started.text
    assert started.json()["files"] == ["runbook.md", "vacuum.html"] and started.json()["paths"] == 2
    assert wait_for_job(client, started.json()["id"])["counts"] == {"added": 2}
    folder = tmp_path / "data" / "uploads" / "ops"
    assert sorted(p.name for p in folder.iterdir()) == ["runbook.md", "vacuum.html"]
    hit = client.post(f"{API}/spaces/ops/search", json={"query": "promote the replica", "k": 1}).json()[0]
    assert hit["metadata"]["title"] == "Failover"

    again = client.post(f"{API}/spaces/ops/upload", files={
        "files": ("runbook.md", b"# Failover\nPromote the replica, then rebuild the old primary.\n")})
    assert wait_for_job(client, again.json()["id"])["counts"] == {"replaced": 1}
    assert len(client.get(f"{API}/spaces/ops/documents").json()) == 2

    assert client.delete(f"{API}/spaces/ops").status_code == 204
    assert not folder.exists()


def test_unknown_space_job_and_bad_names(client):
    assert client.post(f"{API}/spaces/nope/documents", json={"paths": ["/tmp"]}).status_code == 404
    assert client.post(f"{API}/spaces/nope/upload", files={"files": ("a.txt", b"a")}).status_code == 404
    assert client.get(f"{API}/jobs/nope").status_code == 404
    assert client.post(f"{API}/spaces", json={"name": "../x"}).status_code == 422


def test_schema_link_values_sensitive_and_examples(client, shop):
    db = f"sqlite:///{shop}"
    sync = client.post(f"{API}/schema/sync", json={"db": db}).json()
    assert sorted(sync["schema"]["added"]) == ["city", "customer"] and sync["values"] > 0
    linked = client.post(f"{API}/schema/link", json={"db": db, "question": "customers in new york",
                                                       "budget_tokens": 500})
    assert set(linked.json()["tables"]) == {"city", "customer"}
    match = client.post(f"{API}/values/match", json={"db": db, "question": "customers in new york"}).json()
    assert match[0]["value"] == "New York" and match[0]["column"] == "name"
    assert client.put(f"{API}/sensitive", json={"db": db, "table": "customer", "column": "email"}).json() == [
        {"table": "customer", "column": "email"}]
    assert client.post(f"{API}/values/match", json={"db": db, "question": "a@example.com"}).json() == []

    added = client.post(f"{API}/examples", json={"db": db, "question": "How many cities?",
                                                  "sql": "SELECT COUNT(*) FROM city"})
    assert added.status_code == 201 and added.json()["state"] == "ok"
    broken = client.post(f"{API}/examples", json={"db": db, "question": "Zip codes", "sql": "SELECT zip FROM city"})
    assert broken.status_code == 422 and "zip" in broken.json()["detail"]  # refused, not stored
    assert client.post(f"{API}/examples", json={"db": db, "question": "x", "sql": "SELEC ("}).status_code == 422
    feedback = client.post(f"{API}/feedback", json={"db": db, "question": "Cities by name", "correct": True,
                                                    "sql": "SELECT name FROM city ORDER BY name"}).json()
    assert feedback["stored"] and feedback["example"]["source"] == "feedback"
    assert client.post(f"{API}/feedback", json={"db": db, "question": "q", "sql": "SELECT 1",
                                                "correct": False}).json() == {"stored": False, "example": None}
    assert client.get(f"{API}/examples", params={"db": db, "state": "quarantined"}).json() == []
    assert client.delete(f"{API}/examples/{added.json()['id']}", params={"db": db}).status_code == 204
    assert client.delete(f"{API}/examples/999", params={"db": db}).status_code == 404
    assert client.post(f"{API}/schema/sync", json={"db": "nowhere"}).status_code == 404


def test_a_new_example_must_run_read_only_and_return_rows_or_it_is_refused(client, shop):
    db = f"sqlite:///{shop}"

    def add(question, sql, route="examples"):
        return client.post(f"{API}/{route}", json={"db": db, "question": question, "sql": sql, "correct": True})

    added = add("Which cities?", "SELECT name FROM city ORDER BY name")
    assert added.status_code == 201, added.text
    assert added.json()["created_by"] == "admin" and added.json()["created_at"] > 0
    empty = add("Cities called Rome", "SELECT name FROM city WHERE name = 'Rome'")
    assert empty.status_code == 422 and "no rows" in empty.json()["detail"]
    assert add("Cities called Rome", "SELECT name FROM city WHERE name = 'Rome'", "feedback").status_code == 422
    write = add("Forget the cities", "DELETE FROM city")
    assert write.status_code == 422 and "read-only" in write.json()["detail"]
    with sqlite3.connect(shop) as con:
        assert con.execute("SELECT COUNT(*) FROM city").fetchone() == (2,)
    listed = client.get(f"{API}/examples", params={"db": db}).json()
    assert [e["question"] for e in listed] == ["Which cities?"]


def test_examples_are_searched_by_question_or_sql(client, shop):
    db = f"sqlite:///{shop}"
    for question, sql in [("How many cities?", "SELECT COUNT(*) FROM city"),
                          ("Customer emails", "SELECT email FROM customer"),
                          ("Customers per city", "SELECT city_id, COUNT(*) FROM customer GROUP BY city_id")]:
        assert client.post(f"{API}/examples", json={"db": db, "question": question, "sql": sql}).status_code == 201

    def found(q):
        return [e["question"] for e in client.get(f"{API}/examples", params={"db": db, "q": q}).json()]

    assert found("CITY") == ["How many cities?", "Customers per city"]
    assert found("email") == ["Customer emails"]
    assert found("%") == [] and found("cit_") == []  # LIKE's wildcards are plain characters here
