"""Table texts and the join graph, from real introspection."""

from connectors import connect
from knowledge.schema_docs import connecting_path, join_graph, table_text
from tests.support.helpers import DEFOG


def test_declared_foreign_keys_make_the_graph(shop):
    graph = join_graph(shop.introspect())
    assert set(graph["order_item"]) == {"orders", "product"}
    assert graph["order_item"]["orders"].declared
    assert connecting_path(graph, {"customer"}, "product") == ["customer", "orders", "order_item", "product"]
    assert connecting_path(graph, {"customer"}, "supplier") is None
    assert connecting_path(graph, set(), "supplier") == ["supplier"]


def test_joins_are_inferred_where_none_are_declared():
    conn = connect(str(DEFOG / "sqlite" / "academic.sqlite"))
    schema = conn.introspect()
    conn.close()
    assert not any(t.foreign_keys for t in schema.tables)
    graph = join_graph(schema)
    assert "writes" in graph["author"] and "publication" in graph["writes"]
    assert not graph["writes"]["author"].declared
    # author -> publication goes through the bridge table.
    assert connecting_path(graph, {"author"}, "publication") == ["author", "writes", "publication"]


def test_sensitive_values_never_reach_the_table_text(shop):
    schema = shop.introspect()
    graph = join_graph(schema)
    customer = schema.table("customer")
    assert "ada@example.com" in table_text(customer, graph, frozenset())
    hidden = table_text(customer, graph, frozenset({("customer", "email")}))
    assert "ada@example.com" not in hidden and "email" in hidden
