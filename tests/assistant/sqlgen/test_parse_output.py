import pytest

from assistant.sqlgen.parse_output import parse_answer


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
