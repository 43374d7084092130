import sqlite3

import pytest

from assistant.sqlgen.suggestions import suggest_questions
from connectors import connect
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo


@pytest.fixture
def clinics(tmp_path):
    path = tmp_path / "clinics.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE clinic (id INTEGER PRIMARY KEY, name TEXT, region_code INTEGER);
            CREATE TABLE visit (id INTEGER PRIMARY KEY, clinic_id INTEGER REFERENCES clinic(id),
                                is_urgent INTEGER, fee REAL, status TEXT, visited_at DATE);
            INSERT INTO clinic VALUES (1, 'North', 10), (2, 'South', 20);
        """)
        con.executemany("INSERT INTO visit VALUES (?, ?, ?, ?, ?, ?)",
                        [(i, 1 + i % 2, i % 2, 40.0 + i, ("paid", "open", "void")[i % 3], f"2024-03-{1 + i:02d}")
                         for i in range(24)])
    conn = connect(f"sqlite:///{path}")
    yield conn
    conn.close()


def test_questions_count_sum_by_a_category_ask_for_the_latest_and_follow_a_foreign_key(clinics):
    schema = clinics.introspect()
    assert suggest_questions(schema) == [
        "How many visits are there?",
        "Total fee of visits by status",
        "The 10 latest visits by visited at",
        "How many visits does each clinic have?",
    ]
    assert suggest_questions(schema, limit=2) == ["How many visits are there?", "Total fee of visits by status"]


def test_keys_identifiers_and_flags_are_no_measure_a_price_is_averaged_and_small_schemas_get_counts():
    columns = [ColumnInfo("id", "INTEGER", primary_key=True), ColumnInfo("owner_id", "INTEGER"),
               ColumnInfo("has_fence", "INTEGER"), ColumnInfo("kind", "TEXT", values=["a", "b"], value_rows=30)]
    owners = TableInfo("owners", [ColumnInfo("id", "INTEGER", primary_key=True)], primary_key=["id"], row_estimate=5)
    houses = TableInfo("property", columns, primary_key=["id"], row_estimate=50)
    schema = SchemaInfo("sqlite", "SQLite", "3", [owners, houses])
    assert suggest_questions(schema) == ["How many properties are there?", "How many owners are there?"]
    houses.columns.append(ColumnInfo("list_price", "DECIMAL(10,2)"))
    houses.foreign_keys.append(ForeignKey(["owner_id"], "owners", ["id"]))
    assert suggest_questions(schema) == ["How many properties are there?", "Average list price of properties by kind",
                                         "How many properties does each owner have?"]
    assert suggest_questions(SchemaInfo("sqlite", "SQLite", "3", [])) == []
