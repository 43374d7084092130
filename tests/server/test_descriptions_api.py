"""The semantic layer over HTTP, on a real SQLite database."""

from tests.support.auth import signed_in
from server.app import create_app

API = "/api/v1/knowledge/descriptions"


def _register(client, shop_db, name="shop"):
    response = client.post("/api/v1/connections", json={"name": name, "url": f"sqlite:///{shop_db}"})
    assert response.status_code == 201, response.text


def test_an_admin_describes_a_column_and_the_model_reads_it(client, shop_db, llm):
    _register(client, shop_db)
    response = client.put(API, json={"db": "shop", "table": "store", "column": "name",
                                     "description": "the shop sign, as customers see it"})
    assert response.status_code == 200 and response.json()["changed"] is True
    layer = client.get(API, params={"db": "shop"}).json()
    store = next(t for t in layer["tables"] if t["table"] == "store")
    name = next(c for c in store["columns"] if c["column"] == "name")
    assert name["description"] == "the shop sign, as customers see it" and name["source"] == "user"
    assert "the shop sign" in name["comment"]  # what the model reads
    llm.reply = "```sql\nSELECT name FROM store\n```\nThe signs."
    assert client.post("/api/v1/sql/generate", json={"db": "shop", "question": "store signs"}).status_code == 200
    prompt = " ".join(m["content"] for m in llm.requests[-1].messages)
    assert "the shop sign, as customers see it" in prompt


def test_a_table_or_column_that_does_not_exist_is_a_422(client, shop_db):
    _register(client, shop_db)
    missing_table = client.put(API, json={"db": "shop", "table": "nope", "description": "x"})
    assert missing_table.status_code == 422 and "no table 'nope'" in missing_table.json()["detail"]
    missing_column = client.put(API, json={"db": "shop", "table": "city", "column": "size", "description": "x"})
    assert missing_column.status_code == 422 and "no column 'size'" in missing_column.json()["detail"]


def test_the_demo_s_built_in_dictionary_can_be_overridden(client):
    layer = client.get(API, params={"db": "demo"}).json()["tables"]
    assert any(t["comment"] for t in layer)  # the demo ships a data dictionary
    table = layer[0]["table"]
    assert client.put(API, json={"db": "demo", "table": table, "description": "rewritten by the team"}).status_code == 200
    again = client.get(API, params={"db": "demo"}).json()["tables"][0]
    assert again["description"] == "rewritten by the team" and "rewritten by the team" in again["comment"]


def test_analysts_read_what_they_may_use_and_write_nothing(client, shop_db, settings, llm):
    _register(client, shop_db)
    with signed_in(create_app(settings, llm=llm), settings, user="ana", role="analyst") as analyst:
        assert analyst.get(API, params={"db": "shop"}).status_code == 403
        assert client.post("/api/v1/users/ana/grants", json={"kind": "db", "target": "shop"}).status_code == 200
        assert analyst.get(API, params={"db": "shop"}).status_code == 200
        refused = analyst.put(API, json={"db": "shop", "table": "city", "description": "x"})
        assert refused.status_code == 403 and "admin role" in refused.json()["detail"]


def test_removing_a_connection_removes_its_descriptions(client, shop_db):
    _register(client, shop_db)
    client.put(API, json={"db": "shop", "table": "city", "description": "towns"})
    assert client.delete("/api/v1/connections/shop").status_code == 204
    _register(client, shop_db)
    city = next(t for t in client.get(API, params={"db": "shop"}).json()["tables"] if t["table"] == "city")
    assert city["description"] is None
