"""POST /api/v1/chat: routed to each skill, relayed as that skill's own events, kept in the conversation.

The model is scripted at the LLM interface: the route request (under its JSON
schema) is answered with `route`, the others in turn from `replies`, then as a
careful document model would (tests/assistant/qa/scripted.py).
"""

import json

import pytest

from knowledge.service import Knowledge
from llm.client import LLMUnavailable
from server.api.diagnose import MAX_SQL_CHARS
from server.api.schemas import MAX_QUESTION_CHARS
from server.app import create_app
from tests.assistant.qa.scripted import ScriptedLLM as DocsLLM
from tests.knowledge.files import sqlite_docs
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.support.auth import api_key, bearer, signed_in
from tests.support.sse import sse_events

CITIES = '{"sql": "SELECT name FROM city ORDER BY id", "explanation": "The cities."}'
BY_CITY = "SELECT c.name, COUNT(*) AS stores FROM store s JOIN city c ON c.id = s.city_id GROUP BY c.name ORDER BY c.id"
STORES_BY_CITY = json.dumps({"sql": BY_CITY, "explanation": "Stores per city."})


class ChatLLM(DocsLLM):
    def __init__(self):
        super().__init__()
        self.route = "sql"
        self.replies: list[str] = []

    def reply(self, request):
        schema_name = ((request.response_format or {}).get("json_schema") or {}).get("name")
        if schema_name == "route":
            return json.dumps({"skill": self.route})
        if self.replies:
            return self.replies.pop(0)
        return super().reply(request)

    def asked(self, kind: str) -> list:
        is_route = [((r.response_format or {}).get("json_schema") or {}).get("name") == "route"
                    for r in self.requests]
        return [r for r, route in zip(self.requests, is_route) if route == (kind == "route")]


@pytest.fixture
def llm():
    return ChatLLM()


@pytest.fixture
def knowledge(settings, embedder):
    knowledge = Knowledge(settings, embedder=embedder)
    knowledge.documents.create("sqlite")
    knowledge.documents.add_file("sqlite", sqlite_docs() / "lang_vacuum.html")
    return knowledge


@pytest.fixture
def client(settings, llm, knowledge):
    with signed_in(create_app(settings, llm=llm, knowledge=knowledge), settings) as test_client:
        yield test_client


def chat(client, message, shop_db=None, headers=None, **body):
    if shop_db is not None:
        body["db"] = f"sqlite:///{shop_db}"
    with client.stream("POST", "/api/v1/chat", json={"message": message, **body}, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(sse_events(response.iter_lines()))


def names(events):
    return [name for name, _ in events]


def data(events, name):
    return [d for n, d in events if n == name]


def test_a_data_question_goes_to_sql_on_the_catalogs_evidence(client, llm, shop_db):
    llm.replies = [CITIES]
    events = chat(client, "Which cities do we have?", shop_db)
    route = events[0]
    assert route[0] == "route" and route[1]["skill"] == "sql" and route[1]["source"] == "evidence"
    assert set(route[1]) >= {"skill", "reason", "confidence", "evidence"}
    # The database asked named the message's words; the space's documents are far from it.
    assert route[1]["evidence"]["catalog"]["named"] == ["city"]
    assert route[1]["evidence"]["documents"]["similarity"] < 0.45
    assert llm.asked("route") == []
    # The same events /sql/generate/stream sends, between the route and the stored turn.
    assert names(events)[1] == "conversation" and "stage" in names(events)
    assert [n for n in names(events) if n != "stage"][2:] == ["sql", "rows", "chart", "turn", "done"] or \
        [n for n in names(events) if n != "stage"][2:] == ["sql", "rows", "turn", "done"]
    assert data(events, "rows")[0]["rows"] == [["Paris"], ["Lyon"]]
    done = data(events, "done")[0]
    assert done["sql"] == "SELECT name FROM city ORDER BY id" and done["rows"] == [["Paris"], ["Lyon"]]


def test_a_stored_value_alone_is_no_question_for_the_data(client, llm, shop_db):
    llm.replies = ["I cannot tell from here."]
    events = chat(client, "What is the population of Paris?", shop_db)  # the database holds no population
    assert (events[0][1]["skill"], events[0][1]["source"]) == ("chat", "evidence") and not llm.asked("route")


def test_where_the_evidence_is_not_clear_the_model_chooses_among_what_it_leaves_open(client, llm, shop_db):
    llm.replies = [CITIES, CITIES]
    conversation_id = data(chat(client, "Which cities do we have?", shop_db), "conversation")[0]["conversation_id"]
    # After an answer with SQL, a value and nothing else: about the data, the query, or neither.
    events = chat(client, "What is the population of Paris?", shop_db, conversation_id=conversation_id)
    assert events[0][1]["skill"] == "sql" and events[0][1]["source"] == "model"
    request = llm.asked("route")[0]
    assert request.response_format["json_schema"]["schema"]["properties"]["skill"]["enum"] == \
        ["sql", "diagnose", "chat"]
    # The route prompt named the databases and spaces the caller may use, and the evidence.
    assert "Databases: demo" in request.messages[0]["content"]
    assert "Documents: sqlite" in request.messages[0]["content"]
    assert "Evidence: database knows: paris" in request.messages[1]["content"]


def test_the_turn_is_stored_and_a_follow_up_sees_it(client, llm, shop_db):
    llm.replies = [CITIES, CITIES]
    first = chat(client, "Which cities do we have?", shop_db)
    conversation_id = data(first, "conversation")[0]["conversation_id"]
    assert data(first, "conversation")[0]["new"] and data(first, "turn")[0] == {
        "conversation_id": conversation_id, "n": 1}
    second = chat(client, "And which of them is the biggest?", shop_db, conversation_id=conversation_id)
    assert not data(second, "conversation")[0]["new"]
    sql_request = llm.asked("generate")[-1]
    assert any(m["content"] == "Which cities do we have?" for m in sql_request.messages)
    # The router heard of the previous turn too.
    assert data(second, "route")[0]["reason"] == "a follow-up to the previous sql answer"
    stored = client.get(f"/api/v1/conversations/{conversation_id}").json()
    assert stored["title"] == "Which cities do we have?"
    assert [(t["message"], t["skill"], t["sql"]) for t in stored["turns"]] == [
        ("Which cities do we have?", "sql", "SELECT name FROM city ORDER BY id"),
        ("And which of them is the biggest?", "sql", "SELECT name FROM city ORDER BY id")]
    assert "route" in stored["turns"][0]["timings"] and stored["turns"][0]["rows"] == [["Paris"], ["Lyon"]]


def test_pasted_sql_is_diagnosed_without_asking_the_router_model(client, llm, shop_db):
    llm.replies = [json.dumps({"summary": "It reads every city.", "rewrites": []})]
    events = chat(client, "SELECT * FROM city WHERE name = 'Paris'", shop_db)
    assert events[0][1]["skill"] == "diagnose" and events[0][1]["source"] == "rules"
    assert llm.asked("route") == []
    assert "summary" in names(events) and names(events)[-2:] == ["turn", "done"]
    done = data(events, "done")[0]
    assert done["sql"] == "SELECT * FROM city WHERE name = 'Paris'" and "findings" in done


def test_why_slow_diagnoses_the_previous_answers_sql(client, llm, shop_db):
    llm.replies = [CITIES, json.dumps({"summary": "Fine.", "rewrites": []})]
    first = chat(client, "Which cities do we have?", shop_db)
    conversation_id = data(first, "conversation")[0]["conversation_id"]
    events = chat(client, "why is this so slow?", shop_db, conversation_id=conversation_id)
    assert events[0][1]["skill"] == "diagnose" and events[0][1]["sql"] == "SELECT name FROM city ORDER BY id"
    assert data(events, "done")[0]["sql"] == "SELECT name FROM city ORDER BY id"


def test_a_document_question_goes_to_docs(client, llm):
    llm.route, llm.cite_title = "docs", "VACUUM"
    events = chat(client, "How do I shrink the database file?", space="sqlite")
    assert events[0][1]["skill"] == "docs"
    assert names(events)[2] == "token" and "citation" in names(events) and names(events)[-2:] == ["turn", "done"]
    assert data(events, "done")[0]["answer"] == llm.answer
    conversation_id = data(events, "conversation")[0]["conversation_id"]
    turn = client.get(f"/api/v1/conversations/{conversation_id}").json()["turns"][0]
    assert turn["skill"] == "docs" and turn["answer"] == llm.answer
    assert turn["citations"][0]["document"].endswith("lang_vacuum.html")


def test_a_schema_question_is_answered_from_the_catalog_without_the_model(client, llm, shop_db):
    events = chat(client, "how do store and city join?", shop_db)
    assert events[0][1]["skill"] == "schema" and llm.requests == []
    assert names(events) == ["route", "conversation", "schema", "turn", "done"]
    assert data(events, "done")[0]["answer"] == "store and city join on store.city_id = city.id."
    listing = data(chat(client, "what tables are there?", shop_db), "done")[0]
    assert listing["kind"] == "tables" and listing["tables"] == ["city", "store"]


def test_anything_else_is_a_plain_reply_without_data(client, llm):
    llm.route, llm.replies = "chat", ["Hello! Ask me about your data."]
    events = chat(client, "hi there")
    assert events[0][1]["skill"] == "chat"
    assert "".join(d["text"] for d in data(events, "token")) == "Hello! Ask me about your data."
    assert data(events, "done")[0]["answer"] == "Hello! Ask me about your data."
    request = llm.asked("generate")[-1]
    assert len(request.messages) == 2 and "CREATE TABLE" not in json.dumps(request.messages)


def test_a_forced_skill_is_used_as_given(client, llm, shop_db):
    events = chat(client, "SELECT name FROM city", shop_db, skill="schema")
    assert events[0][1] | {"seconds": 0} == {"skill": "schema", "reason": "the caller chose it", "confidence": 1.0,
                                             "source": "forced", "sql": None, "seconds": 0, "evidence": None}
    assert llm.requests == [] and data(events, "done")[0]["kind"] == "columns"  # of the table it names


def test_diagnose_without_any_sql_says_so(client, llm, shop_db):
    llm.replies = [json.dumps({"summary": "Not SQL.", "rewrites": []})]
    events = chat(client, "this query is bad", shop_db, skill="diagnose")  # diagnosed as given: it does not parse
    assert data(events, "done")[0]["sql"] == "this query is bad"
    events = chat(client, "/diagnose", shop_db)
    assert data(events, "error") == [{"kind": "no_sql", "message": data(events, "error")[0]["message"]}]
    assert names(events)[-2:] == ["turn", "done"]


def test_an_ungranted_database_is_refused_before_anything_streams(client, settings, llm):
    analyst = bearer(api_key(settings, "ann", "analyst", grants={"db": ["sales"]}))
    response = client.post("/api/v1/chat", json={"message": "how many orders?", "db": "finance"}, headers=analyst)
    assert response.status_code == 403 and "finance" in response.json()["detail"]
    response = client.post("/api/v1/chat", json={"message": "hi", "space": "sqlite"}, headers=analyst)
    assert response.status_code == 403
    assert llm.requests == [] and client.get("/api/v1/conversations", headers=analyst).json() == []


def test_a_chat_is_audited(client, llm, shop_db):
    llm.replies = [CITIES]
    chat(client, "Which cities do we have?", shop_db)
    entry = client.get("/api/v1/audit", params={"user": "admin"}).json()[0]
    assert entry["route"] == "POST /api/v1/chat" and entry["sql"] == "SELECT name FROM city ORDER BY id"
    assert entry["question"] == "Which cities do we have?" and entry["outcome"] == "ok"


def test_chats_last_through_a_restart_and_stay_their_owners(settings, llm, knowledge, embedder, shop_db):
    with signed_in(create_app(settings, llm=llm, knowledge=knowledge), settings) as client:
        events = chat(client, "what tables are there?", shop_db, conversation_id="mine")
        assert data(events, "turn")[0] == {"conversation_id": "mine", "n": 1}
    with signed_in(create_app(settings, llm=llm, knowledge=Knowledge(settings, embedder=embedder)),
                   settings) as client:
        assert [c["id"] for c in client.get("/api/v1/conversations").json()] == ["mine"]
        other = bearer(api_key(settings, "bob", "analyst"))
        assert client.get("/api/v1/conversations/mine", headers=other).status_code == 404
        # The same id from another user is a conversation of their own, with nothing of the first.
        llm.route, llm.replies = "chat", ["Hi."]
        events = chat(client, "and the other tables?", headers=other, conversation_id="mine")
        assert data(events, "conversation")[0] == {"conversation_id": "mine", "new": True}
        assert data(events, "route")[0]["skill"] == "chat"  # no previous schema turn to follow up
        assert len(client.get("/api/v1/conversations/mine").json()["turns"]) == 1
        assert client.get("/api/v1/conversations/mine", headers=other).json()["title"] == "and the other tables?"


def test_without_a_model_the_route_still_decides_and_the_skill_reports_the_error(client, llm, shop_db):
    llm.available = False

    async def unavailable(request):
        raise LLMUnavailable("no worker is serving model 'scripted'")

    llm.generate = unavailable
    llm.stream = lambda request: _failing_stream()
    events = chat(client, "How many stores are in each city?", shop_db)
    assert events[0][1]["skill"] == "sql" and events[0][1]["source"] == "evidence"
    assert data(events, "error") and names(events)[-2:] == ["turn", "done"]


async def _failing_stream():
    raise LLMUnavailable("no worker is serving model 'scripted'")
    yield  # an async generator


def test_a_follow_up_is_written_from_the_previous_question_and_its_sql_only(client, llm, shop_db):
    # The follow-up's query filters on Paris: one that ignored the city the user named would be asked again.
    in_paris = json.dumps({"sql": BY_CITY.replace("GROUP BY", "WHERE c.name = 'Paris' GROUP BY"),
                           "explanation": "Stores in Paris."})
    llm.replies = [CITIES, STORES_BY_CITY, in_paris]
    conversation_id = data(chat(client, "Which cities do we have?", shop_db), "conversation")[0]["conversation_id"]
    chat(client, "How many stores are in each city?", shop_db, conversation_id=conversation_id)
    chat(client, "only Paris", shop_db, conversation_id=conversation_id)
    messages = llm.asked("generate")[-1].messages
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "How many stores are in each city?" and BY_CITY in messages[2]["content"]
    assert "Which cities do we have?" not in json.dumps(messages)  # the last SQL carries what came before
    assert messages[3]["content"].startswith("Follow-up") and messages[3]["content"].endswith("only Paris")


def test_as_a_line_chart_draws_the_previous_rows_again_without_the_model(client, llm, shop_db):
    llm.replies = [STORES_BY_CITY]
    conversation_id = data(chat(client, "How many stores are in each city?", shop_db),
                           "conversation")[0]["conversation_id"]
    asked = len(llm.requests)
    events = chat(client, "as a line chart", shop_db, conversation_id=conversation_id)
    assert len(llm.requests) == asked  # neither routed nor written by the model
    route = events[0][1]
    assert (route["skill"], route["source"], route["chart"], route["sql"]) == ("sql", "rules", "line", BY_CITY)
    assert names(events) == ["route", "conversation", "sql", "rows", "chart", "turn", "done"]
    assert data(events, "rows")[0]["rows"] == [["Paris", 2], ["Lyon", 1]]
    assert data(events, "chart")[0]["mark"] == {"type": "line", "point": True}
    turn = client.get(f"/api/v1/conversations/{conversation_id}").json()["turns"][-1]
    assert (turn["skill"], turn["sql"], turn["chart"]["mark"]["type"]) == ("sql", BY_CITY, "line")
    # The next follow-up refines the query the chart drew: its question, not "as a line chart".
    llm.replies = [STORES_BY_CITY]
    chat(client, "only Paris", shop_db, conversation_id=conversation_id)
    assert llm.asked("generate")[-1].messages[1]["content"] == "How many stores are in each city?"


def test_which_table_does_that_come_from_is_answered_from_the_previous_sql_and_keeps_it(client, llm, shop_db):
    llm.replies = [STORES_BY_CITY, json.dumps({"summary": "Fine at this size.", "rewrites": []})]
    conversation_id = data(chat(client, "How many stores are in each city?", shop_db),
                           "conversation")[0]["conversation_id"]
    asked = len(llm.requests)
    events = chat(client, "which table does that come from?", shop_db, conversation_id=conversation_id)
    assert len(llm.requests) == asked and events[0][1]["skill"] == "schema"
    done = data(events, "done")[0]
    assert done["kind"] == "sources" and done["tables"] == ["store", "city"] and done["sql"] == BY_CITY
    assert "`store`" in done["answer"] and "`city`" in done["answer"]
    # The SQL stays the conversation's: "why is that slow?" after it diagnoses that query.
    events = chat(client, "why is that query slow?", shop_db, conversation_id=conversation_id)
    assert events[0][1]["skill"] == "diagnose" and data(events, "done")[0]["sql"] == BY_CITY


def test_a_change_asked_after_where_the_data_comes_from_refines_the_data_answer(client, llm, shop_db):
    llm.replies = [STORES_BY_CITY, STORES_BY_CITY]
    conversation_id = data(chat(client, "How many stores are in each city?", shop_db),
                           "conversation")[0]["conversation_id"]
    chat(client, "which table does that come from?", shop_db, conversation_id=conversation_id)
    events = chat(client, "now only Paris", shop_db, conversation_id=conversation_id)
    assert (events[0][1]["skill"], events[0][1]["source"]) == ("sql", "rules")
    messages = llm.asked("generate")[-1].messages
    assert messages[1]["content"] == "How many stores are in each city?" and BY_CITY in messages[2]["content"]
    assert messages[3]["content"].endswith("now only Paris")


def test_why_slow_after_a_reply_in_words_still_finds_the_conversations_sql(client, llm, shop_db):
    llm.replies = [CITIES, "You are welcome.", json.dumps({"summary": "Fine.", "rewrites": []})]
    conversation_id = data(chat(client, "Which cities do we have?", shop_db), "conversation")[0]["conversation_id"]
    llm.route = "chat"
    chat(client, "thanks!", shop_db, conversation_id=conversation_id)
    events = chat(client, "why is that query slow?", shop_db, conversation_id=conversation_id)
    assert events[0][1]["skill"] == "diagnose" and events[0][1]["sql"] == "SELECT name FROM city ORDER BY id"


LONG_SQL = "SELECT name, " + ", ".join(f"{i} AS c{i}" for i in range(600)) + " FROM city"


def test_sql_longer_than_a_question_may_be_is_diagnosed(client, llm, shop_db):
    assert MAX_QUESTION_CHARS < len(LONG_SQL) < MAX_SQL_CHARS
    llm.replies = [json.dumps({"summary": "It reads every city.", "rewrites": []})]
    events = chat(client, f"why is this slow?\n{LONG_SQL}", shop_db)
    assert events[0][1]["skill"] == "diagnose" and data(events, "done")[0]["sql"] == LONG_SQL


@pytest.mark.parametrize("message, skill", [
    ("Which cities " * 200, None),  # a long question: no SQL in it
    (LONG_SQL, "sql"),  # SQL, but asked of another skill
    (f"/docs {LONG_SQL}", None),
    ("SELECT 1 " + "-- padding\n" * 10_000, None),  # past the diagnosis route's own cap
])
def test_a_long_message_that_is_not_sql_to_diagnose_is_refused_with_a_reason(client, llm, shop_db, message, skill):
    response = client.post("/api/v1/chat", json={"message": message, "db": f"sqlite:///{shop_db}", "skill": skill})
    assert response.status_code == 422 and llm.requests == []
    problem = response.json()["detail"][0]
    assert problem["loc"][:2] == ["body", "message"] or problem["loc"] == ["body"]
    assert "2,000" in problem["msg"] or "100000" in problem["msg"]
    assert message[:40] not in json.dumps(response.json())  # the input is never echoed
