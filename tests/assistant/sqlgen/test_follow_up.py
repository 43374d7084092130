"""A follow-up question sees one earlier turn, compactly; a new question sees none."""

import pytest

from assistant.sqlgen.follow_up import Turn, earlier_turn, grounding, is_follow_up
from assistant.sqlgen.full import build_messages
from connectors.types import ColumnInfo, SchemaInfo, TableInfo

SCHEMA = SchemaInfo("sqlite", "SQLite", "3", [
    TableInfo("orders", [ColumnInfo("order_id", "INTEGER", primary_key=True), ColumnInfo("channel", "TEXT"),
                         ColumnInfo("order_date", "TEXT")], primary_key=["order_id"])])
HISTORY = [Turn("How many orders are there?", "SELECT COUNT(*) FROM orders"),
           Turn("How many orders were placed in each channel?",
                "SELECT channel, COUNT(*) FROM orders GROUP BY channel")]


@pytest.mark.parametrize("question", [
    "only for 2023", "per month instead", "and how many were returned?", "now the 3 cheapest",
    "Only those that took more than 5 days", "What about the same for stores in the United Kingdom please?",
    "sort them by the count, highest first",
])
def test_a_question_that_refines_or_points_back_is_a_follow_up(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "How many orders does each store have?", "What is the average order total per store?",
    "List the stores in the United States with their opening date.",
])
def test_a_question_that_stands_alone_is_not(question):
    assert not is_follow_up(question)


def test_a_follow_up_sees_the_last_turn_with_sql_and_its_checks_read_the_earlier_questions():
    history = [*HISTORY, Turn("What does that mean?", None)]
    assert earlier_turn("only for 2023", history) == HISTORY[1]
    assert grounding("only for 2023", history).endswith("each channel? What does that mean? only for 2023")
    assert earlier_turn("How many orders does each store have?", history) is None
    assert grounding("How many orders does each store have?", history) == "How many orders does each store have?"
    assert earlier_turn("only for 2023", []) is None


def test_the_prompt_holds_one_earlier_turn_after_the_stable_schema_and_a_new_question_none():
    messages = build_messages("only for 2023", SCHEMA, ["orders"], "", HISTORY)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "CREATE TABLE orders" in messages[0]["content"]
    assert messages[1]["content"] == "How many orders were placed in each channel?"
    assert messages[2]["content"] == "```sql\nSELECT channel, COUNT(*) FROM orders GROUP BY channel\n```"
    assert messages[3]["content"].startswith("Follow-up") and messages[3]["content"].endswith("only for 2023")
    assert "How many orders are there?" not in str(messages)  # older turns: the last SQL carries them
    alone = build_messages("How many orders does each store have?", SCHEMA, ["orders"], "", HISTORY)
    assert [m["role"] for m in alone] == ["system", "user"]
