import pytest

from assistant.sqlgen.parse_output import answer_is_complete, parse_answer


@pytest.mark.parametrize(
    "text, sql",
    [
        ('{"thoughts": "count them", "sql": "SELECT COUNT(*) FROM t;"}', "SELECT COUNT(*) FROM t"),
        ('Sure! Here it is:\n{"thoughts": "x", "sql": "SELECT 1"}\nHope it helps.', "SELECT 1"),
        ("```sql\nSELECT a FROM b\n```", "SELECT a FROM b"),
        ("The query is SELECT a FROM b; and that is all", "SELECT a FROM b"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "WITH x AS (SELECT 1) SELECT * FROM x"),
        ('{"thoughts": "no idea"}', None),
        ("I cannot answer that.", None),
        ('{"sql": "   "}', None),
    ],
)
def test_sql_is_found_wherever_the_model_put_it(text, sql):
    assert parse_answer(text).sql == sql


def test_thoughts_travel_with_the_sql():
    parsed = parse_answer('{"thoughts": "join orders to customers", "sql": "SELECT 1"}')
    assert parsed.thoughts == "join orders to customers"


def test_the_prose_around_a_fenced_query_is_its_explanation():
    parsed = parse_answer("```sql\nSELECT name\nFROM city\n```\nLists every city name.")
    assert parsed.sql == "SELECT name\nFROM city" and parsed.thoughts == "Lists every city name."


def test_a_json_explanation_is_kept():
    assert parse_answer('{"sql": "SELECT 1", "explanation": "one"}').thoughts == "one"


@pytest.mark.parametrize(
    "text, complete",
    [
        ("```sql\nSELECT 1\n```", False),  # the sentence may still come
        ("```sql\nSELECT 1\n```\nCounts", False),
        ("```sql\nSELECT 1\n```\nCounts them. It", True),
        ("```sql\nSELECT 1\n```\n\nCounts them.", True),
        ("```sql\nSELECT 'St. Louis' AS x", False),  # a full stop inside the query is not the end
        ('{"sql": "SELECT 1", "explanation": "done."}', False),
    ],
)
def test_an_answer_is_complete_after_the_query_and_one_sentence(text, complete):
    assert answer_is_complete(text) is complete
