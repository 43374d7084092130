"""GET /api/v1/suggestions: starter questions from the schema of a database the caller may use."""

from tests.support.auth import signed_in


def test_questions_come_from_the_schema_of_the_named_database(client, shop_db):
    client.app.state.services.databases.registry.add("shop", f"sqlite:///{shop_db}")
    answer = client.get("/api/v1/suggestions", params={"db": "shop"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["db"] == "shop"
    assert body["questions"][0] == "How many stores are there?" and "How many cities are there?" in body["questions"]


def test_a_database_without_a_grant_or_unknown_is_refused(client, settings, shop_db):
    client.app.state.services.databases.registry.add("shop", f"sqlite:///{shop_db}")
    assert client.get("/api/v1/suggestions", params={"db": "nosuchdb"}).status_code == 404
    with signed_in(client.app, settings, user="ana", role="analyst") as analyst:
        assert analyst.get("/api/v1/suggestions", params={"db": "shop"}).status_code == 403
