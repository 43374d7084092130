import sqlite3


def test_user_sql_runs_read_only_with_columns_and_rows(client, shop_db):
    response = client.post("/api/v1/sql/run", json={"db": f"sqlite:///{shop_db}",
                                                    "sql": "SELECT name FROM city ORDER BY id"})
    assert response.status_code == 200
    assert response.json()["columns"] == ["name"]
    assert response.json()["rows"] == [["Paris"], ["Lyon"]]
    assert response.json()["truncated"] is False


def test_a_write_is_refused_with_its_rule_and_changes_nothing(client, shop_db):
    response = client.post("/api/v1/sql/run", json={"db": f"sqlite:///{shop_db}", "sql": "DROP TABLE store"})
    assert response.status_code == 400
    assert response.json()["kind"] == "refused" and response.json()["rule"]
    with sqlite3.connect(shop_db) as con:
        assert con.execute("SELECT COUNT(*) FROM store").fetchone() == (3,)


def test_a_database_error_is_400_with_the_message(client, shop_db):
    response = client.post("/api/v1/sql/run", json={"db": f"sqlite:///{shop_db}", "sql": "SELECT nope FROM store"})
    assert response.status_code == 400
    assert response.json()["kind"] == "execution" and "nope" in response.json()["detail"]


def test_row_cap_marks_the_result_truncated(client, shop_db):
    response = client.post("/api/v1/sql/run", json={"db": f"sqlite:///{shop_db}", "sql": "SELECT * FROM store",
                                                    "row_limit": 1})
    assert response.json()["truncated"] is True and len(response.json()["rows"]) == 1


def test_missing_fields_are_422(client):
    assert client.post("/api/v1/sql/run", json={"sql": "SELECT 1"}).status_code == 422
    assert client.post("/api/v1/sql/run", json={"db": "demo", "sql": ""}).status_code == 422


def test_the_rows_come_with_the_chart_their_shape_suggests_and_a_key_is_no_measure(client, shop_db):
    def chart(sql):
        return client.post("/api/v1/sql/run", json={"db": f"sqlite:///{shop_db}", "sql": sql}).json()["chart"]

    by_city = chart("SELECT c.name AS city, COUNT(*) AS stores FROM store s JOIN city c ON c.id = s.city_id "
                    "GROUP BY c.name")
    assert by_city["mark"] == "bar" and by_city["encoding"]["y"]["field"] == "stores"
    assert chart("SELECT name FROM city") is None
    # store.city_id is a foreign key, renamed or not: no scatter of keys
    assert chart("SELECT id, city_id FROM store") is None
    assert chart("SELECT city_id AS town, id AS shop FROM store") is None
