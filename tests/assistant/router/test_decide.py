"""The router's decision from evidence: clear cases without the model, the rest to it with the
skills still open."""

import asyncio

import pytest

from assistant.router import LastTurn, RouteContext, route
from assistant.router.decide import Ambiguous, decide
from assistant.router.evidence import CatalogEvidence, DocumentEvidence
from tests.assistant.router.test_model import RouteLLM


def catalog(score):
    """Two content words; from a score of one half, one of them a table's name."""
    return CatalogEvidence(score, 2, named=["loan"] if score >= 0.5 else [])


def documents(similarity):
    return DocumentEvidence(similarity, 0.5, "A page")


def context(last=None):
    return RouteContext(last=last, dbs=["library"], spaces=["ops"], catalog=lambda m: catalog(0.0),
                        documents=lambda m: documents(0.0))


AFTER_SQL = LastTurn("How many loans per member?", "sql", "SELECT member_id, COUNT(*) FROM loans GROUP BY 1")
AFTER_DOCS = LastTurn("How long does a full reindex take?", "docs")


@pytest.mark.parametrize("c, d, skill", [
    (1.0, 0.2, "sql"), (0.6, 0.4, "sql"),
    (0.0, 0.6, "docs"), (0.1, 0.5, "docs"),
    (0.0, 0.1, "chat"), (0.1, 0.25, "chat"),
])
def test_clear_evidence_decides(c, d, skill):
    chosen = decide("a question", context(), catalog(c), documents(d))
    assert (chosen.skill, chosen.source) == (skill, "evidence") and 0.5 <= chosen.confidence <= 1.0
    assert chosen.evidence["catalog"]["score"] == c and chosen.evidence["documents"]["similarity"] == d


def test_evidence_on_both_sides_leaves_the_open_skills_to_the_model():
    decided = decide("a question", context(), catalog(0.7), documents(0.6))
    assert isinstance(decided, Ambiguous) and decided.candidates == ["sql", "docs", "chat"]


def test_after_an_answer_with_sql_unclear_evidence_is_left_to_the_model_with_diagnose_open():
    decided = decide("this is odd", context(AFTER_SQL), catalog(0.3), documents(0.35))
    assert isinstance(decided, Ambiguous) and decided.candidates == ["docs", "sql", "diagnose", "chat"]


def test_between_the_thresholds_one_sides_lean_decides():
    # The documents' topic: the closest title carries a rare word of the message.
    topic = DocumentEvidence(0.35, 0.3, "Reindexing", specificity=0.2, titled=["reindex"])
    chosen = decide("does a reindex block uploads?", context(), catalog(0.0), topic)
    assert (chosen.skill, chosen.source) == ("docs", "evidence")
    # A computation over something the database names, however little of the message it holds.
    asks = CatalogEvidence(0.2, 5, described=["borrow"], measures=["many"])
    chosen = decide("how many did ada borrow last spring?", context(), asks, documents(0.1))
    assert (chosen.skill, chosen.source) == ("sql", "evidence")


def test_a_close_page_whose_shared_words_every_page_has_is_no_document_question():
    # Similar in the embedding, but only "database" is shared, and every page says it.
    generic = DocumentEvidence(0.55, 0.6, "In-memory databases", specificity=0.3, titled=[])
    chosen = decide("recommend a good book about databases", context(), catalog(0.0), generic)
    assert (chosen.skill, chosen.source) == ("chat", "evidence")


def test_a_value_alone_without_a_name_of_the_database_is_no_data_question():
    valued = CatalogEvidence(0.5, 2, valued=["france"])
    chosen = decide("what's the capital of France?", context(), valued, documents(0.1))
    assert chosen.skill == "chat"


@pytest.mark.parametrize("message", ["what is 17 times 23?", "15% of 80", "how much is 3.5 * (2 + 4)",
                                     "calculate 120 divided by 8"])
def test_arithmetic_is_chat_whatever_the_database_names(message):
    chosen = decide(message, context(), catalog(1.0), documents(0.0))
    assert (chosen.skill, chosen.reason) == ("chat", "the message is arithmetic")


@pytest.mark.parametrize("message", ["what is 3 times the average loan length", "loans in 2023 over 30 days"])
def test_numbers_beside_the_databases_words_are_no_arithmetic(message):
    assert decide(message, context(), catalog(1.0), documents(0.0)).skill == "sql"


@pytest.mark.parametrize("message", ["thanks!", "Hi there", "ok", "cool, thank you", "never mind", "bye"])
def test_pleasantries_are_chat_even_after_an_answer(message):
    chosen = decide(message, context(AFTER_SQL), catalog(0.0), documents(0.0))
    assert chosen.skill == "chat"


@pytest.mark.parametrize("message", ["now only for 2023", "sort it the other way", "show the top 3 instead",
                                     "and the ones in Dublin?"])
def test_a_follow_up_stays_with_the_previous_skill(message):
    assert decide(message, context(AFTER_SQL), catalog(0.0), documents(0.1)).skill == "sql"
    assert decide(message, context(AFTER_DOCS), catalog(0.0), documents(0.1)).skill == "docs"


def test_a_follow_up_that_the_evidence_clearly_places_elsewhere_goes_there():
    assert decide("and what does it say about locks?", context(AFTER_SQL), catalog(0.0),
                  documents(0.7)).skill == "docs"


@pytest.mark.parametrize("message, found", [
    ("In what format is loaned_at written?", CatalogEvidence(1.0, 1, named=["loan"], identifiers=["loaned_at"])),
    ("What information do we keep about members?", CatalogEvidence(0.25, 4, named=["member"])),
])
def test_a_message_about_the_catalogs_own_names_is_schema(message, found):
    assert decide(message, context(), found, documents(0.2)).skill == "schema"


def test_asking_for_a_computation_or_naming_a_value_is_not_a_schema_question():
    found = CatalogEvidence(1.0, 2, named=["loan"], valued=["dublin"])
    decided = decide("what information do we have on loans in Dublin", context(), found, documents(0.2))
    assert isinstance(decided, Ambiguous) and decided.candidates[0] == "sql" and "schema" in decided.candidates
    found = CatalogEvidence(1.0, 1, named=["loan"], measures=["average"], identifiers=["loaned_at"])
    assert isinstance(decide("average loaned_at per member", context(), found, documents(0.2)), Ambiguous)


def test_a_generic_word_alone_is_no_clear_data_question():
    found = CatalogEvidence(1.0, 1, named=["time"])  # a `lead_time` column and "what time is it?"
    chosen = decide("what time is it in Tokyo?", context(), found, documents(0.1))
    assert (chosen.skill, chosen.source) == ("chat", "evidence")


def test_without_any_evidence_source_every_skill_is_open():
    decided = decide("what about it", RouteContext(dbs=["library"]), None, None)
    assert isinstance(decided, Ambiguous) and decided.candidates == ["sql", "diagnose", "docs", "schema", "chat"]


def test_a_measure_that_failed_leaves_the_choice_to_the_model():
    decided = decide("How many loans?", context(), None, documents(0.1))
    assert isinstance(decided, Ambiguous)


def test_no_database_and_no_spaces_measured_as_nothing():
    only_docs = RouteContext(spaces=["ops"], documents=lambda m: documents(0.7))
    assert decide("How long does a reindex take?", only_docs, None, documents(0.7)).skill == "docs"


def run(message, ctx, llm):
    return asyncio.run(route(message, ctx, llm))


def test_route_decides_from_evidence_without_the_model():
    llm = RouteLLM('{"skill": "chat"}')
    ctx = RouteContext(dbs=["library"], spaces=["ops"], catalog=lambda m: catalog(0.9),
                       documents=lambda m: documents(0.1))
    chosen = run("How many loans per member?", ctx, llm)
    assert (chosen.skill, chosen.source) == ("sql", "evidence") and llm.requests == []
    assert chosen.event()["evidence"]["catalog"]["score"] == 0.9


def test_route_asks_the_model_among_the_open_skills_only():
    llm = RouteLLM('{"skill": "docs"}')
    ctx = RouteContext(dbs=["library"], spaces=["ops"], catalog=lambda m: catalog(0.8),
                       documents=lambda m: documents(0.6))
    chosen = run("How are loans locked?", ctx, llm)
    assert (chosen.skill, chosen.source) == ("docs", "model") and chosen.evidence is not None
    enum = llm.requests[0].response_format["json_schema"]["schema"]["properties"]["skill"]["enum"]
    assert enum == ["sql", "docs", "chat"]


def test_a_failing_measure_is_no_evidence_and_the_fallback_uses_what_there_is():
    def broken(message):
        raise ConnectionError("database unreachable")

    ctx = RouteContext(dbs=["library"], spaces=["ops"], catalog=broken, documents=lambda m: documents(0.6))
    chosen = run("How long does a reindex take?", ctx, RouteLLM(fail=True))
    assert chosen.source == "fallback" and chosen.skill == "docs"
