"""Conversations over HTTP: kept in the metadata database, each user's own, through a restart."""

import json

from server.app import create_app
from tests.support.auth import api_key, bearer, signed_in


def ask(client, db, question, conversation_id):
    response = client.post("/api/v1/sql/generate", json={"question": question, "db": f"sqlite:///{db}",
                                                        "conversation_id": conversation_id})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_conversation_lasts_through_a_restart(settings, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city ORDER BY id", "explanation": ""}'
    with signed_in(create_app(settings, llm=llm), settings) as client:
        ask(client, shop_db, "List the cities", "c1")
    # A new app on the same data dir: the follow-up still sees the first turn.
    with signed_in(create_app(settings, llm=llm), settings) as client:
        ask(client, shop_db, "Only the first one", "c1")
        assert any(m["content"] == "List the cities" for m in llm.requests[-1].messages)
        assert "SELECT name FROM city ORDER BY id" in json.dumps(llm.requests[-1].messages)
        listed = client.get("/api/v1/conversations").json()
        assert [(c["id"], c["title"], c["turns"]) for c in listed] == [("c1", "List the cities", 2)]
        turns = client.get("/api/v1/conversations/c1").json()["turns"]
        assert [t["message"] for t in turns] == ["List the cities", "Only the first one"]
        assert turns[0]["skill"] == "sql" and turns[0]["sql"] == "SELECT name FROM city ORDER BY id"
        assert turns[0]["columns"] == ["name"] and turns[0]["rows"] == [["Paris"], ["Lyon"]]
        assert turns[0]["row_count"] == 2 and "generate" in turns[0]["timings"]


def test_the_model_sees_one_earlier_turn(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city", "explanation": ""}'
    for i in range(6):
        ask(client, shop_db, f"question {i}", "long")
    contents = [m["content"] for m in llm.requests[-1].messages]
    # One earlier turn, the last: its SQL carries what the turns before it agreed on.
    assert "question 4" in contents and not any(f"question {i}" in contents for i in range(4))
    assert client.get("/api/v1/conversations/long").json()["turns"][-1]["message"] == "question 5"


def test_rows_kept_are_capped(client, llm, shop_db):
    client.app.state.services.conversations.max_rows = 1
    llm.reply = '{"sql": "SELECT name FROM city", "explanation": ""}'
    ask(client, shop_db, "cities", "cap")
    turn = client.get("/api/v1/conversations/cap").json()["turns"][0]
    assert turn["rows"] == [["Paris"]] and turn["row_count"] == 2


def test_list_newest_first_search_rename_feedback_delete(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city", "explanation": ""}'
    ask(client, shop_db, "Cities of France", "a")
    ask(client, shop_db, "Stores per city", "b")
    assert [c["id"] for c in client.get("/api/v1/conversations").json()] == ["b", "a"]
    assert [c["id"] for c in client.get("/api/v1/conversations", params={"q": "FRANCE"}).json()] == ["a"]
    assert client.get("/api/v1/conversations", params={"q": "%"}).json() == []
    renamed = client.patch("/api/v1/conversations/a", json={"title": "  French cities "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "French cities"
    assert client.patch("/api/v1/conversations/a", json={"title": ""}).status_code == 422
    assert client.patch("/api/v1/conversations/a/turns/1", json={"feedback": "up"}).status_code == 204
    assert client.get("/api/v1/conversations/a").json()["turns"][0]["feedback"] == "up"
    assert client.patch("/api/v1/conversations/a/turns/9", json={"feedback": "up"}).status_code == 404
    assert client.delete("/api/v1/conversations/a").status_code == 204
    assert client.get("/api/v1/conversations/a").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/conversations").json()] == ["b"]


def test_each_user_sees_only_their_own(client, settings, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city", "explanation": ""}'
    ask(client, shop_db, "Admin's secret question", "shared-id")
    other = bearer(api_key(settings, "ann", "analyst"))
    assert client.get("/api/v1/conversations", headers=other).json() == []
    for method in ("get", "delete"):
        assert getattr(client, method)("/api/v1/conversations/shared-id", headers=other).status_code == 404
    assert client.patch("/api/v1/conversations/shared-id", json={"title": "x"}, headers=other).status_code == 404
    assert client.patch("/api/v1/conversations/shared-id/turns/1", json={"feedback": "down"},
                        headers=other).status_code == 404
    # The admin's conversation is untouched.
    kept = client.get("/api/v1/conversations/shared-id").json()
    assert kept["title"] == "Admin's secret question" and kept["turns"][0]["feedback"] is None


def test_conversations_need_a_credential(client):
    client.headers.pop("Authorization")
    assert client.get("/api/v1/conversations").status_code == 401


def test_odd_ids_and_turn_numbers_are_answered_not_500(client):
    assert client.get("/api/v1/conversations/" + "x" * 129).status_code == 422
    assert client.patch("/api/v1/conversations/a/turns/99999999999999999999", json={"feedback": "up"}).status_code == 422
    assert client.get("/api/v1/conversations/%25%00").status_code == 404
