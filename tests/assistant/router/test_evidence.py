"""The router's evidence: how much of a message a database's catalog names, and how close the
user's documents are to it. A library's schema and two notes written here, not the bench's."""

import asyncio
import sqlite3

import pytest

from assistant.router import RouteContext, route
from assistant.router.evidence import (DocumentEvidence, catalog_evidence, content_words, document_evidence,
                                       sources_from)
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo
from knowledge.index import Hit
from knowledge.service import Knowledge
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401

LIBRARY = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("authors", [ColumnInfo("author_id", "INTEGER", primary_key=True),
                          ColumnInfo("full_name", "TEXT", comment="The author's name as printed on the cover."),
                          ColumnInfo("birth_country", "TEXT", values=["Ireland", "Japan", "Nigeria"])],
              primary_key=["author_id"]),
    TableInfo("books", [ColumnInfo("book_id", "INTEGER", primary_key=True), ColumnInfo("title", "TEXT"),
                        ColumnInfo("author_id", "INTEGER"),
                        ColumnInfo("genre", "TEXT", values=["Fantasy", "History", "Poetry"]),
                        ColumnInfo("published_year", "INTEGER")],
              primary_key=["book_id"], foreign_keys=[ForeignKey(["author_id"], "authors", ["author_id"])]),
    TableInfo("loans", [ColumnInfo("loan_id", "INTEGER", primary_key=True), ColumnInfo("book_id", "INTEGER"),
                        ColumnInfo("member_id", "INTEGER"), ColumnInfo("loaned_at", "TEXT"),
                        ColumnInfo("returned_at", "TEXT", comment="When the book came back; NULL while overdue.")],
              primary_key=["loan_id"]),
    TableInfo("members", [ColumnInfo("member_id", "INTEGER", primary_key=True), ColumnInfo("name", "TEXT"),
                          ColumnInfo("town", "TEXT")],
              primary_key=["member_id"], comment="People holding a library card."),
])


def test_numbers_and_words_that_ask_for_a_computation_are_not_counted():
    assert content_words("What is the average number of loans per member in 2023? Top 5") == ["loan", "member"]


def test_table_and_column_names_match_in_singular_and_plural():
    found = catalog_evidence("How many loans did each member take out per genre?", LIBRARY)
    assert {"loan", "member", "genre"} <= set(found.named)
    assert found.tables == ["books", "loans", "members"]
    assert found.score == pytest.approx(3 / 5)  # "take" and "out" are not the catalog's


def test_names_written_as_identifiers_are_noted_also_when_not_quite_the_catalogs():
    found = catalog_evidence("what is loan_returned_at, and how is books.genre filled?", LIBRARY)
    assert found.identifiers == ["loan_returned_at", "books.genre"]  # the first is `loans.returned_at`
    assert catalog_evidence("what is snake_case or a node.js thing?", LIBRARY).identifiers == []


def test_a_stored_value_counts_like_a_name():
    found = catalog_evidence("fantasy titles by Irish or Nigerian authors", LIBRARY)
    assert "fantasy" in found.valued and "author" in found.named
    found = catalog_evidence("authors born in Nigeria", LIBRARY)
    assert found.valued == ["nigeria"] and "authors" in found.tables


def test_values_too_varied_to_list_are_looked_up_through_the_database(tmp_path):
    path = tmp_path / "library.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE authors (author_id INTEGER PRIMARY KEY, full_name TEXT)")
        con.execute("INSERT INTO authors VALUES (1, 'Chinua Achebe')")

    def run(tree):
        with sqlite3.connect(path) as con:
            return con.execute(tree.sql(dialect="sqlite")).fetchall()

    without = catalog_evidence("What did chinua achebe write?", LIBRARY)
    found = catalog_evidence("What did chinua achebe write?", LIBRARY, run=run)
    assert without.score == 0.0
    assert found.valued == ["chinua", "achebe"] and found.tables == ["authors"]


def test_a_word_only_a_description_holds_counts_half():
    found = catalog_evidence("which books are overdue", LIBRARY)
    assert found.named == ["book"] and found.described == ["overdue"]
    assert found.score == pytest.approx((1 + 0.5) / 2)


def test_a_question_about_something_else_scores_nothing():
    for message in ("How do I rotate the replication password?", "tell me a joke", "hi"):
        assert catalog_evidence(message, LIBRARY).score == 0.0


def test_sensitive_columns_are_never_looked_up():
    asked = []
    catalog_evidence("books by chinua achebe", LIBRARY, run=lambda tree: asked.append(tree.sql()) or [],
                     sensitive=frozenset({("authors", "full_name")}))
    assert asked and not any("full_name" in sql for sql in asked)


def _hit(text, vector, title="Notes"):
    return Hit(id=text[:8], text=text, metadata={"title": title}, score=0.0, vector_score=vector)


def test_document_evidence_is_the_closest_chunk_and_the_words_the_best_chunks_hold():
    hits = [_hit("Rotate the API key every 90 days from the admin console.", 0.62, "Key rotation"),
            _hit("Books are shelved by genre.", 0.21), _hit("no vector side", None)]
    found = document_evidence("how often should the api key be rotated", hits)
    assert found.title == "Key rotation" and found.similarity == pytest.approx(0.62)
    assert found.coverage == pytest.approx(3 / 4)  # api, key, rotated (rotate) of those and "often"
    assert document_evidence("anything", []).similarity == 0.0


NOTES = {
    "key-rotation.md": "# Rotating the catalogue API key\n\nThe catalogue API key must be rotated every 90 days, "
                       "and at once when a member of staff who knew it leaves.\n\n## Steps\n\n1. Create a new "
                       "key in the admin console under Settings > API keys.\n2. Deploy the new key to both web "
                       "servers and restart the catalogue service.\n3. Check that searches work, then revoke the "
                       "old key.\n\nRotation takes about ten minutes; searches keep working throughout.\n",
    "reindex.md": "# Rebuilding the search index\n\nWhen search results look stale, or new books do not show up "
                  "in search, rebuild the search index. Run `catalogue reindex --full` in the evening, after "
                  "the library closes. A full reindex takes about forty minutes for a million records and "
                  "blocks new uploads while it runs. A partial reindex (`--since yesterday`) takes a few "
                  "minutes.\n",
}


@pytest.fixture
def sources(tmp_path, embedder):  # noqa: F811
    knowledge = Knowledge(Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models"), embedder=embedder)
    knowledge.documents.create("ops")
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text)
        assert knowledge.documents.add_file("ops", tmp_path / name).state == "added"

    class Connector:
        def introspect(self):
            return LIBRARY

        def run_tree(self, tree, row_limit, timeout_s):
            raise RuntimeError("no database in this test")

    yield sources_from(knowledge, "library", Connector(), ["ops"])
    knowledge.close()


def test_the_knowledge_layer_tells_a_document_question_from_a_data_question(sources):
    catalog, documents = sources
    doc_question = "How often must the API key be rotated?"
    data_question = "How many books did each member borrow?"
    assert documents(doc_question).similarity > 0.6 and documents(doc_question).title == \
        "Rotating the catalogue API key"
    assert documents(data_question).similarity < 0.3
    assert catalog(data_question).score > 0.5 and catalog(doc_question).score == 0.0
    context = RouteContext(dbs=["library"], spaces=["ops"], catalog=catalog, documents=documents)
    for message, skill in ((doc_question, "docs"), (data_question, "sql"),
                           ("How long does a full reindex of the search take?", "docs"),
                           ("Which genre do members borrow most?", "sql"), ("write me a limerick", "chat")):
        chosen = asyncio.run(route(message, context, None))
        assert (chosen.skill, chosen.source) == (skill, "evidence"), message


def test_nothing_to_measure_on_gives_no_source():
    assert sources_from(None, None, None, []) == (None, None)


def test_a_space_without_documents_says_nothing_and_loads_no_embedding_model(tmp_path):
    class Unused:
        def __getattr__(self, name):
            raise AssertionError("the embedding model was asked")

    knowledge = Knowledge(Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models"), embedder=Unused())
    knowledge.documents.create("empty")
    _, documents = sources_from(knowledge, None, None, ["empty"])
    assert documents("How do I vacuum the database?") == DocumentEvidence(0.0, 0.0)
    knowledge.close()



def test_words_most_chunks_hold_say_little_of_the_documents_topic():
    hits = [_hit("Every database keeps its pages in one file; an in-memory database keeps them in RAM.", 0.55,
                 "In-memory databases")]
    message = "recommend a good book about databases"
    common = {word: (90 if word.startswith("databas") else 0) for word in content_words(message)}
    found = document_evidence(message, hits, (100, common))
    assert found.specificity < 0.2 and found.titled == []  # "databases": in the title, but in 90 of 100 chunks
    message = "does an in-memory database keep its pages in RAM"
    rare = {word: (90 if word.startswith("databas") else 2) for word in content_words(message)}
    found = document_evidence(message, hits, (100, rare))
    assert found.specificity > 0.9 and found.titled == ["memory"]
    assert document_evidence(message, hits).specificity is None  # no counts: no weighing


def test_the_spaces_own_word_counts_weigh_the_words(sources):
    _, documents = sources
    rotated = documents("How often must the API key be rotated?")
    assert rotated.titled == ["rotat"] and 0.0 < rotated.specificity < 1.0  # "often" is in no chunk
    assert documents("Does a full reindex block uploads?").specificity == 1.0
    assert documents("how do I bake sourdough bread").specificity == 0.0
