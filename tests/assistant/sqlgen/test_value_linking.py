import sqlite3

import pytest

from assistant.sqlgen.value_linking import link_values, names_entity, value_hints
from connectors import connect
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


# Names: one row per entity, too many to list, looked up in the database.
@pytest.fixture(scope="module")
def geography(tmp_path_factory):
    path = tmp_path_factory.mktemp("geo") / "geo.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE state (state_name TEXT PRIMARY KEY, capital TEXT, area REAL)")
        con.execute("CREATE TABLE border_info (state_name TEXT, border TEXT)")
        con.executemany("INSERT INTO state VALUES (?, ?, ?)",
                        [(f"state {i}", f"capital {i}", float(i)) for i in range(300)]
                        + [("texas", "austin", 695662.0), ("new mexico", "santa fe", 314917.0)])
        con.executemany("INSERT INTO border_info VALUES (?, ?)",
                        [("texas", "new mexico"), ("new mexico", "texas")]
                        + [(f"state {i}", f"state {i + 1}") for i in range(299)])
    connector = connect(f"sqlite:///{path}")
    yield connector, connector.introspect()
    connector.close()


def _run(connector):
    return lambda tree: connector.run_tree(tree, row_limit=20).rows


def test_names_too_many_to_list_are_looked_up_in_any_case(geography):
    connector, schema = geography
    assert all(c.values is None for t in schema.tables for c in t.columns if c.type == "TEXT")
    found = link_values("How large is Texas?", schema, run=_run(connector))
    assert ("state", "state_name", "texas") in {(m.table, m.column, m.value) for m in found}
    assert link_values("How large is Texas?", schema) == []  # without the database: nothing to go on


def test_the_entity_s_own_column_comes_before_the_ones_referring_to_it(geography):
    connector, schema = geography
    found = link_values("What is the capital of texas?", schema, run=_run(connector))
    assert [(m.table, m.column) for m in found[:1]] == [("state", "state_name")]
    assert {(m.table, m.column) for m in found} >= {("border_info", "border"), ("border_info", "state_name")}


def test_a_failing_lookup_gives_no_hint_and_no_error(geography):
    _connector, schema = geography

    def broken(tree):
        raise TimeoutError("slow")

    assert link_values("How large is Texas?", schema, run=broken) == []


def test_at_most_a_few_hints_best_first():
    many = SchemaInfo("sqlite", "SQLite", "3", [
        TableInfo(f"t{i}", [ColumnInfo("kind", "TEXT", values=["red", "green", "blue"])]) for i in range(6)
    ])
    assert len(link_values("red green blue things", many)) == 4


def test_names_entity():
    state = TableInfo("state", [ColumnInfo("state_name", "TEXT"), ColumnInfo("capital", "TEXT")])
    border = TableInfo("border_info", [ColumnInfo("state_name", "TEXT"), ColumnInfo("border", "TEXT")])
    person = TableInfo("people", [ColumnInfo("name", "TEXT")])
    assert names_entity(state, state.columns[0]) and not names_entity(state, state.columns[1])
    assert not names_entity(border, border.columns[0]) and not names_entity(border, border.columns[1])
    assert names_entity(person, person.columns[0])


def test_a_name_of_any_form_names_its_own_row():
    person = TableInfo("person", [ColumnInfo("full_name", "TEXT"), ColumnInfo("last_name", "TEXT"),
                                  ColumnInfo("employer_name", "TEXT")])
    shipment = TableInfo("shipment", [ColumnInfo("recipient_full_name", "TEXT")])
    assert names_entity(person, person.columns[0]) and names_entity(person, person.columns[1])
    assert not names_entity(person, person.columns[2])  # the employer's name, not the person's
    assert not names_entity(shipment, shipment.columns[0])


def test_a_sensitive_column_is_never_looked_up_or_hinted(geography):
    connector, schema = geography
    hidden = frozenset({("state", "state_name"), ("border_info", "border"), ("border_info", "state_name")})
    assert link_values("How large is Texas?", schema, run=_run(connector), sensitive=hidden) == []
    listed = SchemaInfo("sqlite", "SQLite", "3", [TableInfo("patients", [ColumnInfo("diagnosis", "TEXT",
                                                                                     values=["asthma", "gout"])])])
    assert link_values("patients with asthma", listed, sensitive=frozenset({("patients", "diagnosis")})) == []
    assert link_values("patients with asthma", listed)[0].value == "asthma"


def test_the_value_index_adds_names_too_many_to_list(geography):
    from knowledge.values import ValueMatch as Indexed

    _connector, schema = geography
    indexed = [Indexed("state", "state_name", "new mexico", "new mexco", 89.0),
               Indexed("state", "capital", "santa fe", "santa", 70.0)]
    found = link_values("the capital of new mexco, near santa", schema, indexed=indexed)
    assert [(m.column, m.value, m.score) for m in found] == [("state_name", "new mexico", 0.89),
                                                             ("capital", "santa fe", 0.70)]
    assert "\"santa\" matches state.capital = 'santa fe'" in value_hints(found)
    # Only for the prompt's tables, and never a sensitive column.
    assert link_values("new mexco", schema, tables=["border_info"], indexed=indexed) == []
    assert link_values("new mexco", schema, indexed=indexed, sensitive=frozenset({("state", "state_name"),
                                                                                 ("state", "capital")})) == []


def test_a_keyword_that_names_the_schema_or_a_computation_is_no_value():
    from knowledge.values import ValueMatch as Indexed

    schema = SchemaInfo("sqlite", "SQLite", "3", [
        TableInfo("orders", [ColumnInfo("customer_name", "TEXT"), ColumnInfo("note", "TEXT")])])
    indexed = [Indexed("orders", "note", "Customer returned", "customers", 70.0),
               Indexed("orders", "note", "Top shelf", "top", 70.0),
               Indexed("orders", "customer_name", "Total", "total", 100.0),
               Indexed("orders", "customer_name", "Ann Smith", "smith", 70.0)]
    found = link_values("the total of orders by customers of smith, top first", schema, indexed=indexed)
    assert [m.value for m in found] == ["Ann Smith"]
    assert link_values("Return the orders, sorted", schema, indexed=[
        Indexed("orders", "note", "Product return", "return", 70.0),
        Indexed("orders", "note", "Sorted twice", "sorted", 70.0)]) == []


def test_a_listed_column_takes_only_keyword_matches_from_the_index():
    from knowledge.values import ValueMatch as Indexed

    listed = SchemaInfo("sqlite", "SQLite", "3", [TableInfo("author", [
        ColumnInfo("name", "TEXT", values=["Ann Smith", "Bo Lee"])])])
    # Its own matching spells and misspells the whole value; a part of it comes from the index.
    assert link_values("Ann Smyth", listed, indexed=[Indexed("author", "name", "Ann Smith", "ann smyth", 89.0)])[0] \
        .score != 0.89
    found = link_values("papers by smith", listed, indexed=[Indexed("author", "name", "Ann Smith", "smith", 70.0)])
    assert [(m.value, m.phrase) for m in found] == [("Ann Smith", "smith")]
