"""The router's rules: certain cases routed without the model, everything else left to it."""

import pytest

from assistant.router import LastTurn, RouteContext, extract_sql, route_by_rules
from assistant.router.rules import long_sql

NO_TURN = RouteContext(dbs=["demo"], spaces=["sqlite-manual"])
AFTER_SQL = RouteContext(last=LastTurn("How many orders per store?", "sql",
                                       "SELECT store_id, COUNT(*) FROM orders GROUP BY store_id"), dbs=["demo"])


@pytest.mark.parametrize("message, skill, rest", [
    ("/sql how many orders were placed in 2023", "sql", "how many orders were placed in 2023"),
    ("/docs what does VACUUM do", "docs", "what does VACUUM do"),
    ("/SCHEMA orders", "schema", "orders"),
    ("/chat hello", "chat", "hello"),
])
def test_a_prefix_names_the_skill(message, skill, rest):
    chosen = route_by_rules(message, NO_TURN)
    assert (chosen.skill, chosen.message, chosen.confidence, chosen.source) == (skill, rest, 1.0, "rules")


def test_an_unknown_prefix_is_no_rule():
    assert route_by_rules("/etc/passwd is a file", NO_TURN) is None


@pytest.mark.parametrize("message, sql", [
    ("SELECT name FROM stores", "SELECT name FROM stores"),
    ("select * from orders where status = 'shipped';", "select * from orders where status = 'shipped';"),
    ("Why is this slow?\nSELECT o.order_id FROM orders o JOIN customers c ON c.customer_id = o.customer_id",
     "SELECT o.order_id FROM orders o JOIN customers c ON c.customer_id = o.customer_id"),
    ("is this right: select count(*) from payments", "select count(*) from payments"),
    ("```sql\nselect 1\n```", "select 1"),
    ("EXPLAIN QUERY PLAN SELECT * FROM orders WHERE order_date > '2024-01-01'",
     "EXPLAIN QUERY PLAN SELECT * FROM orders WHERE order_date > '2024-01-01'"),
    ("UPDATE orders SET status = 'shipped' WHERE order_id = 1",
     "UPDATE orders SET status = 'shipped' WHERE order_id = 1"),
])
def test_pasted_sql_is_diagnosed(message, sql):
    chosen = route_by_rules(message, NO_TURN)
    assert chosen.skill == "diagnose" and chosen.sql == sql and chosen.source == "rules"


@pytest.mark.parametrize("message", [
    "Select all customers from France",  # English that sqlglot happens to parse
    "delete the conversation",
    "how many orders were shipped last month",
    "show tables",
])
def test_english_that_parses_is_not_sql(message):
    assert extract_sql(message) is None


@pytest.mark.parametrize("message", ["why is this so slow?", "Why does it return duplicates?",
                                     "can you speed it up", "what index would help here"])
def test_a_question_about_the_previous_sql_diagnoses_it(message):
    chosen = route_by_rules(message, AFTER_SQL)
    assert chosen.skill == "diagnose" and chosen.sql == AFTER_SQL.last.sql


@pytest.mark.parametrize("message", ["this query runs forever", "it timed out", "the counts look way too low",
                                     "I got an error", "any issues with this statement?"])
def test_a_complaint_about_the_previous_sql_diagnoses_it(message):
    assert route_by_rules(message, AFTER_SQL).skill == "diagnose"


@pytest.mark.parametrize("message", ["show the ones with a high rating too", "only orders that took over a week",
                                     "and the errors table?"])
def test_a_refinement_is_no_complaint(message):
    chosen = route_by_rules(message, AFTER_SQL)
    assert chosen is None or chosen.skill == "sql"  # a change to the data answer, never a diagnosis


def test_without_previous_sql_that_question_goes_to_the_model():
    assert route_by_rules("why is this so slow?", NO_TURN) is None


@pytest.mark.parametrize("message", [
    "What tables are there?", "which tables does the demo database have", "list all tables",
    "what columns does the orders table have", "show me the columns of customers",
    "what does orders.status mean", "what does the column loyalty_tier mean",
    "how do orders and customers join", "How can I join payments with orders?",
    "how are stores and employees related", "describe the inventory table", "what is the primary key of order_items",
])
def test_clear_schema_questions(message):
    assert route_by_rules(message, NO_TURN).skill == "schema"


@pytest.mark.parametrize("message", [
    "How many customers are in the gold tier?", "What does VACUUM do?", "How do I join two tables in SQLite?",
    "describe the vacuum command", "hi there", "thanks!", "Which store sold the most last year?",
])
def test_everything_else_is_left_to_the_model(message):
    assert route_by_rules(message, NO_TURN) is None


def test_sql_after_a_word_is_found():
    message = "optimize SELECT * FROM inventory i JOIN products p ON p.product_id = i.product_id"
    assert extract_sql(message) == message.removeprefix("optimize ")


@pytest.mark.parametrize("message", ["Which table stores refunds?", "Is there a table for stock levels?",
                                     "what does marketing_opt_in mean", "and what does its status column mean?"])
def test_where_things_are_kept_is_a_schema_question(message):
    assert route_by_rules(message, NO_TURN).skill == "schema"


@pytest.mark.parametrize("message, mark", [
    ("as a line chart", "line"), ("show that as a scatter plot", "point"), ("Can you plot it as bars instead?", "bar"),
    ("make it a line graph", "line"), ("as a bar chart please", "bar"),
])
def test_the_previous_answer_asked_for_as_another_chart_is_drawn_again_not_written_again(message, mark):
    chosen = route_by_rules(message, AFTER_SQL)
    assert (chosen.skill, chosen.chart, chosen.sql, chosen.source) == ("sql", mark, AFTER_SQL.last.sql, "rules")
    assert chosen.event()["chart"] == mark
    assert route_by_rules(message, NO_TURN) is None  # nothing to draw again


@pytest.mark.parametrize("message", ["show monthly revenue as a line chart", "what is the line total?",
                                     "bar stools sold in 2024"])
def test_a_question_that_names_a_chart_and_more_is_a_new_question(message):
    chosen = route_by_rules(message, AFTER_SQL)
    assert chosen is None or chosen.chart is None


@pytest.mark.parametrize("message", ["which table does that come from?", "Where does this data come from?",
                                     "what tables did you use?", "What table is that from?",
                                     "which columns does the query read?"])
def test_where_the_previous_answer_comes_from_is_answered_from_its_sql(message):
    chosen = route_by_rules(message, AFTER_SQL)
    assert (chosen.skill, chosen.sql, chosen.source) == ("schema", AFTER_SQL.last.sql, "rules")
    assert "chart" not in chosen.event()
    assert route_by_rules(message, NO_TURN) is None or route_by_rules(message, NO_TURN).sql is None


def test_what_exists_is_still_a_catalog_question_after_an_answer():
    chosen = route_by_rules("which tables are there?", AFTER_SQL)
    assert chosen.skill == "schema" and chosen.sql is None


@pytest.mark.parametrize("message", ["only for 2023", "per month instead", "by revenue instead",
                                     "and only for Germany", "sort them by the count, highest first",
                                     "now the 3 cheapest", "what about 2024?"])
def test_a_change_to_the_previous_data_answer_goes_back_to_the_data_without_the_model(message):
    chosen = route_by_rules(message, AFTER_SQL)
    assert (chosen.skill, chosen.source, chosen.sql) == ("sql", "rules", None)
    assert route_by_rules(message, NO_TURN) is None  # no data answer to change: the model decides
    after_docs = RouteContext(last=LastTurn("What does VACUUM do?", "docs"), dbs=["demo"])
    assert route_by_rules(message, after_docs) is None
    # Asked where the answer comes from, then changed: still the data answer that changes.
    after_sources = RouteContext(last=LastTurn("which table does that come from?", "schema", AFTER_SQL.last.sql),
                                 dbs=["demo"])
    assert route_by_rules(message, after_sources).skill == "sql"


LONG_SQL = "SELECT order_id, " + ", ".join(f"{i} AS c{i}" for i in range(800)) + " FROM orders"


@pytest.mark.parametrize("message", [LONG_SQL, f"why is this slow?\n{LONG_SQL}", f"```sql\n{LONG_SQL}\n```",
                                     f"/diagnose {LONG_SQL}"])
def test_a_long_message_holds_sql_when_it_starts_with_it_or_a_short_question(message):
    assert long_sql(message) == LONG_SQL


@pytest.mark.parametrize("message", ["select " * 3000, "x" * 600 + LONG_SQL, f"/sql {LONG_SQL}",
                                     "Lorem ipsum " * 500])
def test_a_long_message_without_sql_near_its_start_or_for_another_skill_holds_none(message):
    assert long_sql(message) is None
