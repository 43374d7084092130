import psycopg

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo


def restaurants(dialect="postgres"):
    return SchemaInfo(dialect=dialect, engine="x", server_version="1", tables=[
        TableInfo("restaurant", [ColumnInfo("name", "TEXT"), ColumnInfo("rating", "REAL"), ColumnInfo("city", "TEXT")]),
    ])


def test_an_alias_read_in_a_later_column_runs_on_postgres(postgres_url):
    result = validate_sql("SELECT COUNT(CASE WHEN rating > 4 THEN 1 END) AS high, "
                          "CAST(high AS REAL) / COUNT(*) AS ratio FROM restaurant", restaurants())
    assert result.ok, result.errors
    assert "CAST(COUNT(CASE WHEN rating > 4 THEN 1 END) AS REAL)" in result.sql
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TEMP TABLE restaurant (name TEXT, rating REAL, city TEXT)")
        conn.execute("INSERT INTO restaurant VALUES ('a', 4.5, 'x'), ('b', 3, 'x'), ('c', 5, 'y'), ('d', 2, 'y')")
        assert conn.execute(result.sql).fetchall() == [(2, 0.5)]


def test_a_where_may_read_a_plain_alias_but_not_an_aggregate():
    result = validate_sql("SELECT rating * 2 AS score FROM restaurant WHERE score > 8", restaurants())
    assert result.ok and "WHERE (rating * 2) > 8" in result.sql
    result = validate_sql("SELECT city, COUNT(*) AS n FROM restaurant WHERE n > 1 GROUP BY city", restaurants())
    assert "WHERE n > 1" in (result.sql or "")


def test_a_real_column_with_the_alias_s_name_is_left_alone():
    sql = "SELECT rating + 1 AS rating, rating * 2 AS double FROM restaurant"
    result = validate_sql(sql, restaurants())
    assert result.ok and result.sql == sql and result.fixes == []
