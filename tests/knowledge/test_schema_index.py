"""The schema index against real SQLite and PostgreSQL: build, drift, refresh."""

import sqlite3
import uuid

import pytest

from connectors import connect
from knowledge.schema_index import SchemaIndex


def test_refresh_indexes_every_table_then_skips_an_unchanged_schema(shop, store, embedder):
    index = SchemaIndex(store, embedder, "shop")
    first = index.refresh(shop.introspect())
    assert sorted(first.added) == ["city", "customer", "order_item", "orders", "product", "supplier"]
    assert index.tables() == sorted(first.added)
    again = index.refresh(shop.introspect())
    assert again.skipped and not again.reembedded
    # A new index object over the same store sees the stored fingerprint.
    assert SchemaIndex(store, embedder, "shop").refresh(shop.introspect()).skipped


def test_drift_re_embeds_only_the_tables_that_changed(shop, shop_path, store, embedder):
    index = SchemaIndex(store, embedder, "shop")
    index.refresh(shop.introspect())
    with sqlite3.connect(shop_path) as con:
        con.executescript(
            """
            ALTER TABLE product ADD COLUMN weight_kg REAL;
            DROP TABLE supplier;
            CREATE TABLE warehouse (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id), capacity INTEGER);
            """
        )
    report = index.refresh(shop.introspect())
    assert not report.skipped
    assert report.added == ["warehouse"] and report.removed == ["supplier"]
    # city changed too: its text lists the new neighbour `warehouse`.
    assert sorted(report.changed) == ["city", "product"]
    assert report.unchanged == 3
    assert "supplier" not in index.tables()
    product = index.index.search("product weight in kilograms", k=3, filters={"table": "product"})
    assert "weight_kg" in product[0].text


def test_ranking_puts_the_table_a_question_is_about_first(shop, store, embedder):
    index = SchemaIndex(store, embedder, "shop")
    index.refresh(shop.introspect())
    assert index.rank_tables("what is the phone number of each supplier company")[0][0] == "supplier"
    assert index.rank_tables("how many products are in the Kitchen category")[0][0] == "product"


def test_wide_tables_get_column_entries(tmp_path, store, embedder):
    path = tmp_path / "wide.sqlite"
    columns = ", ".join(f"metric_{i} REAL" for i in range(12))
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE telemetry (id INTEGER PRIMARY KEY, battery_voltage REAL, {columns})")
        con.execute("CREATE TABLE site (id INTEGER PRIMARY KEY, name TEXT)")
    conn = connect(f"sqlite:///{path}")
    index = SchemaIndex(store, embedder, "wide")
    index.refresh(conn.introspect())
    conn.close()
    hits = index.index.search("battery voltage", k=3, filters={"kind": "column"})
    assert hits[0].metadata["column"] == "battery_voltage" and hits[0].metadata["table"] == "telemetry"
    assert hits[0].vector_score is not None and hits[0].keyword_score > 0


@pytest.mark.services
def test_postgres_schema_drift(postgres_url, store, embedder):
    import sqlalchemy

    schema_name = f"kn_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as con:
        con.execute(sqlalchemy.text(f"CREATE SCHEMA {schema_name}"))
        con.execute(sqlalchemy.text(
            f"CREATE TABLE {schema_name}.team (id serial PRIMARY KEY, name text NOT NULL);"
            f"CREATE TABLE {schema_name}.player (id serial PRIMARY KEY, team_id int REFERENCES {schema_name}.team(id),"
            f" full_name text, position text);"
            f"COMMENT ON COLUMN {schema_name}.player.position IS 'field position: goalkeeper, defender, forward';"
            f"INSERT INTO {schema_name}.team (name) VALUES ('Lions'), ('Tigers');"
        ))
    try:
        conn = connect(postgres_url, schemas=[schema_name])
        index = SchemaIndex(store, embedder, "pg")
        assert sorted(index.refresh(conn.introspect()).added) == ["player", "team"]
        assert index.rank_tables("which players are goalkeepers")[0][0] == "player"
        with engine.begin() as con:
            con.execute(sqlalchemy.text(f"ALTER TABLE {schema_name}.team ADD COLUMN founded int"))
        report = index.refresh(conn.introspect())
        assert report.changed == ["team"] and report.unchanged == 1
        conn.close()
    finally:
        with engine.begin() as con:
            con.execute(sqlalchemy.text(f"DROP SCHEMA {schema_name} CASCADE"))
        engine.dispose()
