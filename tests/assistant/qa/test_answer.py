"""The QA skill: grounded answers with citations, and "not in context"."""

import asyncio
import json
import sqlite3

import pytest

from assistant.qa import prompts
from assistant.qa.answer import NOT_IN_CONTEXT, answer_question, parse_reply, partial_answer, stream_answer


def run(coro):
    return asyncio.run(coro)


def test_an_answer_cites_the_page_it_came_from(knowledge, llm):
    llm.cite_title = "VACUUM"
    answer = run(answer_question("How do I shrink the database file after deleting a lot of data?", knowledge, llm,
                                 space="sqlite"))
    assert answer.answerable and answer.answer == llm.answer
    [citation] = answer.citations
    assert citation["document"].endswith("lang_vacuum.html") and citation["title"] == "VACUUM"
    assert citation["location"] and citation["score"] > 0.3
    # The model saw the page's text, numbered.
    assert "[1] document: VACUUM" in llm.requests[0].messages[0]["content"]
    assert llm.requests[0].response_format["schema"]["required"] == ["answerable", "evidence", "answer", "sources"]


def test_an_unrelated_question_is_not_sent_to_the_model(knowledge, llm):
    answer = run(answer_question("What is the boiling point of olive oil?", knowledge, llm, space="sqlite"))
    assert (answer.answer, answer.answerable, answer.citations, answer.sources) == (NOT_IN_CONTEXT, False, [], [])
    assert answer.rejected == "no document or table in reach is close enough to the question"
    assert llm.requests == []


def test_the_model_declining_or_citing_nothing_real_gives_not_in_context(knowledge, llm):
    llm.cite_title = None  # declines
    question = "Which SQLite version first shipped the VACUUM INTO command?"
    declined = run(answer_question(question, knowledge, llm, space="sqlite"))
    assert declined.answer == NOT_IN_CONTEXT and declined.rejected == "the model found no statement of the answer in the sources"
    # The reader still gets the closest sources, best first, with the start of their text.
    assert declined.sources[0]["title"] == "VACUUM" and "VACUUM" in declined.sources[0]["excerpt"]
    assert [s["score"] for s in declined.sources] == sorted((s["score"] for s in declined.sources), reverse=True)
    llm.raw = json.dumps({"answerable": True, "evidence": "x", "answer": "Version 99.", "sources": [42]})
    answer = run(answer_question(question, knowledge, llm, space="sqlite"))
    assert not answer.answerable and answer.answer == NOT_IN_CONTEXT and answer.sources
    assert answer.rejected == "the answer cites no source it was shown"
    llm.raw = "not json at all"
    assert run(answer_question(question, knowledge, llm, space="sqlite")).answer == NOT_IN_CONTEXT


def test_an_answer_that_invents_what_its_sources_do_not_say_is_withheld(knowledge, llm):
    llm.cite_title = "VACUUM"
    llm.answer = "The VACUUM page was written by John Smith in 2011."
    answer = run(answer_question("Who wrote the VACUUM page?", knowledge, llm, space="sqlite"))
    assert answer.answer == NOT_IN_CONTEXT and "John" in answer.rejected and "2011" in answer.rejected
    source = answer.sources[0]["n"]
    llm.raw = json.dumps({"answerable": True, "evidence": "VACUUM was written by a team of volunteers",
                          "answer": "VACUUM was written by volunteers.", "sources": [source]})
    answer = run(answer_question("Who wrote the VACUUM page?", knowledge, llm, space="sqlite"))
    assert answer.answer == NOT_IN_CONTEXT and "evidence" in answer.rejected


def test_schema_and_verified_examples_are_sources_for_a_database_question(knowledge, llm, tmp_path):
    from connectors import connect

    path = tmp_path / "hr.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE employee (id INTEGER PRIMARY KEY, full_name TEXT, salary REAL, dept TEXT);"
                          "INSERT INTO employee VALUES (1, 'Grace', 100, 'R&D');")
    conn = connect(f"sqlite:///{path}")
    knowledge.examples("hr").add("What is the total payroll?", "SELECT SUM(salary) FROM employee",
                                 schema=conn.introspect(), explain=conn.explain)
    llm.cite_title = "employee"
    llm.answer = "Salaries are in employee.salary."
    answer = run(answer_question("Which column holds the salary of an employee?", knowledge, llm, space="sqlite",
                                 db="hr", connector=conn))
    conn.close()
    assert answer.answerable and answer.citations[0]["kind"] == "schema"
    assert answer.citations[0]["location"] == "table employee"
    system = llm.requests[0].messages[0]["content"]
    assert "salary REAL" in system and "SELECT SUM(salary) FROM employee" in system


def test_the_stream_sends_tokens_then_citations_then_done(knowledge, llm):
    llm.cite_title = "VACUUM"

    async def collect():
        return [e async for e in stream_answer("How do I shrink the database file?", knowledge, llm, space="sqlite")]

    events = run(collect())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "token" and kinds[-2:] == ["citation", "done"]
    assert "".join(e["data"]["text"] for e in events if e["event"] == "token") == llm.answer
    assert events[-1]["data"]["answer"] == llm.answer
    llm.cite_title = None
    events = run(collect())
    assert [e["event"] for e in events] == ["token", "done"] and events[0]["data"]["text"] == NOT_IN_CONTEXT


def test_reply_parsing_and_partial_answers():
    assert parse_reply('{"answerable": true, "evidence": "e", "answer": " x ", "sources": [1, true, "2"]}') == (
        True, "e", "x", [1])
    assert parse_reply('{"answerable": true, "answer": "", "sources": [1]}')[0] is False
    assert partial_answer('{"answerable": true, "answer": "Use VAC') == "Use VAC"
    assert partial_answer('{"answerable": true, "answer": "a \\"b\\" \\u00e9') == 'a "b" é'
    assert partial_answer('{"answerable": true, "answer": "cut \\u00') == "cut "
    assert partial_answer('{"answerable": true, "ans') is None


@pytest.mark.parametrize("name", ["qa_system", "qa_user", "qa_source"])
def test_each_prompt_renders(name):
    variables = {"qa_system": {"sources": "[1] document: T (L)\ntext"}, "qa_user": {"question": "Why?"},
                 "qa_source": {"n": "1", "kind": "document", "title": "T", "location": "L", "text": "body"}}[name]
    assert set(prompts.names()) == {"qa_system", "qa_user", "qa_source"}
    text = prompts.render(name, **variables)
    assert all(v in text for v in variables.values()) and "$" not in text



def test_a_verified_quote_stands_in_for_an_answer_that_contradicts_it(knowledge, llm):
    quote = "the ROLLBACK TO command does not cancel the transaction"
    llm.raw = json.dumps({"answerable": True, "evidence": quote, "answer": "Yes, ROLLBACK TO cancels the transaction.",
                          "sources": [1]})
    answer = run(answer_question("Does ROLLBACK TO cancel the transaction?", knowledge, llm, space="sqlite"))
    assert answer.answerable and "says yes" in answer.replaced
    # The page's own sentence, whole, is the answer; the citation is the page that holds it.
    sentence = "Note that unlike that plain ROLLBACK command (without the TO keyword) the ROLLBACK TO command " \
               "does not cancel the transaction."
    assert answer.answer == f"Savepoints: \u201c{sentence}\u201d" and answer.evidence["text"] == sentence
    assert [c["document"].rsplit("/", 1)[-1] for c in answer.citations] == ["lang_savepoint.html"]
    assert answer.citations[0]["n"] == answer.evidence["n"]


def test_a_bare_yes_is_followed_by_the_sentence_that_states_it():
    from assistant.qa.answer import finish
    from assistant.qa.context import Source

    text = "Rebuilding the cache may reorder its entries unless they carry a fixed sequence number."
    sources = [Source(1, "document", "/docs/cache.md", "Cache", "Cache > Rebuilding", 0.7, text)]
    reply = json.dumps({"answerable": True, "evidence": text, "answer": "Yes, rebuilding the cache can reorder its "
                        "entries.", "sources": [1]})
    answer = finish("Can rebuilding the cache reorder its entries?", sources, reply)
    assert answer.answerable and answer.replaced is None
    assert answer.answer == f"Yes, rebuilding the cache can reorder its entries. Cache: \u201c{text}\u201d"
    assert answer.evidence == {"n": 1, "text": text} and [c["n"] for c in answer.citations] == [1]
