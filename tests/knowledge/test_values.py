"""The value index over a real SQLite database, with sensitive columns."""

import pytest

from knowledge.registry import Registry
from knowledge.values import ValueIndex, distinct_via


@pytest.fixture
def registry(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite")
    yield registry
    registry.close()


def test_a_question_finds_stored_values_exactly_and_approximately(shop, registry):
    index = ValueIndex(registry, "shop")
    schema = shop.introspect()
    stored = index.build(schema, distinct=distinct_via(shop, schema.dialect))
    assert stored > 0
    found = index.search("How many customers live in new york?")
    assert (found[0].table, found[0].column, found[0].value, found[0].score) == ("city", "name", "New York", 100.0)
    typo = index.search("orders from customers in Sao Paolo")
    assert typo and typo[0].value == "São Paulo" and 85 <= typo[0].score < 100
    assert index.search("which orders were cancelled")[0].value == "cancelled"
    assert index.search("the weather on mars") == []


def test_short_values_match_only_exactly(shop, registry):
    index = ValueIndex(registry, "shop")
    index.build(shop.introspect())
    assert all(m.value != "USA" for m in index.search("usb cables"))
    assert index.search("customers in the usa")[0].value == "USA"


def test_sensitive_columns_are_never_indexed(shop, registry):
    index = ValueIndex(registry, "shop")
    schema = shop.introspect()
    index.build(schema)
    assert index.search("ada@example.com")[0].column == "email"
    registry.set_sensitive("shop", "customer", "email", True)
    index.invalidate()
    # Marking removes the stored values at once, before any rebuild ...
    assert all(m.column != "email" for m in index.search("ada@example.com"))
    # ... and a rebuild does not bring them back.
    index.build(schema, distinct=distinct_via(shop, schema.dialect))
    assert all(m.column != "email" for m in index.search("ada@example.com alan@example.com"))
    assert registry.sensitive("shop") == frozenset({("customer", "email")})


def test_a_column_marked_through_another_registry_leaves_the_cached_values_at_once(shop, registry, tmp_path):
    # Two API processes sharing one registry database: the other one marks the column.
    index = ValueIndex(registry, "shop")
    index.build(shop.introspect())
    assert index.search("ada@example.com")[0].column == "email"
    other = Registry(tmp_path / "registry.sqlite")
    try:
        other.set_sensitive("shop", "customer", "email", True)
    finally:
        other.close()
    assert all(m.column != "email" for m in index.search("ada@example.com"))


# High-cardinality columns: a contacts database written for these tests, with more
# distinct names and cities than a low-cardinality column lists.
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Niklaus", "Radia", "Tony"]
LAST = ["Hopper", "Knuth", "Liskov", "Wirth", "Allen", "Perlman", "Hoare", "Dijkstra", "Lamport", "Ritchie",
        "Kernighan", "Thompson", "Backus", "Naur", "Iverson", "Floyd", "Tarjan", "Karp", "Cook", "Rabin",
        "Scott", "Milner", "Kay", "Sutherland", "Engelbart"]


@pytest.fixture
def contacts(tmp_path):
    import sqlite3

    from connectors import connect

    path = tmp_path / "contacts.sqlite"
    people = [f"{f} {l}" for f in FIRST for l in LAST]  # 250 names
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE town (id INTEGER PRIMARY KEY, town_name TEXT, postcode TEXT);
            CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, email TEXT, town_id INTEGER);
            CREATE TABLE letter (id INTEGER PRIMARY KEY, person_id INTEGER, addressee TEXT);
        """)
        con.executemany("INSERT INTO town VALUES (?, ?, ?)",
                        [(i, f"Town {i}", f"{10000 + i}") for i in range(300)] + [(300, "New York", "10001")])
        con.executemany("INSERT INTO person VALUES (?, ?, ?, ?)",
                        [(i, name, f"{name.replace(' ', '.').lower()}@mail.test", i % 300)
                         for i, name in enumerate(people)]
                        + [(250, "Jonathan Pryce", "jonathan.pryce@mail.test", 300)])
        con.executemany("INSERT INTO letter VALUES (?, ?, ?)", [(i, i, name) for i, name in enumerate(people)])
    conn = connect(f"sqlite:///{path}")
    yield conn, conn.introspect()
    conn.close()


def _index(registry, contacts, budget=None):
    connector, schema = contacts
    index = ValueIndex(registry, "contacts", budget)
    index.build(schema, distinct=distinct_via(connector, schema.dialect))
    return index, schema


def _found(index, question, schema=None):
    return [(m.table, m.column, m.value) for m in index.search(question, min_score=60, schema=schema)]


def test_names_too_many_to_list_are_indexed_and_found_misspelt(contacts, registry):
    index, schema = _index(registry, contacts)
    assert all(c.values is None for t in schema.tables for c in t.columns if c.name in ("town_name", "name"))
    assert ("town", "town_name", "New York") in _found(index, "How many people live in new yrok?")
    assert ("person", "name", "Jonathan Pryce") in _found(index, "letters to jonathan pryse")
    # Values without a letter (postcodes, dates, numbers) are not kept from such columns.
    assert all(m.column != "postcode" for m in index.search("postcode 10001", min_score=60))


def test_a_part_of_a_name_finds_the_whole_name_by_keyword(contacts, registry):
    index, schema = _index(registry, contacts)
    found = index.search("letters sent by Pryce", min_score=60)
    assert (found[0].column, found[0].value, found[0].phrase) == ("name", "Jonathan Pryce", "pryce")
    assert 60 <= found[0].score <= 80
    # ... and a misspelt part, through the nearest word the values use.
    assert ("person", "name", "Jonathan Pryce") in _found(index, "letters sent by Jonathon")
    # A word in too many values singles none out; keyword matches only when asked for.
    assert not any(m.value.startswith("Grace ") for m in index.search("letters sent by Grace", min_score=60))
    assert index.search("letters sent by Pryce") == []
    # A value without a space (an e-mail, a code, a URL) is matched whole, never by a part.
    assert all(m.column != "email" for m in index.search("letters sent by pryce", min_score=60))


def test_the_entity_s_own_column_ranks_first_given_the_schema(contacts, registry):
    index, schema = _index(registry, contacts)
    found = _found(index, "what did Grace Hopper write", schema)
    assert found[:2] == [("person", "name", "Grace Hopper"), ("letter", "addressee", "Grace Hopper")]


def test_the_budget_bounds_each_column_and_the_database(contacts, registry):
    from knowledge.values import ValueBudget

    index, _ = _index(registry, contacts, ValueBudget(values_per_column=40))
    per_column = {}
    for table, column, _value in index._entries().entries:
        per_column[(table, column)] = per_column.get((table, column), 0) + 1
    assert per_column[("person", "name")] == 40 and per_column[("town", "town_name")] == 40
    # The database's budget is spent on the entity's own names first: letter.addressee gets nothing.
    index, _ = _index(registry, contacts, ValueBudget(values_per_database=80))
    columns = {(t, c) for t, c, _ in index._entries().entries}
    assert ("letter", "addressee") not in columns and ("person", "name") in columns
    assert index.count() <= 80
    index, _ = _index(registry, contacts, ValueBudget(bytes_per_column=100))
    names = [v for t, c, v in index._entries().entries if c == "name"]
    assert 0 < sum(len(v.encode()) for v in names) <= 100


def test_a_sensitive_high_cardinality_column_is_never_indexed(contacts, registry):
    registry.set_sensitive("contacts", "person", "name", True)
    registry.set_sensitive("contacts", "person", "email", True)
    index, _ = _index(registry, contacts)
    assert not {c for _, c, _ in index._entries().entries} & {"name", "email"}
    assert all(m.column != "name" for m in index.search("letters sent by Pryce", min_score=60))
