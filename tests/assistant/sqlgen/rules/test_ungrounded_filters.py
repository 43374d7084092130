import sqlglot

from assistant.sqlgen.rules.ungrounded_filters import is_grounded
from assistant.sqlgen.validate import validate_sql
from connectors.types import ColumnInfo, SchemaInfo, TableInfo
from tests.assistant.sqlgen.rules.support import run


def test_values_the_question_states_are_grounded():
    question = "Which flights leave New York (JFK) on Mondays for one-way trips in California?"
    for value in ["JFK", "%new york%", "Monday", "mon", "One-Way", "CA", "NY", "2023-01-01", "Y", "42"]:
        assert is_grounded(value, question), value


def test_values_from_elsewhere_are_not():
    question = "How many check-ins occurred on Mondays at businesses in the state of California?"
    for value in ["Anna’s Diner", "Los Angeles", "012 Maple St", "NY"]:
        assert not is_grounded(value, question), value


def test_a_month_between_two_named_ones_follows_from_the_question():
    assert is_grounded("July", "How many months between June 2021 and December 2021 had reviews?")
    assert is_grounded("Saturday", "What is the ratio of check-ins on weekends to weekdays?")
    assert not is_grounded("July", "How many reviews mention the pool?")


def test_only_filters_are_judged():
    tree = sqlglot.parse_one("SELECT 'Total' AS label, COUNT(*) FROM flight f JOIN airport a "
                             "ON a.code = f.origin AND a.state = 'NY' WHERE f.days ILIKE '%mon%'", read="postgres")
    doubts = run("ungrounded_filters", tree, question="How many flights operate on Mondays?")
    assert len(doubts) == 1 and "'NY'" in doubts[0] and "Total" not in doubts[0]


def test_date_formats_and_modifiers_are_not_filter_values():
    tree = sqlglot.parse_one("SELECT COUNT(*) FROM orders WHERE strftime('%Y-%m', placed) = '2023-01' "
                             "AND date(placed, 'start of month') >= date('now', '-6 months') AND city = 'Lyon'",
                             read="sqlite")
    doubts = run("ungrounded_filters", tree, question="How many orders were placed in January 2023?")
    assert len(doubts) == 1 and "'Lyon'" in doubts[0]
    assert "%Y" not in doubts[0] and "start of month" not in doubts[0] and "now" not in doubts[0]


def test_validation_reports_a_stray_filter_as_a_doubt_not_an_error():
    schema = SchemaInfo(dialect="postgres", engine="x", server_version="1", tables=[
        TableInfo("flight", [ColumnInfo("flight_number", "TEXT"), ColumnInfo("flight_days", "TEXT"),
                             ColumnInfo("from_airport", "TEXT")])])
    result = validate_sql("SELECT flight_number FROM flight WHERE flight_days ILIKE '%mon%' AND from_airport = 'JFK'",
                          schema, "Which flights operate on Mondays?")
    assert result.ok and len(result.doubts) == 1 and "'JFK'" in result.doubts[0]
    assert validate_sql("SELECT flight_number FROM flight WHERE flight_days ILIKE '%mon%'", schema,
                        "Which flights operate on Mondays?").doubts == []
