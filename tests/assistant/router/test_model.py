"""The router's model step, with a scripted model at the LLM interface."""

import asyncio
import json

import pytest

from assistant.router import LastTurn, RouteContext, route
from assistant.router import prompts
from assistant.router.model import messages_for
from knowledge.tokens import count_tokens
from llm.client import Completion, LLMUnavailable


class RouteLLM:
    def __init__(self, reply='{"skill": "sql"}', fail=False):
        self.reply, self.fail, self.requests = reply, fail, []

    async def generate(self, request):
        self.requests.append(request)
        if self.fail:
            raise LLMUnavailable("no worker")
        return Completion(text=self.reply, finish_reason="stop", usage={})


CONTEXT = RouteContext(last=LastTurn("How many orders per store in 2024 and which ones grew fastest?", "sql",
                                     "SELECT 1"), dbs=["demo", "sales"], spaces=["sqlite-manual", "runbooks"])


def run(message, llm, context=CONTEXT, forced=None):
    return asyncio.run(route(message, context, llm, forced=forced))


@pytest.mark.parametrize("skill", ["sql", "docs", "chat", "schema"])
def test_the_model_chooses_under_a_json_schema(skill):
    llm = RouteLLM(json.dumps({"skill": skill}))
    chosen = run("Which products sell best on weekends?", llm)
    assert (chosen.skill, chosen.source, chosen.reason) == (skill, "model", "the model chose it")
    request = llm.requests[0]
    schema = request.response_format["json_schema"]["schema"]
    assert schema["properties"]["skill"]["enum"] == ["sql", "diagnose", "docs", "schema", "chat"]
    assert request.max_tokens <= 16 and request.temperature == 0.0


def test_a_diagnose_choice_takes_the_previous_sql():
    chosen = run("hmm, that took ages", RouteLLM('{"skill": "diagnose"}'))
    assert chosen.skill == "diagnose" and chosen.sql == "SELECT 1"


def test_the_prompt_is_short_and_its_stable_part_comes_first():
    long_message = "word " * 400
    messages = messages_for(long_message, CONTEXT)
    # knowledge.tokens counts about 25% above the default model's tokenizer: under ~150 real tokens.
    assert count_tokens("\n".join(m["content"] for m in messages)) < 185
    assert "demo, sales" in messages[0]["content"] and "sqlite-manual, runbooks" in messages[0]["content"]
    other = messages_for("hello", RouteContext(dbs=["demo", "sales"], spaces=["sqlite-manual", "runbooks"]))
    assert other[0] == messages[0]  # the same system prompt: its KV cache serves every message
    assert "Previous (sql, SQL): How many orders per store" in messages[1]["content"]
    assert count_tokens("\n".join(m["content"] for m in messages_for("How many orders?", CONTEXT))) < 130


def test_a_rule_needs_no_model():
    llm = RouteLLM()
    assert run("SELECT * FROM orders WHERE order_id = 1", llm).skill == "diagnose" and llm.requests == []


@pytest.mark.parametrize("llm", [RouteLLM("not json"), RouteLLM('{"skill": "poetry"}'), RouteLLM(fail=True)])
def test_without_a_usable_answer_the_router_falls_back(llm):
    chosen = run("How many customers?", llm)
    assert (chosen.skill, chosen.source) == ("sql", "fallback") and chosen.confidence < 0.5
    assert run("hello", llm, RouteContext()).skill == "chat"


def test_a_forced_skill_skips_rules_and_model():
    llm = RouteLLM()
    chosen = run("SELECT 1", llm, forced="schema")
    assert (chosen.skill, chosen.source, chosen.confidence) == ("schema", "forced", 1.0) and llm.requests == []
    assert run("why slow?", llm, forced="diagnose").sql == "SELECT 1"  # the previous answer's SQL


def test_every_prompt_renders():
    assert set(prompts.names()) == {"route_system", "route_user"}
    assert prompts.render("route_system", dbs="demo", spaces="none")
    assert prompts.render("route_user", last="", evidence="", message="hi") == "Message: hi"


def test_the_model_sees_the_evidence_in_one_short_line():
    evidence = {"catalog": {"named": ["order", "store"], "valued": ["france"]},
                "documents": {"title": "VACUUM", "similarity": 0.523}}
    user = messages_for("How many orders per store?", CONTEXT, evidence)[1]["content"]
    assert "Evidence: database knows: order, store, france; closest document: VACUUM (0.52)\n" in user
    assert user.endswith("Message: How many orders per store?")
    assert count_tokens(user) < 70  # with the previous turn
