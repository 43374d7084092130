"""Schema linking under a token budget, on real defog databases."""

import json

import pytest

from assistant.evaluation.dataset import load_questions
from assistant.sqlgen.schema_text import table_ddl
from connectors import connect
from knowledge.schema_index import SchemaIndex
from knowledge.schema_linking import link_schema, link_schema_detailed, name_ranking
from knowledge.tokens import count_tokens
from tests.support.helpers import DEFOG


def _defog(db: str):
    meta = json.loads((DEFOG / "metadata" / f"{db}.json").read_text())["table_metadata"]
    dictionary = {"tables": {t: {"columns": {c["column_name"]: c["column_description"] for c in cols}}
                             for t, cols in meta.items()}}
    conn = connect(str(DEFOG / "sqlite" / f"{db}.sqlite"), dictionary=dictionary)
    schema = conn.introspect()
    conn.close()
    return schema


@pytest.fixture(scope="module")
def atis(embedder, tmp_path_factory):
    from knowledge.store import ChromaStore

    schema = _defog("atis")
    index = SchemaIndex(ChromaStore(tmp_path_factory.mktemp("chroma")), embedder, "atis")
    index.refresh(schema)
    return schema, index


def render(table):
    return table_ddl(table, "sqlite")


def test_the_budget_holds_for_the_rendered_text(atis):
    schema, index = atis
    whole = sum(count_tokens(render(t)) for t in schema.tables)
    for budget in (300, 600, 1000):
        linked = link_schema_detailed("Which airlines fly from LAX to ORD?", schema, budget, index=index, render=render)
        text = "\n\n".join(render(t) for t in linked.schema.tables)
        assert count_tokens(text) <= linked.tokens <= budget < whole
        assert [t.name for t in linked.schema.tables] == [t.name for t in schema.tables if t.name in linked.tables]
    assert "airline" in linked.tables and "flight" in linked.tables


def test_the_whole_schema_is_kept_when_it_fits(shop, embedder, store):
    schema = shop.introspect()
    tables = link_schema("anything at all", schema, 10_000, index=_index(store, embedder, schema))
    assert sorted(tables) == sorted(t.name for t in schema.tables)


def _index(store, embedder, schema, name="shop"):
    index = SchemaIndex(store, embedder, name)
    index.refresh(schema)
    return index


def test_bridge_tables_come_with_the_tables_they_join(shop, embedder, store):
    schema = shop.introspect()
    index = _index(store, embedder, schema)
    needed = ["customer", "orders", "order_item", "product"]
    # Room for exactly these four: city and supplier must give way.
    budget = sum(count_tokens(render(schema.table(t))) + 1 for t in needed)
    linked = link_schema_detailed("Which customers bought the product titled Teapot?", schema, budget,
                                  index=index, render=render)
    assert set(needed) <= set(linked.tables) and linked.tokens <= budget


def test_a_table_brings_the_bridge_tables_on_its_join_path(shop):
    from knowledge.schema_docs import join_graph
    from knowledge.schema_linking import _greedy

    schema = shop.introspect()
    cost = {t.name: 10 for t in schema.tables}
    ranked = ["customer", "product", "city", "supplier", "orders", "order_item"]
    chosen, used = _greedy(ranked, cost.__getitem__, join_graph(schema), 40)
    assert chosen == ["customer", "orders", "order_item", "product"] and used == 40
    # Without room for the bridges, the table comes alone and the next fits.
    chosen, _ = _greedy(ranked, cost.__getitem__, join_graph(schema), 30)
    assert chosen == ["customer", "product", "city"]


def test_a_table_named_in_the_question_ranks_first_by_name():
    schema = _defog("yelp")
    assert set(name_ranking("top 2 categories of businesses by rating", schema)) == {"category", "business"}
    assert name_ranking("checkins per day", schema) == ["checkin"]


def test_recall_on_real_questions_at_the_pipeline_budget(atis):
    """A slice of the benchmark (bench/schema_linking.py runs all 174)."""
    import sqlglot
    from sqlglot import exp

    schema, index = atis
    questions = [q for q in load_questions(DEFOG / "questions_sqlite.csv", "sqlite") if q.db_name == "atis"][:15]
    recalls = []
    for q in questions:
        chosen = set(link_schema(q.question, schema, 1000, index=index, render=render))
        gold = [{t.name for t in sqlglot.parse_one(sql, read="sqlite").find_all(exp.Table)} for sql in q.gold_sql]
        recalls.append(max(len(g & chosen) / len(g) for g in gold))
    assert sum(recalls) / len(recalls) >= 0.9


def test_sensitive_values_are_dropped_from_the_linked_schema(shop, embedder, store):
    schema = shop.introspect()
    index = SchemaIndex(store, embedder, "shop", sensitive=frozenset({("customer", "email")}))
    index.refresh(schema)
    linked = link_schema_detailed("customer emails", schema, 10_000, index=index, render=render)
    customer = linked.schema.table("customer")
    assert customer.column("email").values is None and customer.column("full_name").values
    assert schema.table("customer").column("email").values  # the caller's schema is left as it was
