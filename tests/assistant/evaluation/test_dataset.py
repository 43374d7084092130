"""Reading the defog question files: gold splitting, templates, subsets."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlglot

from assistant.evaluation.dataset import load_questions, select_subset, split_gold
from tests.support.helpers import DEFOG

needs_defog = pytest.mark.skipif(not DEFOG.is_dir(), reason=f"defog data not found at {DEFOG}")

# From the defog set's SOURCE.md.
PER_DB = {
    "atis": 29, "yelp": 29, "advising": 28, "academic": 25, "restaurants": 25, "scholar": 25,
    "ewallet": 4, "car_dealership": 4, "broker": 3, "derm_treatment": 2,
}


def test_split_respects_string_literals_and_comments():
    text = "SELECT 'a;b' AS x FROM t;SELECT \"c;d\" FROM u -- tail; comment\n;  ;"
    assert split_gold(text, "sqlite") == ["SELECT 'a;b' AS x FROM t", "SELECT \"c;d\" FROM u -- tail; comment"]
    assert split_gold("SELECT 1", "postgres") == ["SELECT 1"]
    assert split_gold("SELECT 1;SELECT 1;", "postgres") == ["SELECT 1"]


def test_column_template_expands_to_every_non_empty_subset():
    text = "SELECT {a.id, COALESCE(a.name, 'x,y')}, COUNT(*) FROM a GROUP BY {} ORDER BY 1;SELECT '{}' FROM b"
    assert split_gold(text, "postgres") == [
        "SELECT a.id, COUNT(*) FROM a GROUP BY a.id ORDER BY 1",
        "SELECT COALESCE(a.name, 'x,y'), COUNT(*) FROM a GROUP BY COALESCE(a.name, 'x,y') ORDER BY 1",
        "SELECT a.id, COALESCE(a.name, 'x,y'), COUNT(*) FROM a GROUP BY a.id, COALESCE(a.name, 'x,y') ORDER BY 1",
        "SELECT '{}' FROM b",
    ]


@needs_defog
@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_question_files_load_and_every_gold_parses(dialect):
    questions = load_questions(DEFOG / f"questions_{dialect}.csv", dialect)
    assert len(questions) == 174
    assert Counter(q.db_name for q in questions) == PER_DB
    assert [q.id for q in questions] == list(range(174))
    for question in questions:
        assert question.gold_sql and question.dialect == dialect
        for gold in question.gold_sql:
            assert "{" not in gold.replace("'{}'", "")
            sqlglot.parse_one(gold, read=dialect)  # raises on a broken split


@needs_defog
def test_db_type_column_supplies_the_dialect_and_is_required_otherwise():
    assert {q.dialect for q in load_questions(DEFOG / "questions_sqlite.csv")} == {"sqlite"}
    with pytest.raises(ValueError, match="db_type"):
        load_questions(DEFOG / "questions_postgres.csv")


@needs_defog
def test_subset_is_stratified_deterministic_and_in_file_order():
    questions = load_questions(DEFOG / "questions_sqlite.csv")
    subset = select_subset(questions, 12)
    assert subset == select_subset(questions, 12)
    assert len({q.db_name for q in subset}) == 10
    assert len({q.category for q in subset}) >= 5
    assert [q.id for q in subset] == sorted(q.id for q in subset)
    assert select_subset(questions, None) == questions
    assert select_subset(questions, 500) == questions
    # Small databases run out; the rest keep taking turns.
    counts = Counter(q.db_name for q in select_subset(questions, 40))
    assert counts["derm_treatment"] == 2 and counts["broker"] == 3 and sum(counts.values()) == 40
