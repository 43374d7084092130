"""The full pipeline's generation step against a streaming model double; the
real model runs the same path in tests/e2e and bench/sqlgen.py."""

import asyncio
import sqlite3

import pytest

from assistant.sqlgen.full import RESPONSE_FORMAT, answer_full
from connectors import connect
from llm.client import Completion
from llm.protocol import Chunk
from tests.support.helpers import city_db


class StreamingLLM:
    """Streams each scripted reply a few characters at a time and records how far it got."""

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.requests, self.delivered, self.closed = [], [], 0

    async def generate(self, request):  # the pipeline streams; this is here to satisfy the interface
        raise AssertionError("the full pipeline streams")

    async def stream(self, request):
        self.requests.append(request)
        reply = self.replies.pop(0)
        sent = ""
        try:
            for i in range(0, len(reply), 4):
                sent = reply[: i + 4]
                yield Chunk(text=sent, usage={"prompt_tokens": 10, "completion_tokens": i // 4 + 1})
            yield Chunk(text=reply, finish_reason="stop", usage={"prompt_tokens": 10, "completion_tokens": 99})
        finally:
            self.delivered.append(sent)
            self.closed += 1


@pytest.fixture
def city(tmp_path):
    conn = connect(f"sqlite:///{city_db(tmp_path)}")
    yield conn
    conn.close()


def test_generation_stops_after_the_query_and_one_sentence(city):
    llm = StreamingLLM("```sql\nSELECT name FROM city ORDER BY id\n```\nLists the cities. It reads the city "
                       "table and orders the rows by id, which keeps them in the order they were added.")
    answer = asyncio.run(answer_full("city names", city, llm))
    assert answer.rows == [["Paris"], ["Lyon"]]
    assert answer.explanation.startswith("Lists the cities.")
    assert "added" not in llm.delivered[0] and llm.closed == 1
    assert answer.usage["completion_tokens"] < 99
    assert llm.requests[0].response_format is None


def test_an_answer_without_a_query_is_asked_again_under_the_json_schema(city):
    llm = StreamingLLM("I would look at the city table.", '{"sql": "SELECT COUNT(*) FROM city", "explanation": "n"}')
    answer = asyncio.run(answer_full("how many cities", city, llm))
    assert answer.rows == [[2]]
    assert [r.response_format for r in llm.requests] == [None, RESPONSE_FORMAT]


def test_an_unanswerable_question_gets_an_answer_not_a_query(city):
    llm = StreamingLLM("The schema has no weather data.", '{"sql": "", "explanation": "No weather data."}')
    answer = asyncio.run(answer_full("will it rain tomorrow", city, llm))
    assert answer.sql is None and answer.error.kind == "unanswerable"
    assert "weather" in answer.error.message


def test_a_doubt_is_asked_once_and_a_failing_rewrite_keeps_the_result_that_ran(city):
    llm = StreamingLLM("```sql\nSELECT COUNT(*) FROM city\n```\nCounts cities.",
                       "```sql\nSELECT cntry, COUNT(*) FROM city GROUP BY cntry\n```\nPer country.",
                       "```sql\nSELECT cntry, COUNT(*) FROM city GROUP BY cntry\n```\nPer country.")
    answer = asyncio.run(answer_full("how many cities are there for each country", city, llm))
    assert any("one row for each" in m["content"] for m in llm.requests[-1].messages)
    assert answer.error is None and answer.sql == "SELECT COUNT(*) FROM city" and answer.rows == [[2]]
    assert "one row for each" in answer.warnings[0]  # (and "country": a name this database lacks)


def test_a_query_the_model_stands_by_after_a_doubt_is_its_answer(city):
    llm = StreamingLLM("```sql\nSELECT COUNT(*) FROM city\n```\nCounts cities.",
                       "```sql\nSELECT COUNT(*) FROM city\n```\nThere is one total.")
    answer = asyncio.run(answer_full("how many cities are there for each country", city, llm))
    assert answer.error is None and answer.rows == [[2]] and len(llm.requests) == 2
    # The user sees the doubt the model kept its query through.
    assert "one row for each" in answer.warnings[0]  # (and "country": a name this database lacks)


def test_a_doubt_the_rewrite_resolves_leaves_no_warning(city):
    llm = StreamingLLM("```sql\nSELECT COUNT(*) FROM city\n```\nCounts cities.",
                       "```sql\nSELECT name, COUNT(*) FROM city GROUP BY name\n```\nPer name.")
    answer = asyncio.run(answer_full("how many cities are there for each name", city, llm))
    assert answer.rows == [["Lyon", 1], ["Paris", 1]] and answer.warnings == []


def test_the_answer_names_the_tables_its_sql_reads_and_charts_no_key(tmp_path):
    path = city_db(tmp_path)
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE store (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id));"
                          "CREATE TABLE unrelated (id INTEGER PRIMARY KEY, note TEXT);"
                          "INSERT INTO store VALUES (1, 1), (2, 1), (3, 2);")
    conn = connect(f"sqlite:///{path}")
    try:
        llm = StreamingLLM('{"sql": "SELECT c.id AS town, COUNT(*) AS stores FROM store s JOIN city c '
                           'ON c.id = s.city_id GROUP BY c.id ORDER BY c.id", "explanation": "stores"}')
        answer = asyncio.run(answer_full("stores per town", conn, llm))
    finally:
        conn.close()
    assert answer.rows == [[1, 2], [2, 1]]
    assert answer.tables == ["store", "city"] and "unrelated" in answer.linked_tables
    # `town` is city's key under another name: a label on a bar chart, not a numeric axis
    assert answer.chart["mark"] == "bar" and answer.chart["encoding"]["x"]["field"] == "town"


def test_a_question_counting_what_the_database_does_not_name_is_answered_with_a_warning(city):
    llm = StreamingLLM("```sql\nSELECT COUNT(*) FROM city\n```\nCounts the cities.")
    answer = asyncio.run(answer_full("How many visits are there?", city, llm))
    assert answer.rows == [[2]]
    assert any("'visits'" in w for w in answer.warnings)
    assert answer.confidence < 0.8


def test_a_clean_answer_is_confident_and_a_literal_in_the_wrong_case_is_re_cased(city):
    llm = StreamingLLM("```sql\nSELECT id FROM city WHERE name = 'PARIS'\n```\nThe id of Paris.")
    answer = asyncio.run(answer_full("What is the id of the city Paris?", city, llm))
    assert "'Paris'" in answer.sql and answer.rows and answer.warnings == []
    assert answer.confidence == 1.0


def test_the_value_indexs_matches_reach_the_hints_only_when_asked_for(city):
    from assistant.sqlgen.full import SqlOptions
    from assistant.sqlgen.knowledge_context import SqlKnowledge
    from knowledge.values import ValueMatch

    asked = []

    def values(question, schema):
        asked.append(question)
        return [ValueMatch("city", "name", "Paris", "lutetia", 70.0)]  # a keyword of the value, say

    hint = "\"lutetia\" matches city.name = 'Paris'"
    reply = "```sql\nSELECT name FROM city WHERE name = 'Paris'\n```\nThe city."
    for on in (False, True):
        llm = StreamingLLM(reply, reply, reply)
        asyncio.run(answer_full("which city is lutetia", city, llm, SqlOptions(index_hints=on),
                                knowledge=SqlKnowledge(values=values)))
        prompt = "\n".join(m["content"] for m in llm.requests[0].messages)
        assert (hint in prompt) is on and len(asked) == int(on)
