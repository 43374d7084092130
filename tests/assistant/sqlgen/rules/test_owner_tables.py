"""Certain join fixes for a column a table lacks (validate_sql runs them)."""

from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo


def schema(**tables: str) -> SchemaInfo:
    """Tables of TEXT columns, given as `name="col col ..."`; `*_id` columns are INTEGER."""
    return SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[
        TableInfo(name, [ColumnInfo(c, "INTEGER" if c.endswith("_id") else "TEXT") for c in columns.split()])
        for name, columns in tables.items()])


AIRLINES = schema(airport="airport_code airport_location", flight="flight_id airline_code from_airport",
                  fare="fare_id fare_airline round_trip_cost", airline="airline_code airline_name")
REVIEWS = schema(business="business_id name state", category="id business_id category_name",
                 checkin="cid business_id day count", review="rid business_id rating year")


def test_a_join_on_a_column_one_side_lacks_takes_the_column_named_for_the_other_table():
    result = validate_sql("SELECT a.airline_name, SUM(f.round_trip_cost) FROM fare AS f "
                          "JOIN airline AS a ON f.airline_code = a.airline_code GROUP BY a.airline_name", AIRLINES)
    assert result.ok and "f.fare_airline = a.airline_code" in result.sql


def test_a_table_named_but_never_brought_in_is_joined_on_its_one_link():
    result = validate_sql("SELECT COUNT(*) FROM checkin WHERE day = 'Monday' AND business.state = 'CA'", REVIEWS)
    assert result.ok and "JOIN business ON checkin.business_id = business.business_id" in result.sql


def test_a_column_the_named_alias_lacks_comes_from_the_table_joined_to_that_alias():
    # category joins both review and business by business_id; the query named T2 (business)
    sql = ("SELECT SUM(T1.rating) FROM review AS T1 JOIN business AS T2 ON T1.business_id = T2.business_id "
           "WHERE T2.category_name = 'Cafe'")
    result = validate_sql(sql, REVIEWS)
    assert result.ok and "JOIN category AS T2 ON T1.business_id = T2.business_id" in result.sql


def test_a_column_the_named_alias_lacks_comes_through_another_table_when_that_alias_has_no_link():
    # airline_name read from airport: airline joins flight, not airport
    result = validate_sql("SELECT T1.airline_name FROM airport AS T1 JOIN flight AS T2 ON T1.airport_code = "
                          "T2.from_airport WHERE T1.airport_location = 'Chicago'", AIRLINES)
    assert result.ok and "JOIN airline ON T2.airline_code = airline.airline_code" in result.sql
    assert "airline.airline_name" in result.sql
