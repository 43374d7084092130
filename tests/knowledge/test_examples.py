"""Verified examples: retrieval, and quarantine after schema drift."""

import sqlite3

import pytest
from sqlalchemy import select

from knowledge.examples import ExampleError, ExampleStore, check_sql
from knowledge.registry import EXAMPLES, Registry


@pytest.fixture
def examples(tmp_path, store, embedder):
    registry = Registry(tmp_path / "registry.sqlite")
    yield ExampleStore(registry, store, embedder, "shop")
    registry.close()


def test_pairs_are_found_by_question_similarity(shop, examples):
    schema = shop.introspect()
    examples.add("How many orders were cancelled?", "SELECT COUNT(*) FROM orders WHERE status = 'cancelled'",
                 schema=schema, explain=shop.explain)
    examples.add("List products in the Kitchen category", "SELECT title FROM product WHERE category = 'Kitchen'",
                 schema=schema, explain=shop.explain, source="cli")
    found = examples.search("number of cancelled orders", k=1)
    assert found[0].sql.startswith("SELECT COUNT(*) FROM orders") and found[0].score > 0.5
    assert examples.search("kitchen products", k=1)[0].source == "cli"


def test_unparseable_sql_is_refused_and_a_broken_pair_is_quarantined_on_add(shop, examples):
    with pytest.raises(ExampleError):
        examples.add("bad", "SELEC FROM WHERE (", schema=shop.introspect())
    added = examples.add("customers' shoe sizes", "SELECT shoe_size FROM customer", schema=shop.introspect())
    assert added.state == "quarantined" and "shoe_size" in added.reason
    assert examples.search("customers' shoe sizes") == []


def test_sql_nested_too_deeply_to_parse_is_refused_on_add(shop, examples):
    assert check_sql("(" * 5000 + "SELECT 1" + ")" * 5000, shop.introspect()) == "does not parse: it nests too deeply"
    with pytest.raises(ExampleError, match="nests too deeply"):
        examples.add("deep", "(" * 5000 + "SELECT 1" + ")" * 5000, schema=shop.introspect())


def test_schema_drift_quarantines_broken_pairs_and_restores_fixed_ones(shop, shop_path, examples):
    schema = shop.introspect()
    kept = examples.add("Where do customers live?", "SELECT c.full_name, city.name FROM customer AS c "
                        "JOIN city ON city.id = c.city_id", schema=schema, explain=shop.explain)
    broken = examples.add("Supplier phone numbers", "SELECT company, phone FROM supplier", schema=schema,
                          explain=shop.explain)
    with sqlite3.connect(shop_path) as con:
        con.execute("ALTER TABLE supplier RENAME COLUMN phone TO telephone")
    changed = examples.recheck(shop.introspect(), shop.explain)
    assert changed == {"quarantined": [broken.id], "restored": []}
    [listed] = examples.quarantined()
    assert listed.id == broken.id and "phone" in listed.reason
    assert [e.id for e in examples.search("supplier phone numbers", k=3)] == [kept.id]
    with sqlite3.connect(shop_path) as con:
        con.execute("ALTER TABLE supplier RENAME COLUMN telephone TO phone")
    assert examples.recheck(shop.introspect(), shop.explain) == {"quarantined": [], "restored": [broken.id]}
    assert examples.search("supplier phone numbers", k=1)[0].id == broken.id


def test_explain_is_the_last_word(shop):
    schema = shop.introspect()
    # Valid to sqlglot, refused by SQLite: a function it does not have.
    reason = check_sql("SELECT no_such_function(id) FROM city", schema, shop.explain)
    assert reason and reason.startswith("EXPLAIN failed")
    assert check_sql("SELECT name FROM city", schema, shop.explain) is None
    assert check_sql("SELECT x FROM nowhere", schema).startswith("table nowhere")


def test_a_registry_file_from_before_authors_were_recorded_is_adopted_with_its_pairs(tmp_path):
    path = tmp_path / "registry.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE examples (id INTEGER PRIMARY KEY AUTOINCREMENT, connection TEXT NOT NULL,"
            " question TEXT NOT NULL, sql TEXT NOT NULL, source TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,"
            " checked_fingerprint TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL);"
            "INSERT INTO examples VALUES (1, 'shop', 'How many?', 'SELECT 1', 'api', 'ok', NULL, '', 1.0);")
    registry = Registry(tmp_path / "metadata.sqlite")
    try:
        assert registry.adopt_file(path) == 1
        assert registry.rows(select(EXAMPLES.c.question, EXAMPLES.c.created_by)) == [
            {"question": "How many?", "created_by": None}]
        assert registry.adopt_file(path) == 0  # once: the file is kept as registry.sqlite.imported
    finally:
        registry.close()
