"""A value the question names, which the data holds, but the query never uses: a doubt."""

import pytest

from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run

AIRPORTS = ["LAX", "ORD", "JFK"]


def flights() -> SchemaInfo:
    return SchemaInfo(dialect="sqlite", engine="x", server_version="1", tables=[
        TableInfo("flights", [ColumnInfo("id", "INTEGER"), ColumnInfo("carrier", "TEXT"),
                              ColumnInfo("from_airport", "TEXT", values=AIRPORTS),
                              ColumnInfo("to_airport", "TEXT", values=AIRPORTS),
                              ColumnInfo("day", "TEXT", values=["Monday", "Saturday"])]),
        TableInfo("cities", [ColumnInfo("name", "TEXT", values=["New York", "Paris"]),
                             ColumnInfo("state", "TEXT", values=["NY", "TX"])]),
        TableInfo("reviews", [ColumnInfo("verdict", "TEXT", values=["average", "great"])]),
    ])


def test_a_named_code_left_out_of_the_filters_is_a_doubt():
    found = run("unused_values", "SELECT DISTINCT carrier FROM flights WHERE to_airport = 'ORD'", flights(),
                "Which airlines fly from LAX to ORD?")
    assert found == ["the question names 'lax', a value of flights.from_airport, flights.to_airport, but the "
                     "query never uses it; filter on it if the question asks for those rows"]


def test_a_quoted_value_in_lower_case_counts_as_named():
    assert run("unused_values", "SELECT COUNT(*) FROM reviews", flights(),
               "How many reviews say 'average'?") != []


@pytest.mark.parametrize("sql, question", [
    ("SELECT carrier FROM flights WHERE from_airport = 'LAX' AND to_airport = 'ORD'",
     "Which airlines fly from LAX to ORD?"),
    ("SELECT carrier FROM flights WHERE lower(from_airport) LIKE '%lax%' AND to_airport = 'ORD'",
     "Which airlines fly from LAX to ORD?"),
    # A code for a name of several words.
    ("SELECT name FROM cities WHERE state = 'NY'", "Which cities are in the state of New York?"),
    # A weekday as a reference point, not a filter.
    ("SELECT COUNT(*) FROM flights WHERE day = 'Thursday'", "How many flights 2 days before Saturday?"),
    # Values given as examples of a format.
    ("SELECT carrier FROM flights", "List the carriers\n(Filter airport codes (eg JFK) using upper-case matches.)"),
    # A capitalised first word, and a name the data does not hold.
    ("SELECT name FROM cities", "Paris and the other cities: list them, with Boston too"),
])
def test_values_used_shown_as_examples_or_not_in_the_data_raise_no_doubt(sql, question):
    assert run("unused_values", sql, flights(), question) == []
