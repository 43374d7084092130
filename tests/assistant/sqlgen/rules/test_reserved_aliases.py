import sqlite3

import psycopg
import pytest

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

SQL = ("SELECT SUM(f.cost) FROM airport_service AS as JOIN fare AS f ON as.airport_code = f.from_airport "
       "WHERE as.city = 'Boston'")


def airports(dialect):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("airport_service", [ColumnInfo("airport_code", "TEXT"), ColumnInfo("city", "TEXT")]),
        TableInfo("fare", [ColumnInfo("from_airport", "TEXT"), ColumnInfo("cost", "INTEGER")]),
    ])


DDL = ["CREATE TABLE airport_service (airport_code TEXT, city TEXT)", "CREATE TABLE fare (from_airport TEXT, cost INTEGER)",
       "INSERT INTO airport_service VALUES ('BOS', 'Boston'), ('JFK', 'New York')",
       "INSERT INTO fare VALUES ('BOS', 100), ('BOS', 50), ('JFK', 7)"]


def test_a_keyword_alias_the_parser_rejects_is_quoted_and_runs_on_sqlite():
    result = validate_sql(SQL, airports("sqlite"))
    assert result.ok, result.errors
    assert '"as".airport_code' in result.sql
    db = sqlite3.connect(":memory:")
    for statement in DDL:
        db.execute(statement)
    assert db.execute(result.sql).fetchall() == [(150,)]


def test_a_keyword_alias_the_parser_accepts_is_quoted_for_postgres(postgres_url):
    result = validate_sql("SELECT is.city FROM airport_service is WHERE is.airport_code = 'JFK'", airports("postgres"))
    assert result.ok and '"is".city' in result.sql
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TEMP TABLE airport_service (airport_code TEXT, city TEXT)")
        conn.execute("INSERT INTO airport_service VALUES ('JFK', 'New York')")
        assert conn.execute(result.sql).fetchall() == [("New York",)]


def test_text_without_such_an_alias_is_left_alone():
    result = validate_sql("SELECT a.city AS is_big FROM airport_service AS a", airports("sqlite"))
    assert result.ok and result.fixes == [] and result.sql == "SELECT a.city AS is_big FROM airport_service AS a"
