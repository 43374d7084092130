"""Schema questions answered from introspection alone, over a real SQLite database."""

import sqlite3

import pytest

from assistant.catalog import answer_from_catalog
from connectors.factory import connect


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE store (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id), name TEXT,
                                status TEXT);
            CREATE TABLE sale (id INTEGER PRIMARY KEY, store_id INTEGER REFERENCES store(id), amount REAL);
            INSERT INTO city VALUES (1, 'Paris'), (2, 'Lyon');
            INSERT INTO store VALUES (1, 1, 'A', 'open'), (2, 1, 'B', 'closed'), (3, 2, 'C', 'open');
        """)
    connector = connect(f"sqlite:///{path}",
                                 dictionary={"tables": {"store": {"columns": {"status": "Whether the store trades."}}}})
    try:
        yield connector.introspect()
    finally:
        connector.close()


def test_tables_are_listed(schema):
    answer = answer_from_catalog("what tables are there?", schema)
    assert answer.kind == "tables" and answer.tables == ["city", "sale", "store"]
    assert "The database has 3 tables" in answer.answer


def test_one_table_lists_its_columns_with_keys(schema):
    answer = answer_from_catalog("what columns does the stores table have", schema)
    assert answer.kind == "columns" and [i["column"] for i in answer.items] == ["id", "city_id", "name", "status"]
    assert "- `city_id` (INTEGER, references city.id)" in answer.answer


def test_a_column_says_what_the_catalog_knows(schema):
    answer = answer_from_catalog("what does store.status mean", schema)
    assert answer.kind == "column" and answer.items[0]["values"] == ["closed", "open"]
    undocumented = answer_from_catalog("what does city.name mean", schema)
    assert "no description" in undocumented.answer


def test_two_tables_join_directly_or_through_a_third(schema):
    assert answer_from_catalog("how do store and city join?", schema).answer == \
        "store and city join on store.city_id = city.id."
    through = answer_from_catalog("how are sales related to cities", schema).answer
    assert "through store" in through


def test_one_table_and_a_join_word_lists_its_links(schema):
    answer = answer_from_catalog("what is store linked to?", schema)
    assert answer.kind == "joins" and set(answer.tables) == {"store", "city", "sale"}
