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
