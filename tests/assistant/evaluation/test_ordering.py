"""Which gold queries fix a row order, and which columns carry it."""

from __future__ import annotations

from assistant.evaluation.ordering import asks_for_order, gold_order, order_for


def test_question_asks_for_order():
    assert asks_for_order("What are the top 3 publications?", "order_by")
    assert asks_for_order("Papers per journal, ordered by the journal name?", "table_join")
    assert asks_for_order("List them. Sort by rating", "instruct")
    assert not asks_for_order("How many courses does each department offer?", "group_by")


def test_order_keys_map_to_selected_columns():
    sql = "SELECT a.name, COUNT(*) AS n FROM a GROUP BY a.name ORDER BY n DESC, a.name"
    assert gold_order(sql, "sqlite").key_columns == (1, 0)
    assert gold_order("SELECT x, y FROM t ORDER BY 2, 1", "sqlite").key_columns == (1, 0)
    assert gold_order("SELECT t.x, COUNT(*) FROM t GROUP BY t.x ORDER BY COUNT(*) DESC", "sqlite").key_columns == (1,)
    assert gold_order("SELECT t.x FROM t ORDER BY x", "postgres").key_columns == (0,)


def test_order_by_an_unselected_column_has_no_keys():
    found = gold_order("SELECT name FROM t ORDER BY rating DESC", "sqlite")
    assert found.has_order_by and found.key_columns is None
    assert gold_order("SELECT * FROM t ORDER BY x", "sqlite").key_columns is None


def test_only_a_top_level_order_by_counts():
    assert not gold_order("SELECT x FROM (SELECT x FROM t ORDER BY x LIMIT 3) AS s", "sqlite").has_order_by
    assert not gold_order("WITH s AS (SELECT x FROM t ORDER BY x) SELECT x FROM s", "sqlite").has_order_by
    assert gold_order("SELECT x FROM a UNION SELECT x FROM b ORDER BY x", "postgres").key_columns == (0,)


def test_rules():
    sql = "SELECT name FROM t ORDER BY name"
    assert order_for(sql, "sqlite", "Names, ordered alphabetically", "", "question") == (True, (0,))
    assert order_for(sql, "sqlite", "Which names are there?", "", "question") == (False, None)
    assert order_for(sql, "sqlite", "Which names are there?", "", "gold") == (True, (0,))
    assert order_for("SELECT name FROM t", "sqlite", "Names ordered?", "order_by", "gold") == (False, None)
