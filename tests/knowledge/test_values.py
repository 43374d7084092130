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
