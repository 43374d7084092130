import asyncio
import json
import sqlite3
import time

import httpx
import pytest

from assistant.sqlgen.confidence import ADVICE
from llm.client import Completion
from llm.protocol import Chunk
from server.app import create_app
from tests.support.auth import api_key, bearer
from tests.support.helpers import serve_app

PIPELINES = ["full", "plain"]


def url(path):
    return f"sqlite:///{path}"


def ask(client, shop_db, question="?", **extra):
    return client.post("/api/v1/sql/generate", json={"question": question, "db": url(shop_db), **extra})


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_question_becomes_sql_and_rows(client, llm, shop_db, pipeline):
    llm.reply = '{"explanation": "count stores", "sql": "SELECT COUNT(*) AS n FROM store"}'
    response = ask(client, shop_db, "How many stores?", pipeline=pipeline)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sql"] == "SELECT COUNT(*) AS n FROM store"
    assert body["rows"] == [[3]] and body["columns"] == ["n"]
    assert body["error"] is None
    assert {"schema", "generate", "execute", "total"} <= set(body["timings"])
    # The model saw the real schema.
    system = llm.requests[0].messages[0]["content"]
    assert "CREATE TABLE store" in system and "REFERENCES city(id)" in system


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_write_statement_is_refused_and_never_runs(client, llm, shop_db, pipeline):
    llm.reply = '{"sql": "DELETE FROM store"}'
    body = ask(client, shop_db, "Remove stores", pipeline=pipeline).json()
    assert body["error"]["kind"] == "refused" and body["error"]["rule"]
    assert body["rows"] == []
    with sqlite3.connect(shop_db) as con:
        assert con.execute("SELECT COUNT(*) FROM store").fetchone() == (3,)


def test_plain_reports_the_database_error(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT nope FROM store"}'
    body = ask(client, shop_db, pipeline="plain").json()
    assert body["error"]["kind"] == "execution" and "nope" in body["error"]["message"]


def test_full_repairs_an_unknown_column_with_the_precise_error(client, llm, shop_db):
    llm.replies = ['{"sql": "SELECT fullname FROM city ORDER BY id", "explanation": ""}']
    llm.reply = '{"sql": "SELECT name FROM city ORDER BY id", "explanation": "city names"}'
    body = ask(client, shop_db, "city names").json()
    assert body["rows"] == [["Paris"], ["Lyon"]] and body["repairs"] == 1
    repair_prompt = llm.requests[1].messages[-1]["content"]
    assert "fullname" in repair_prompt and "did you mean name" in repair_prompt


def test_full_corrects_a_near_identical_column_name_without_a_model_round(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT nme FROM city ORDER BY id", "explanation": "city names"}'
    body = ask(client, shop_db, "city names").json()
    assert body["rows"] == [["Paris"], ["Lyon"]] and body["repairs"] == 0
    assert body["sql"] == "SELECT name FROM city ORDER BY id" and len(llm.requests) == 1


def test_full_repairs_an_execution_error_with_the_database_message(client, llm, shop_db):
    llm.replies = ['{"sql": "SELECT name FROM city WHERE id = nosuchfn(1)", "explanation": ""}']
    llm.reply = '{"sql": "SELECT name FROM city WHERE id = 1", "explanation": ""}'
    body = ask(client, shop_db).json()
    assert body["rows"] == [["Paris"]]
    assert "no such function: NOSUCHFN" in llm.requests[1].messages[-1]["content"]


def test_full_gives_up_after_two_repair_rounds(client, llm, shop_db):
    llm.replies = ['{"sql": "SELECT nope FROM store", "explanation": ""}',
                   '{"sql": "SELECT nope2 FROM store", "explanation": ""}']
    llm.reply = '{"sql": "SELECT nope3 FROM store", "explanation": ""}'
    body = ask(client, shop_db).json()
    assert body["error"]["kind"] == "invalid" and "nope3" in body["error"]["message"]
    assert body["repairs"] == 2 and len(llm.requests) == 3


def test_full_stops_when_the_model_repeats_its_query(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT nope FROM store", "explanation": ""}'
    body = ask(client, shop_db).json()
    assert body["error"]["kind"] == "invalid" and "nope" in body["error"]["message"]
    assert body["repairs"] == 1 and len(llm.requests) == 2


def test_full_questions_an_empty_result_of_a_literal_filter(client, llm, shop_db):
    llm.replies = ['{"sql": "SELECT id FROM city WHERE name = \'paris\'", "explanation": ""}']
    llm.reply = '{"sql": "SELECT id FROM city WHERE name = \'Paris\'", "explanation": ""}'
    body = ask(client, shop_db, "id of paris").json()
    assert body["rows"] == [[1]]
    # And the literal from the data was offered as a hint up front.
    assert "city.name = 'Paris'" in llm.requests[0].messages[-1]["content"]


def test_an_unanswerable_question_gets_that_answer_not_a_query(client, llm, shop_db):
    llm.reply = '{"sql": "", "explanation": "The schema has no weather data."}'
    body = ask(client, shop_db, "What is the weather?").json()
    assert body["sql"] is None
    assert body["error"]["kind"] == "unanswerable" and "weather" in body["error"]["message"]


def test_candidates_are_voted_and_agreement_reported(client, llm, shop_db):
    llm.replies = [
        '{"sql": "SELECT COUNT(*) FROM store", "explanation": ""}',
        '{"sql": "SELECT COUNT(id) FROM store", "explanation": ""}',
        '{"sql": "SELECT 7", "explanation": ""}',
    ]
    body = ask(client, shop_db, "How many stores?", candidates=3).json()
    assert body["rows"] == [[3]] and body["confidence"] == pytest.approx(2 / 3, abs=1e-3)
    assert body["confidence_advice"] == ADVICE[body["confidence_label"]]  # the words the page shows
    assert body["candidates"] == 3


def test_chart_suggestion_follows_the_result_shape(client, llm, shop_db):
    llm.reply = ('{"sql": "SELECT c.name, COUNT(*) AS stores FROM store s JOIN city c ON c.id = s.city_id '
                 'GROUP BY c.name", "explanation": ""}')
    body = ask(client, shop_db, "stores per city").json()
    assert body["chart"]["mark"] == "bar"


def test_follow_up_questions_see_the_earlier_turn(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM city", "explanation": ""}'
    ask(client, shop_db, "List the cities", conversation_id="c1")
    ask(client, shop_db, "Only the first one", conversation_id="c1")
    messages = llm.requests[-1].messages
    assert any(m["content"] == "List the cities" for m in messages)
    assert "SELECT name FROM city" in json.dumps(messages)


def test_an_answer_without_sql_says_so(client, llm, shop_db):
    llm.reply = "I am not sure what you mean."
    body = ask(client, shop_db, pipeline="plain").json()
    assert body["sql"] is None and body["error"]["kind"] == "no_sql"


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_execute_false_returns_sql_only(client, llm, shop_db, pipeline):
    llm.reply = '{"sql": "SELECT name FROM city"}'
    body = ask(client, shop_db, "cities", execute=False, pipeline=pipeline).json()
    assert body["sql"] == "SELECT name FROM city" and body["rows"] == []


def test_row_limit_truncates(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT name FROM store ORDER BY id"}'
    body = ask(client, shop_db, "stores", row_limit=2).json()
    assert body["rows"] == [["A"], ["B"]] and body["truncated"] is True


def test_stream_sends_stage_events_then_the_answer(client, llm, shop_db):
    llm.reply = '{"sql": "SELECT COUNT(*) AS n FROM store", "explanation": "count"}'
    with client.stream("POST", "/api/v1/sql/generate/stream",
                       json={"question": "How many stores?", "db": url(shop_db)}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [(block.split("\n")[0][len("event: "):], json.loads(block.split("\n")[1][len("data: "):]))
              for block in text.strip().split("\n\n")]
    names = [name for name, _ in events]
    assert names[0] == "stage" and "generate" in [d.get("stage") for n, d in events if n == "stage"]
    assert names[-4:] == ["sql", "rows", "chart", "done"]
    assert events[-1][1]["rows"] == [[3]]


def test_stream_of_an_unknown_database_is_a_404_before_streaming(client):
    response = client.post("/api/v1/sql/generate/stream", json={"question": "?", "db": "nosuchdb"})
    assert response.status_code == 404


def test_unknown_database_is_404_naming_the_known_ones(client):
    response = client.post("/api/v1/sql/generate", json={"question": "How many?", "db": "nosuchdb"})
    assert response.status_code == 404
    assert "nosuchdb" in response.json()["detail"] and "demo" in response.json()["detail"]


def test_empty_blank_and_overlong_questions_are_422(client, shop_db):
    for question in ("", "   ", "x" * 2001):
        assert ask(client, shop_db, question).status_code == 422, question


def test_bad_options_are_422(client, shop_db):
    assert ask(client, shop_db, "q", pipeline="magic").status_code == 422
    assert ask(client, shop_db, "q", candidates=0).status_code == 422
    assert ask(client, shop_db, "q", row_limit=0).status_code == 422


def test_malformed_body_is_422_with_a_message(client):
    response = client.post("/api/v1/sql/generate", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_no_model_is_503_naming_the_fix(client, llm, shop_db):
    llm.available = False
    response = ask(client, shop_db, "How many?")
    assert response.status_code == 503
    assert "dbgpt model pull" in response.json()["detail"]  # the settings' model dir is empty


def test_healthz_follows_the_model(client, llm):
    assert client.get("/healthz").status_code == 200
    llm.available = False
    assert client.get("/healthz").status_code == 503


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/v1/sql/generate" in client.get("/openapi.json").json()["paths"]


def test_a_request_to_change_data_is_answered_in_words(client, llm):
    # A verified example alike once made this an unrelated SELECT at full confidence.
    response = client.post("/api/v1/sql/generate", json={"question": "delete all customers"})
    assert response.status_code == 200
    body = response.json()
    assert body["sql"] is None and body["rows"] == []
    assert body["error"]["kind"] == "refused" and body["error"]["rule"] == "write_intent"
    assert body["error"]["message"].startswith("I only read data")
    assert llm.requests == []


class SlowModel:
    """Writes a long answer a word at a time, as a model does; counts the words
    it wrote and the answers it was made to stop."""

    model = "slow"

    def __init__(self, words=400, delay=0.02):
        self.words, self.delay = words, delay
        self.written = 0
        self.stopped = 0

    async def ready(self):
        return True

    async def stream(self, request):
        text = ""
        try:
            for i in range(self.words):
                await asyncio.sleep(self.delay)
                text += f"w{i} "
                self.written += 1
                yield Chunk(text=text, usage={"prompt_tokens": 1, "completion_tokens": i + 1})
        finally:
            self.stopped += 1

    async def generate(self, request):
        last = Chunk(text="")
        async for chunk in self.stream(request):
            last = chunk
        return Completion(text=last.text, finish_reason="stop", usage=last.usage)


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_client_that_hangs_up_stops_the_model_at_once(settings, shop_db, pipeline):
    model = SlowModel()
    app = create_app(settings, llm=model)
    headers = bearer(api_key(settings))
    with serve_app(app) as base:
        with httpx.stream("POST", base + "/api/v1/sql/generate/stream", headers=headers, timeout=10,
                          json={"question": "stores?", "db": url(shop_db), "pipeline": pipeline}) as response:
            assert response.status_code == 200
            while model.written < 5:  # the model is writing: the client leaves mid-answer
                time.sleep(0.01)
        left_at = model.written
        deadline = time.monotonic() + 5
        while not model.stopped and time.monotonic() < deadline:
            time.sleep(0.02)
        assert model.stopped == 1, "the model went on writing for a client that had left"
        assert model.written - left_at < 50


def test_a_column_marked_sensitive_gives_the_model_no_value_hints(client, llm, shop_db):
    llm.reply = "```sql\nSELECT name FROM store\n```\nThe stores."

    def hinted():
        assert ask(client, shop_db, "Which stores are in paris?").status_code == 200
        return "Values found in the data" in llm.requests[-1].messages[-1]["content"]

    assert hinted()
    marked = client.put("/api/v1/knowledge/sensitive",
                        json={"db": url(shop_db), "table": "city", "column": "name", "sensitive": True})
    assert marked.status_code == 200, marked.text
    assert not hinted()


def test_a_column_marked_sensitive_shows_the_model_none_of_its_values(client, llm, shop_db):
    llm.reply = "```sql\nSELECT name FROM store\n```\nThe stores."

    def prompt() -> str:
        assert ask(client, shop_db, "Which stores are there per city?").status_code == 200
        return "\n".join(m["content"] for m in llm.requests[-1].messages)

    assert "Lyon" in prompt()  # a short list of stored values is part of the schema the model reads
    marked = client.put("/api/v1/knowledge/sensitive",
                        json={"db": url(shop_db), "table": "city", "column": "name", "sensitive": True})
    assert marked.status_code == 200, marked.text
    shown = prompt()
    assert "name" in shown and "Lyon" not in shown and "Paris" not in shown
