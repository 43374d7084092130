from assistant.sqlgen.value_linking import link_values, value_hints
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

SCHEMA = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("customers", [ColumnInfo("city", "TEXT", values=["New York", "San Francisco", "Lyon"])]),
    TableInfo("payments", [ColumnInfo("method", "TEXT", values=["CREDIT_CARD", "paypal", "bank transfer"])]),
])


def test_case_and_separators_do_not_matter():
    found = {(m.column, m.value) for m in link_values("How many customers live in new york?", SCHEMA)}
    assert ("city", "New York") in found
    found = {(m.column, m.value) for m in link_values("Payments made by credit card", SCHEMA)}
    assert ("method", "CREDIT_CARD") in found


def test_small_typos_still_match():
    found = {m.value for m in link_values("orders from San Fransisco", SCHEMA)}
    assert "San Francisco" in found


def test_unrelated_questions_match_nothing():
    assert link_values("What is the average order total?", SCHEMA) == []
    assert value_hints([]) == ""


def test_hints_name_table_column_and_literal():
    text = value_hints(link_values("customers in lyon", SCHEMA))
    assert "customers.city = 'Lyon'" in text


def test_tables_restrict_the_search():
    assert link_values("paid with paypal in lyon", SCHEMA, tables=["payments"])[0].table == "payments"
    assert all(m.table == "payments" for m in link_values("paid with paypal in lyon", SCHEMA, tables=["payments"]))


REVIEWS = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("review", [ColumnInfo("text", "TEXT", values=["Average", "Great food", "Total disaster"])]),
])


def test_words_that_say_what_to_compute_are_not_values():
    assert link_values("What is the average rating of each business?", REVIEWS) == []
    assert link_values("the total number of reviews", REVIEWS) == []


def test_quoted_they_are_values_again_and_longer_phrases_still_match():
    assert [m.value for m in link_values("How many reviews say 'Average'?", REVIEWS)] == ["Average"]
    assert [m.value for m in link_values("reviews calling it a total disaster", REVIEWS)] == ["Total disaster"]
