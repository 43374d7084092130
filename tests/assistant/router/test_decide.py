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


@pytest.mark.parametrize("c, d, open_", [
    (0.7, 0.6, ["sql", "docs", "chat"]),  # both say yes
    (0.3, 0.35, ["docs", "sql", "chat"]),  # both say a little
    (0.0, 0.4, ["docs", "chat"]),  # only the documents, weakly
])
def test_unclear_evidence_leaves_the_open_skills_to_the_model(c, d, open_):
    decided = decide("a question", context(), catalog(c), documents(d))
    assert isinstance(decided, Ambiguous) and decided.candidates == open_


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
    found = CatalogEvidence(1.0, 1, named=["time"])  # a `lead_time` column and "what is 17 times 23?"
    decided = decide("what is 17 times 23?", context(), found, documents(0.1))
    assert isinstance(decided, Ambiguous) and decided.candidates[0] == "sql"


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
