"""The knowledge layer lends the SQL pipeline its table ranking and verified
examples; tested with the real Knowledge service, embedding model and SQLite."""

import asyncio
import sqlite3

import pytest

from assistant.sqlgen.full import SqlOptions, answer_full
from assistant.sqlgen.knowledge_context import SqlKnowledge, examples_text, from_knowledge
from connectors import connect
from knowledge.service import Knowledge
from llm.client import Completion
from llm.protocol import Chunk
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401

TABLES = ["city", "customer", "product", "orders", "supplier", "warehouse", "shipment", "invoice"]


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
            CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT, city_id INTEGER REFERENCES city(id));
            CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT, price REAL);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), status TEXT);
            CREATE TABLE supplier (id INTEGER PRIMARY KEY, company TEXT, phone TEXT);
            CREATE TABLE warehouse (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id), capacity INTEGER);
            CREATE TABLE shipment (id INTEGER PRIMARY KEY, warehouse_id INTEGER REFERENCES warehouse(id));
            CREATE TABLE invoice (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id), total REAL);
            INSERT INTO city VALUES (1, 'Paris', 'France'), (2, 'Lyon', 'France');
            INSERT INTO supplier VALUES (1, 'Acme', '555-0100');
        """)
    conn = connect(f"sqlite:///{path}")
    yield conn
    conn.close()


@pytest.fixture
def knowledge(tmp_path, embedder):  # noqa: F811
    service = Knowledge(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    yield service
    service.close()


def test_examples_come_from_the_connection_and_the_embedder_waits_until_there_are_some(tmp_path, shop):
    class NoEmbedder:
        def __getattr__(self, name):
            raise AssertionError("the embedding model was loaded with no examples to search")

    service = Knowledge(Settings(data_dir=tmp_path / "empty"), embedder=NoEmbedder())
    try:
        assert from_knowledge(service, "shop", shop).examples("how many suppliers?") == []
    finally:
        service.close()


def test_verified_examples_are_offered_for_a_similar_question(knowledge, shop):
    schema = shop.introspect()
    knowledge.examples("shop").add("How many suppliers are there?", "SELECT COUNT(*) FROM supplier",
                                   schema=schema, explain=shop.explain)
    lent = from_knowledge(knowledge, "shop", shop)
    pairs = lent.examples("number of suppliers")
    assert pairs == [("How many suppliers are there?", "SELECT COUNT(*) FROM supplier")]
    assert from_knowledge(knowledge, "other", shop).examples("number of suppliers") == []
    assert examples_text(pairs).endswith("SQL: SELECT COUNT(*) FROM supplier\n\n")


def test_the_schema_index_ranks_every_table(knowledge, shop):
    ranked = from_knowledge(knowledge, "shop", shop).linker("phone number of each supplier", shop.introspect(), 60)
    assert sorted(ranked) == sorted(TABLES) and ranked[0] == "supplier"


class ScriptedLLM:
    def __init__(self, reply):
        self.reply, self.requests = reply, []

    async def generate(self, request):
        self.requests.append(request)
        return Completion(text=self.reply, finish_reason="stop", usage={"prompt_tokens": 1, "completion_tokens": 1})

    async def stream(self, request):
        completion = await self.generate(request)
        yield Chunk(text=completion.text, finish_reason="stop", usage=completion.usage)


def test_the_pipeline_links_through_knowledge_and_shows_examples(knowledge, shop):
    schema = shop.introspect()
    knowledge.examples("shop").add("How many suppliers are there?", "SELECT COUNT(*) FROM supplier",
                                   schema=schema, explain=shop.explain)
    llm = ScriptedLLM('{"sql": "SELECT company, phone FROM supplier", "explanation": "phones"}')
    options = SqlOptions(whole_schema_tokens=0, schema_budget_tokens=60)  # force a choice of tables
    answer = asyncio.run(answer_full("phone of each supplier", shop, llm, options,
                                     knowledge=from_knowledge(knowledge, "shop", shop)))
    assert answer.rows == [["Acme", "555-0100"]]
    assert "supplier" in answer.linked_tables and len(answer.linked_tables) < len(TABLES)
    assert answer.tables == ["supplier"]
    system, user = llm.requests[0].messages[0]["content"], llm.requests[0].messages[-1]["content"]
    assert "CREATE TABLE supplier" in system and "CREATE TABLE invoice" not in system
    assert "Question: How many suppliers are there?\nSQL: SELECT COUNT(*) FROM supplier" in user


def test_without_knowledge_the_lexical_linker_chooses(shop):
    llm = ScriptedLLM('{"sql": "SELECT name FROM city ORDER BY id", "explanation": ""}')
    options = SqlOptions(whole_schema_tokens=0, schema_budget_tokens=40)
    answer = asyncio.run(answer_full("names of each city", shop, llm, options, knowledge=SqlKnowledge()))
    assert answer.linked_tables[0] == "city" and answer.rows == [["Paris"], ["Lyon"]]


def test_the_value_index_is_built_for_the_pipeline_without_loading_the_embedder(tmp_path):
    class NoEmbedder:
        def __getattr__(self, name):
            raise AssertionError("the embedding model was loaded for values")

    path = tmp_path / "people.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE member (id INTEGER PRIMARY KEY, name TEXT, secret TEXT)")
        con.executemany("INSERT INTO member VALUES (?, ?, ?)",
                        [(i, f"Member {i}", f"code word {i}") for i in range(300)] + [(300, "Grace Hopper", "x")])
    conn = connect(f"sqlite:///{path}")
    service = Knowledge(Settings(data_dir=tmp_path / "data", value_index_values_per_column=1000),
                        embedder=NoEmbedder())
    try:
        service.set_sensitive("people", "member", "secret")
        lent = from_knowledge(service, "people", conn)
        schema = conn.introspect()
        found = lent.values("what did hoper write", schema)
        assert [(m.table, m.column, m.value) for m in found[:1]] == [("member", "name", "Grace Hopper")]
        assert all(m.column != "secret" for m in lent.values("code word 7", schema))
    finally:
        conn.close()
        service.close()
